// Little-endian field access at explicit offsets. The on-media format is
// little-endian regardless of the CPU.
#pragma once

#include <bit>
#include <cstddef>
#include <cstring>
#include <cstdint>

namespace famfs::omf {

inline uint64_t load_le(const uint8_t* p, size_t width) {
  uint64_t v = 0;
  for (size_t i = width; i-- > 0;) v = v << 8 | p[i];
  return v;
}
// The fixed widths as one unaligned load each (the byte loop above is not
// folded by gcc -O2: it was a tenth of replay); byte-swapped on big-endian CPUs.
inline uint64_t load_u64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}
inline uint32_t load_u32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap32(v);
  return v;
}

inline void store_le(uint8_t* p, uint64_t v, size_t width) {
  for (size_t i = 0; i < width; ++i, v >>= 8) p[i] = static_cast<uint8_t>(v);
}
inline void store_u64(uint8_t* p, uint64_t v) { store_le(p, v, 8); }
inline void store_u32(uint8_t* p, uint32_t v) { store_le(p, v, 4); }

}  // namespace famfs::omf

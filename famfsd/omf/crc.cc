#include "omf/crc.h"

#include <immintrin.h>
#include <isa-l/crc.h>

namespace famfs::omf {
namespace {

// ISA-L's AVX-512 CRC (crc32_gzip_refl_by16_10) returns without VZEROUPPER:
// the upper halves of the vector registers stay dirty, and every SSE
// instruction after it (the codec's and the C++ library's code is SSE)
// then pays for a merge with them. Measured in engine_bench: decoding the
// entries of a 64 MiB log took 21 ms of CPU with the dirty state and 4.6 ms
// without. Clearing costs a cycle; it needs AVX, hence the check.
__attribute__((target("avx"))) void clear_upper_avx() { _mm256_zeroupper(); }
// (Zero until initialized: a CRC computed by another static initializer
// before this one runs simply skips the clearing.)
const bool kHasAvx = [] {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx") != 0;
}();

}  // namespace

// ISA-L's crc32_gzip_refl is the reflected CRC-32 (polynomial 0xEDB88320,
// init and final xor ~0), which is what zlib's crc32() computes: the same
// value for the same bytes (the unit tests check the standard check value
// and records written by the reference). Chosen by measurement on the
// 123,361 entries of a 64 MiB log (536 bytes each; platform notes, and
// engine_bench prints it each run): zlib 18.8 ms, libdeflate 3.9 ms,
// ISA-L 1.9 ms. ISA-L picks its PCLMULQDQ/VPCLMULQDQ code at run time.
uint32_t crc32_of(const uint8_t* data, size_t len) {
  uint32_t crc = crc32_gzip_refl(0, data, len);
  if (kHasAvx) clear_upper_avx();
  return crc;
}

}  // namespace famfs::omf

#include "omf/crc.h"

#include <zlib.h>

namespace famfs::omf {

uint32_t crc32_of(const uint8_t* data, size_t len) {
  // Records are at most 544 bytes, far below zlib's uInt limit.
  return static_cast<uint32_t>(crc32(0L, data, static_cast<uInt>(len)));
}

}  // namespace famfs::omf

// CRC-32/ISO-HDLC (zlib crc32), the checksum of every on-media record,
// computed with ISA-L (crc.cc says why).
#pragma once

#include <cstddef>
#include <cstdint>

namespace famfs::omf {

// crc32(0, data, len) as zlib computes it.
uint32_t crc32_of(const uint8_t* data, size_t len);

}  // namespace famfs::omf

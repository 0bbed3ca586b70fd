// The superblock record (200 bytes at device offset 0) and the volume
// geometry derived from it.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "omf/layout.h"
#include "omf/problem.h"
#include "util/result.h"
#include "util/uuid.h"

namespace famfs::omf {

// Every field of the record, as stored.
struct SuperblockRecord {
  uint64_t magic = kSuperblockMagic;
  uint64_t version = kVersionWritten;
  uint64_t log_offset = kLogOffset;
  uint64_t log_len = kDefaultLogLen;
  uint64_t alloc_unit = kAllocUnit;
  uint32_t omf_major = kOmfMajor;
  uint32_t omf_minor = kOmfMinor;
  Uuid fs_uuid;
  Uuid dev_uuid;
  Uuid system_uuid;
  uint64_t crc = 0;       // as stored; encode() computes it
  uint32_t sb_flags = 0;  // never written by the reference; carried as is
  uint64_t dev_size = 0;  // NOT covered by the CRC
  Uuid dev_entry_uuid;
  std::string dev_name;  // up to 64 bytes, NUL padded

  friend bool operator==(const SuperblockRecord&, const SuperblockRecord&) = default;
};

using SuperblockBytes = std::array<uint8_t, kSuperblockSize>;

// Writes REC into OUT field by field, computing and storing the CRC (rec.crc
// is ignored). dev_name longer than 64 bytes is truncated to 64 (no NUL).
void encode_superblock(const SuperblockRecord& rec, std::span<uint8_t, kSuperblockSize> out);
// Reads every field; no validation.
SuperblockRecord decode_superblock(std::span<const uint8_t, kSuperblockSize> in);
// The CRC the record's bytes should carry (over bytes 0x00..0x5F).
uint32_t superblock_crc(std::span<const uint8_t, kSuperblockSize> in);

// Where everything is on a validated volume.
struct Geometry {
  uint64_t device_size = 0;  // bytes famfs may use: min(dev_size, real size)
  uint64_t log_offset = kLogOffset;
  uint64_t log_len = kDefaultLogLen;
  uint64_t alloc_unit = kAllocUnit;

  uint64_t data_offset() const { return log_offset + log_len; }
  uint64_t last_index() const { return last_index_for(log_len); }
  // Number of allocation units covering the device (the allocator's bitmap).
  uint64_t total_units() const { return device_size / alloc_unit; }
};

// A superblock that passed validation, with what validation noticed.
struct ValidSuperblock {
  SuperblockRecord record;
  Geometry geometry;
  std::vector<Problem> warnings;  // e.g. dev_size beyond the real device
};

// Decodes and validates the superblock of a device of REAL_SIZE bytes.
// not_famfs: magic mismatch. corrupt: CRC, version, log_offset, log_len,
// alloc_unit, or a device too small for the metadata plus one unit.
// dev_size larger than REAL_SIZE (or zero) is a warning and REAL_SIZE is used.
Result<ValidSuperblock> validate_superblock(std::span<const uint8_t, kSuperblockSize> in, uint64_t real_size);

// Smallest device that holds a superblock, a log of LOG_LEN and one unit.
constexpr uint64_t min_device_size(uint64_t log_len) { return kLogOffset + log_len + kAllocUnit; }

}  // namespace famfs::omf

// Constants of the famfs on-media format (OMF 2.2, superblock version 48).
// See ../shared/docs/on-media-format.md; this file is the code's copy of it.
#pragma once

#include <cstdint>

namespace famfs::omf {

inline constexpr uint64_t kSuperblockMagic = 0x87B282FF;
inline constexpr uint64_t kVersionWritten = 48;
inline constexpr uint64_t kVersionOldest = 47;
inline constexpr uint32_t kOmfMajor = 2;
inline constexpr uint32_t kOmfMinor = 2;
inline constexpr uint64_t kSuperblockSize = 200;         // bytes of the record
inline constexpr uint64_t kSuperblockRegion = 0x200000;  // reserved for it
inline constexpr uint64_t kLogOffset = 0x200000;
inline constexpr uint64_t kMinLogLen = 0x800000;
inline constexpr uint64_t kDefaultLogLen = 0x800000;
inline constexpr uint64_t kAllocUnit = 0x200000;     // written by mkfs
inline constexpr uint64_t kSmallAllocUnit = 0x1000;  // accepted on read
inline constexpr uint64_t kDevNameLen = 64;

inline constexpr uint64_t kLogMagic = 0x00000BADCAFEF00DULL;
inline constexpr uint64_t kLogHeaderSize = 48;
inline constexpr uint64_t kLogEntrySize = 544;
inline constexpr uint64_t kPathFieldLen = 80;  // including the NUL
inline constexpr uint64_t kMaxPathLen = kPathFieldLen - 1;
inline constexpr uint32_t kMaxExtents = 16;
inline constexpr uint32_t kMaxStrips = 16;

// Entry types.
inline constexpr uint32_t kEntryFile = 0;
inline constexpr uint32_t kEntryMkdir = 1;
inline constexpr uint32_t kEntryDelete = 2;
inline constexpr uint32_t kEntryAddDaxdev = 3;

// File flags as the reference writes them.
inline constexpr uint32_t kFlagAllHostsReadOnly = 1;
inline constexpr uint32_t kFlagAllHostsReadWrite = 2;

// Index of the last usable log slot for a log of LOG_LEN bytes.
constexpr uint64_t last_index_for(uint64_t log_len) { return (log_len - kLogHeaderSize) / kLogEntrySize - 1; }
// Device offset of log entry INDEX.
constexpr uint64_t entry_offset(uint64_t index) { return kLogOffset + kLogHeaderSize + kLogEntrySize * index; }
constexpr bool is_power_of_two(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

static_assert(last_index_for(0x800000) == 15419);
static_assert(last_index_for(64ULL << 20) == 123360);

}  // namespace famfs::omf

// The log header (48 bytes at the log offset).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "omf/layout.h"
#include "omf/problem.h"
#include "util/result.h"

namespace famfs::omf {

struct LogHeaderRecord {
  uint64_t magic = kLogMagic;
  uint64_t log_len = 0;
  uint64_t last_index = 0;
  uint64_t crc = 0;          // as stored; encode() computes it (over bytes 0..23)
  uint64_t next_seqnum = 0;  // not covered by the CRC
  uint64_t next_index = 0;   // not covered by the CRC

  friend bool operator==(const LogHeaderRecord&, const LogHeaderRecord&) = default;
};

// Byte offsets of the two mutable fields, written by the append protocol.
inline constexpr uint64_t kNextSeqnumOffset = 32;
inline constexpr uint64_t kNextIndexOffset = 40;

// A fresh header for a log of LOG_LEN bytes (next_index = next_seqnum = 0).
LogHeaderRecord new_log_header(uint64_t log_len);
// Writes REC field by field, computing the CRC.
void encode_log_header(const LogHeaderRecord& rec, std::span<uint8_t, kLogHeaderSize> out);
// Reads every field; no validation.
LogHeaderRecord decode_log_header(std::span<const uint8_t, kLogHeaderSize> in);

// A header that passed validation. next_index is bounded by last_index + 1;
// any problem found with the unprotected fields is in warnings.
struct ValidLogHeader {
  LogHeaderRecord record;
  uint64_t next_index = 0;  // usable value (clamped)
  std::vector<Problem> warnings;
};

// Validates a header against the superblock's LOG_LEN. corrupt: magic, CRC,
// log_len or last_index wrong. A next_index beyond last_index + 1 is clamped
// and reported.
Result<ValidLogHeader> validate_log_header(std::span<const uint8_t, kLogHeaderSize> in, uint64_t log_len);

}  // namespace famfs::omf

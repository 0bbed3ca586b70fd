#include "omf/log_header.h"

#include <cstring>
#include <string>

#include "omf/bytes.h"
#include "omf/crc.h"

namespace famfs::omf {

LogHeaderRecord new_log_header(uint64_t log_len) {
  LogHeaderRecord r;
  r.log_len = log_len;
  r.last_index = last_index_for(log_len);
  return r;
}

void encode_log_header(const LogHeaderRecord& rec, std::span<uint8_t, kLogHeaderSize> out) {
  uint8_t* p = out.data();
  std::memset(p, 0, out.size());
  store_u64(p + 0, rec.magic);
  store_u64(p + 8, rec.log_len);
  store_u64(p + 16, rec.last_index);
  store_u64(p + 24, crc32_of(p, 24));
  store_u64(p + kNextSeqnumOffset, rec.next_seqnum);
  store_u64(p + kNextIndexOffset, rec.next_index);
}

LogHeaderRecord decode_log_header(std::span<const uint8_t, kLogHeaderSize> in) {
  const uint8_t* p = in.data();
  return LogHeaderRecord{load_u64(p),
                         load_u64(p + 8),
                         load_u64(p + 16),
                         load_u64(p + 24),
                         load_u64(p + kNextSeqnumOffset),
                         load_u64(p + kNextIndexOffset)};
}

Result<ValidLogHeader> validate_log_header(std::span<const uint8_t, kLogHeaderSize> in, uint64_t log_len) {
  ValidLogHeader v;
  v.record = decode_log_header(in);
  const LogHeaderRecord& r = v.record;
  if (r.magic != kLogMagic) return Error(Errc::corrupt, "log header magic mismatch");
  uint32_t want = crc32_of(in.data(), 24);
  if (r.crc != want)
    return Error(Errc::corrupt, "log header CRC mismatch (stored " + std::to_string(r.crc) + ", computed " +
                                    std::to_string(want) + ")");
  if (r.log_len != log_len)
    return Error(Errc::corrupt, "log header log_len " + std::to_string(r.log_len) + " differs from the superblock's " +
                                    std::to_string(log_len));
  if (r.last_index != last_index_for(log_len))
    return Error(Errc::corrupt, "log header last_index " + std::to_string(r.last_index) + " is not " +
                                    std::to_string(last_index_for(log_len)));
  v.next_index = r.next_index;
  if (r.next_index > r.last_index + 1) {
    v.warnings.push_back({kNoIndex, ProblemKind::log_header,
                          "next_index " + std::to_string(r.next_index) + " beyond last_index + 1 (" +
                              std::to_string(r.last_index + 1) + "); reading " + std::to_string(r.last_index + 1) +
                              " entries"});
    v.next_index = r.last_index + 1;
  }
  return v;
}

}  // namespace famfs::omf

#include "engine/log_writer.h"

#include <array>
#include <string>

#include "omf/bytes.h"
#include "omf/log_header.h"

namespace famfs {

Result<uint64_t> check_append_point(Device& dev, const omf::Geometry& geo, const LogCursor& cursor) {
  auto header = read_log_header(dev, geo);
  if (!header) return header.error();
  const omf::LogHeaderRecord& h = header->record;
  if (!header->warnings.empty()) return Error(Errc::corrupt, "refusing to append: " + header->warnings.front().message);
  if (h.next_index != cursor.position())
    return Error(Errc::busy, "log holds " + std::to_string(h.next_index) + " entries, this host has replayed " +
                                 std::to_string(cursor.position()) + " (another writer?)");
  if (h.next_seqnum != h.next_index)
    return Error(Errc::corrupt, "refusing to append: next_seqnum " + std::to_string(h.next_seqnum) +
                                    " differs from next_index " + std::to_string(h.next_index));
  if (h.next_index > h.last_index)
    return Error(Errc::log_full, "log full: all " + std::to_string(h.last_index + 1) + " entries used");
  return h.next_index;
}

Status write_entry_slot(Device& dev, const omf::Geometry& geo, uint64_t index, omf::LogEntry& entry) {
  if (auto why = omf::entry_encodable(entry)) return Error(Errc::invalid_argument, *why);
  if (index > geo.last_index())
    return Error(Errc::log_full, "log full: all " + std::to_string(geo.last_index() + 1) + " entries used");
  entry.seqnum = index;
  std::array<uint8_t, omf::kLogEntrySize> slot;
  omf::encode_entry(entry, slot);
  return dev.write(omf::entry_offset(index), slot.data(), slot.size());
}

Status commit_entry_slots(Device& dev, const omf::Geometry& geo, uint64_t first, uint64_t count) {
  if (count == 0) return ok_status();
  FAMFS_TRY(dev.flush(omf::entry_offset(first), count * omf::kLogEntrySize));
  uint8_t counters[16];
  omf::store_u64(counters, first + count);
  omf::store_u64(counters + 8, first + count);
  const uint64_t hdr_off = geo.log_offset + omf::kNextSeqnumOffset;
  FAMFS_TRY(dev.write(hdr_off, counters, sizeof counters));
  return dev.flush(hdr_off, sizeof counters);
}

Status append_entry(Device& dev, const omf::Geometry& geo, const LogCursor& cursor, omf::LogEntry& entry) {
  if (auto why = omf::entry_encodable(entry)) return Error(Errc::invalid_argument, *why);
  auto next = check_append_point(dev, geo, cursor);
  if (!next) return next.error();
  FAMFS_TRY(write_entry_slot(dev, geo, *next, entry));
  return commit_entry_slots(dev, geo, *next, 1);
}

}  // namespace famfs

#include "engine/log_writer.h"

#include <array>
#include <string>

#include "omf/bytes.h"
#include "omf/log_header.h"

namespace famfs {

Status append_entry(Device& dev, const omf::Geometry& geo, const LogCursor& cursor,
                    omf::LogEntry& entry) {
  if (auto why = omf::entry_encodable(entry)) return Error(Errc::invalid_argument, *why);
  auto header = read_log_header(dev, geo);
  if (!header) return header.error();
  const omf::LogHeaderRecord& h = header->record;
  if (!header->warnings.empty())
    return Error(Errc::corrupt, "refusing to append: " + header->warnings.front().message);
  if (h.next_index != cursor.position())
    return Error(Errc::busy, "log holds " + std::to_string(h.next_index) + " entries, this host has replayed " +
                                 std::to_string(cursor.position()) + " (another writer?)");
  if (h.next_seqnum != h.next_index)
    return Error(Errc::corrupt, "refusing to append: next_seqnum " + std::to_string(h.next_seqnum) +
                                    " differs from next_index " + std::to_string(h.next_index));
  if (h.next_index > h.last_index)
    return Error(Errc::log_full, "log full: all " + std::to_string(h.last_index + 1) + " entries used");

  entry.seqnum = h.next_index;
  std::array<uint8_t, omf::kLogEntrySize> slot;
  omf::encode_entry(entry, slot);
  const uint64_t slot_off = omf::entry_offset(h.next_index);
  FAMFS_TRY(dev.write(slot_off, slot.data(), slot.size()));
  FAMFS_TRY(dev.flush(slot_off, slot.size()));

  uint8_t counters[16];
  omf::store_u64(counters, h.next_seqnum + 1);
  omf::store_u64(counters + 8, h.next_index + 1);
  const uint64_t hdr_off = geo.log_offset + omf::kNextSeqnumOffset;
  FAMFS_TRY(dev.write(hdr_off, counters, sizeof counters));
  FAMFS_TRY(dev.flush(hdr_off, sizeof counters));
  return ok_status();
}

}  // namespace famfs

// The append protocol (master only): entry, flush, then header, flush.
#pragma once

#include <cstdint>

#include "device/device.h"
#include "engine/log_cursor.h"
#include "omf/log_entry.h"
#include "omf/superblock.h"
#include "util/result.h"

namespace famfs {

// Appends ENTRY at the log's next free slot and commits it:
//  1. encode with seqnum = next_seqnum into the slot, flush the slot's lines;
//  2. store next_seqnum + 1 and next_index + 1, flush that header line.
// Step 2 is the commit point. Only the lines written are flushed.
// Preconditions checked against the header re-read from the device: its
// next_index equals CURSOR.position() (no entry this host has not replayed),
// next_seqnum == next_index. Errors: log_full (nothing written), corrupt,
// busy (someone else appended), memory_error. On success ENTRY.seqnum holds
// the slot index.
Status append_entry(Device& dev, const omf::Geometry& geo, const LogCursor& cursor, omf::LogEntry& entry);

// The same protocol for several entries (a batch): check_append_point()
// once, write_entry_slot() for each entry into consecutive slots (not
// flushed, not visible: the header still ends before them), then
// commit_entry_slots() flushes the written slots as one range and moves the
// header past them with one write and one flush (the commit point of all).

// Checks the header re-read from the device as append_entry() does and
// returns its next_index (the first free slot). Errors as append_entry().
Result<uint64_t> check_append_point(Device& dev, const omf::Geometry& geo, const LogCursor& cursor);
// Encodes ENTRY with seqnum INDEX into slot INDEX (INDEX <= last index; the
// entry must satisfy omf::entry_encodable(), invalid_argument otherwise).
// Does not flush. Errors: invalid_argument, memory_error.
Status write_entry_slot(Device& dev, const omf::Geometry& geo, uint64_t index, omf::LogEntry& entry);
// Commits slots [FIRST, FIRST + COUNT) written by write_entry_slot(): flush
// them, then store next_seqnum = next_index = FIRST + COUNT and flush that
// line. Errors: memory_error (the commit point is then unknown).
Status commit_entry_slots(Device& dev, const omf::Geometry& geo, uint64_t first, uint64_t count);

}  // namespace famfs

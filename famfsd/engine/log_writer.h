// The append protocol (master only): entry, flush, then header, flush.
#pragma once

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
Status append_entry(Device& dev, const omf::Geometry& geo, const LogCursor& cursor,
                    omf::LogEntry& entry);

}  // namespace famfs

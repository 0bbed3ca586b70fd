// Moving file contents between a caller's file descriptor and a file's
// space on the device. Runs on worker threads: touches only the device and
// the descriptors, never the volume.
#pragma once

#include <atomic>
#include <cstdint>

#include "device/device.h"
#include "omf/log_entry.h"
#include "util/result.h"

namespace famfs::service {

// Where a copy's time went (milliseconds), for famfsd's log line.
struct CopyTimes {
  double populate_ms = 0;  // page tables of the destination
  double read_ms = 0;      // read(2) of the source into the buffer
  double store_ms = 0;     // streaming stores into the device and write-back
};

// Copies SIZE bytes of SRC_FD (from offset 0) into the file bytes [0, SIZE)
// that MAP places on DEV, made durable with streaming stores. DONE counts
// the bytes copied; setting CANCEL stops the copy (busy "cancelled"). TIMES,
// when given, gets the time of each part.
// Errors: io_error (SRC_FD unreadable or shorter than SIZE: e.g. truncated
// meanwhile), memory_error (device failed).
Status copy_fd_into_map(Device& dev, const omf::FileMap& map, int src_fd, uint64_t size, std::atomic<uint64_t>& done,
                        const std::atomic<bool>& cancel, CopyTimes* times = nullptr);

// Writes the file bytes [begin, end) that MAP places on DEV to DEST_FD
// (until all is written, also for non-blocking descriptors). A reader that
// stops reading does not pin the caller: setting CANCEL ends the transfer
// within a fraction of a second (busy), also while the destination is full.
// Returns the byte count. Errors: io_error (DEST_FD refused the data, e.g.
// the reader went away: EPIPE), busy (cancelled), memory_error (device
// failed).
Result<uint64_t> copy_map_to_fd(Device& dev, const omf::FileMap& map, uint64_t begin, uint64_t end, int dest_fd,
                                const std::atomic<bool>& cancel);

}  // namespace famfs::service

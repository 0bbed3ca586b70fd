// Transfers between a caller's file descriptor and the device: CopyIn
// (prepare the allocation, copy on a worker, then commit, or abandon on any
// failure) and ReadFile (a file's bytes into a descriptor, ended when the
// caller leaves). The D-Bus handlers parse, check and reply; the
// orchestration is here, without a bus, so it is tested with an Instance and
// a WorkerPool alone.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "engine/volume.h"
#include "service/instance.h"
#include "service/worker_pool.h"
#include "util/result.h"

namespace famfs::service {

// The counters of one transfer, shared by its worker and whoever watches it
// (a job object): bytes done so far, and the request to stop.
struct TransferProgress {
  std::atomic<uint64_t> done{0};
  std::atomic<bool> cancel{false};
};

// The size of the file SOURCE_FD holds, which must be a regular file or a
// memfd open for reading. invalid_argument naming what is wrong otherwise.
Result<uint64_t> copy_source_size(int source_fd);
// invalid_argument unless DEST_FD is open for writing.
Status check_destination(int dest_fd);

// The bytes [begin, end) a ReadFile of a file of SIZE bytes gives for the
// options OFFSET (default 0) and LENGTH (default: to the end; clipped to
// it). invalid_argument for an offset beyond the end.
struct ByteRange {
  uint64_t begin = 0, end = 0;
};
Result<ByteRange> read_range(uint64_t size, std::optional<uint64_t> offset, std::optional<uint64_t> length);

// The space of one CopyIn, allocated and not logged yet (transfer.cc).
// Dropped before its copy starts, it gives the space back.
class PreparedCopy;

class Transfers {
 public:
  Transfers(Instance& instance, WorkerPool& workers) : instance_(instance), workers_(workers) {}

  // First step of a CopyIn: allocates the space of the new file REQUEST
  // (its size: the source's) and takes over SOURCE_FD (closed with the
  // copy, also on failure). Errors as Instance::prepare_copy.
  Result<std::shared_ptr<PreparedCopy>> prepare_copy_in(const FileRequest& request, int source_fd);
  // Second step: copies the source into the space on a worker, then, on the
  // loop thread, commits the file once the bytes are flushed (or on any
  // failure gives the space back) and calls DONE(status). PROGRESS counts
  // the bytes and carries the cancel request. Returns the error that kept
  // the copy from starting (the space is given back then, DONE not called).
  Status start_copy_in(std::shared_ptr<PreparedCopy> copy, std::shared_ptr<TransferProgress> progress,
                       std::function<void(const Status&)> done);
  // Second step of a CopyIn with commit=false: as start_copy_in, but the
  // finished copy is not committed: DONE gets the prepared file (its bytes
  // complete and flushed, nothing logged) to keep as a reservation, or the
  // error (the space given back).
  Status start_reserved_copy(std::shared_ptr<PreparedCopy> copy, std::shared_ptr<TransferProgress> progress,
                             std::function<void(Result<PendingFile>&&)> done);
  // Writes the bytes RANGE of the file MAP places on the device into DEST_FD
  // (taken over: closed when done) on a worker; setting GONE (the caller
  // left) ends it. DONE(bytes or error) on the loop thread. Returns the
  // error that kept the transfer from starting (DONE not called).
  Status read_out(const omf::FileMap& map, ByteRange range, int dest_fd, std::shared_ptr<std::atomic<bool>> gone,
                  std::function<void(const Result<uint64_t>&)> done);

 private:
  Instance& instance_;
  WorkerPool& workers_;
};

}  // namespace famfs::service

#include "service/transfer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>

#include "service/data_copy.h"
#include "service/log.h"

namespace famfs::service {

namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// A descriptor this side owns (closed with the transfer).
struct OwnedFd {
  int fd = -1;
  explicit OwnedFd(int f) : fd(f) {}
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
  ~OwnedFd() {
    if (fd >= 0) close(fd);
  }
};

// One ReadFile in flight.
struct ReadState {
  ReadState(int fd, omf::FileMap m, ByteRange r) : dest(fd), map(std::move(m)), range(r) {}
  OwnedFd dest;
  omf::FileMap map;
  ByteRange range;
  Result<uint64_t> outcome{uint64_t{0}};
};

}  // namespace

// One CopyIn: its space (given back unless committed) and its copy.
class PreparedCopy {
 public:
  PreparedCopy(Instance& inst, int fd, PendingFile p) : inst_(inst), source(fd), pending(std::move(p)) {}
  ~PreparedCopy() {
    if (!settled_) inst_.abandon_copy(std::move(pending));
  }
  // Commits the file (OUTCOME ok) or gives its space back; the result.
  Status settle(Status outcome) {
    settled_ = true;
    if (!outcome) {
      if (outcome.error().code() == Errc::memory_error) inst_.report_device_error(outcome.error());
      inst_.abandon_copy(std::move(pending));
      return outcome;
    }
    return inst_.commit_copy(std::move(pending));
  }
  // The finished copy's file, uncommitted (OUTCOME ok), or OUTCOME after
  // giving the space back.
  Result<PendingFile> keep(Status outcome) {
    if (!outcome) return settle(outcome).error();
    settled_ = true;
    return std::move(pending);
  }

 private:
  Instance& inst_;
  bool settled_ = false;

 public:
  OwnedFd source;
  PendingFile pending;
  std::shared_ptr<TransferProgress> progress;
  Status outcome;
  double copy_ms = 0;  // the worker's copy and flush, for the log line
  CopyTimes times;
};

Result<uint64_t> copy_source_size(int fd) {
  struct stat st {};
  if (fd < 0 || fstat(fd, &st) != 0) return Error(Errc::invalid_argument, "the source descriptor is not usable");
  if (!S_ISREG(st.st_mode))
    return Error(Errc::invalid_argument, "the source must be a regular file or memfd (its size is the file's size)");
  int fl = fcntl(fd, F_GETFL);
  // O_PATH passes fstat and reports O_RDONLY, but cannot be read.
  if (fl < 0 || (fl & O_PATH) || (fl & O_ACCMODE) == O_WRONLY)
    return Error(Errc::invalid_argument, "the source is not open for reading");
  return static_cast<uint64_t>(st.st_size);
}

Status check_destination(int fd) {
  int fl = fd >= 0 ? fcntl(fd, F_GETFL) : -1;
  if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY)
    return Error(Errc::invalid_argument, "the destination is not open for writing");
  return ok_status();
}

Result<ByteRange> read_range(uint64_t size, std::optional<uint64_t> offset, std::optional<uint64_t> length) {
  const uint64_t begin = offset.value_or(0);
  if (begin > size) return Error(Errc::invalid_argument, "offset beyond the end of the file");
  const uint64_t len = length.value_or(size - begin);
  return ByteRange{begin, begin + std::min(len, size - begin)};
}

Result<std::shared_ptr<PreparedCopy>> Transfers::prepare_copy_in(const FileRequest& request, int source_fd) {
  OwnedFd guard(source_fd);
  // The tail beyond the data is zeroed on the worker, before the copy: the
  // loop thread only allocates.
  auto pending = instance_.prepare_copy(request, false);
  if (!pending) return pending.error();
  guard.fd = -1;  // the copy owns it now
  return std::make_shared<PreparedCopy>(instance_, source_fd, std::move(pending.value()));
}

Status Transfers::start_copy_in(std::shared_ptr<PreparedCopy> copy, std::shared_ptr<TransferProgress> progress,
                                std::function<void(const Status&)> done) {
  copy->progress = std::move(progress);
  Device* dev = instance_.device();
  // On failure the pair is dropped, and with it COPY: its space goes back.
  return workers_.spawn(
      [copy, dev] {
        const auto t0 = std::chrono::steady_clock::now();
        copy->outcome = zero_copy_tail(*dev, copy->pending);
        if (copy->outcome)
          copy->outcome = copy_fd_into_map(*dev, copy->pending.map, copy->source.fd, copy->pending.request.size,
                                           copy->progress->done, copy->progress->cancel, &copy->times);
        copy->copy_ms = ms_since(t0);
      },
      [copy, done = std::move(done)] {
        const uint64_t size = copy->pending.request.size;
        const std::string path = copy->pending.request.path;
        const auto t0 = std::chrono::steady_clock::now();
        Status s = copy->settle(copy->outcome);
        const double commit_ms = ms_since(t0);
        if (s)
          log_msg(LogLevel::info,
                  "copied %llu bytes into %s (copy %.1f ms, %.0f MiB/s: page tables %.1f, read %.1f, stores and "
                  "write-back %.1f; commit %.1f ms)",
                  static_cast<unsigned long long>(size), path.c_str(), copy->copy_ms,
                  copy->copy_ms > 0 ? size / 1048576.0 / (copy->copy_ms / 1000) : 0.0, copy->times.populate_ms,
                  copy->times.read_ms, copy->times.store_ms, commit_ms);
        done(s);
      });
}

Status Transfers::start_reserved_copy(std::shared_ptr<PreparedCopy> copy, std::shared_ptr<TransferProgress> progress,
                                      std::function<void(Result<PendingFile>&&)> done) {
  copy->progress = std::move(progress);
  Device* dev = instance_.device();
  return workers_.spawn(
      [copy, dev] {
        copy->outcome = zero_copy_tail(*dev, copy->pending);
        if (copy->outcome)
          copy->outcome = copy_fd_into_map(*dev, copy->pending.map, copy->source.fd, copy->pending.request.size,
                                           copy->progress->done, copy->progress->cancel, &copy->times);
      },
      [copy, done = std::move(done)] { done(copy->keep(copy->outcome)); });
}

Status Transfers::read_out(const omf::FileMap& map, ByteRange range, int dest_fd,
                           std::shared_ptr<std::atomic<bool>> gone, std::function<void(const Result<uint64_t>&)> done) {
  auto rd = std::make_shared<ReadState>(dest_fd, map, range);
  Device* dev = instance_.device();
  Instance* inst = &instance_;
  return workers_.spawn(
      [rd, dev, gone] {
        rd->outcome = copy_map_to_fd(*dev, rd->map, rd->range.begin, rd->range.end, rd->dest.fd, *gone);
      },
      [rd, inst, done = std::move(done)] {
        if (!rd->outcome && rd->outcome.error().code() == Errc::memory_error)
          inst->report_device_error(rd->outcome.error());
        done(rd->outcome);
      });
}

}  // namespace famfs::service

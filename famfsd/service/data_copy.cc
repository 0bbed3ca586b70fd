#include "service/data_copy.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "engine/file_layout.h"
#include "util/size_parse.h"

namespace famfs::service {

namespace {

constexpr uint64_t kPiece = 8ULL << 20;  // ReadFile transfer size
// CopyIn's buffer: small enough to stay in the CPU cache between the read and
// the streaming copy (256 KiB measured slower, 4 MiB no faster).
constexpr uint64_t kCopyPiece = 1ULL << 20;  // a multiple of read_exactly's 4 KiB blocks

// A transfer buffer mapped for one copy and unmapped after it. Not malloc:
// glibc keeps a freed megabyte in each worker thread's arena for good (the
// daemon's memory would grow with the number of threads that ever copied).
class Buffer {
 public:
  explicit Buffer(size_t len) : len_(len) {
    void* p = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    data_ = p == MAP_FAILED ? nullptr : static_cast<uint8_t*>(p);
  }
  ~Buffer() {
    if (data_ != nullptr) munmap(data_, len_);
  }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  uint8_t* data() const { return data_; }

 private:
  size_t len_;
  uint8_t* data_;
};

Error sys_error(const char* what) { return Error(Errc::io_error, std::string(what) + ": " + std::strerror(errno)); }

// How long a write waits for room before it looks at the cancel flag again.
constexpr int kWaitSliceMs = 200;

// The caller's destination, written so that a reader that stops reading
// cannot pin the worker: pipes and FIFOs are written through a
// non-blocking description of famfsd's own (reopened through /proc, so
// the caller's descriptor keeps its flags), sockets with MSG_DONTWAIT, and
// every wait for room is a poll that gives up when CANCEL is set (the caller
// left the bus, or famfsd stops). Regular files and character devices are
// written as they are.
class Destination {
 public:
  explicit Destination(int fd) : fd_(fd) {
    struct stat st {};
    if (fstat(fd, &st) != 0) return;
    if (S_ISSOCK(st.st_mode)) {
      socket_ = true;
    } else if (S_ISFIFO(st.st_mode)) {
      std::string self = "/proc/self/fd/" + std::to_string(fd);
      int own = open(self.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
      if (own >= 0) {
        own_ = own;
        fd_ = own;
      } else if (errno == ENXIO) {
        reader_gone_ = true;  // a FIFO with no reader: writing would be EPIPE
      }
      // Otherwise (no /proc): the caller's descriptor, written in PIPE_BUF
      // pieces after poll says there is room, which never blocks.
      small_writes_ = own < 0;
    }
  }
  ~Destination() {
    if (own_ >= 0) close(own_);
  }
  Destination(const Destination&) = delete;
  Destination& operator=(const Destination&) = delete;

  Status write_all(const uint8_t* p, uint64_t len, const std::atomic<bool>& cancel) {
    if (reader_gone_)
      return Error(Errc::io_error, "writing to the caller's descriptor: the pipe has no reader (EPIPE)");
    while (len > 0) {
      if (cancel.load(std::memory_order_relaxed))
        return Error(Errc::busy, "transfer stopped: the caller left the bus or famfsd is stopping");
      if (small_writes_ && !wait_room(cancel)) continue;
      const size_t n = small_writes_ ? std::min<uint64_t>(len, PIPE_BUF) : len;
      ssize_t w = socket_ ? send(fd_, p, n, MSG_DONTWAIT | MSG_NOSIGNAL) : write(fd_, p, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          wait_room(cancel);
          continue;
        }
        if (errno == EFAULT)  // the kernel could not read our mapping: the device went bad
          return Error(Errc::memory_error, "device memory unreadable while writing to the caller's descriptor");
        if (errno == EPIPE)
          return Error(Errc::io_error, "writing to the caller's descriptor: the reader closed it (EPIPE)");
        return sys_error("writing to the caller's descriptor");
      }
      p += w;
      len -= static_cast<uint64_t>(w);
    }
    return ok_status();
  }

 private:
  // Waits up to one slice for room; true when there is some.
  bool wait_room(const std::atomic<bool>& cancel) {
    if (cancel.load(std::memory_order_relaxed)) return false;
    pollfd pfd{fd_, POLLOUT, 0};
    int r = poll(&pfd, 1, kWaitSliceMs);
    return r > 0;  // POLLERR/POLLHUP too: the write then reports why
  }

  int fd_;
  int own_ = -1;
  bool socket_ = false, small_writes_ = false, reader_gone_ = false;
};

// Reads LEN bytes of FD at OFFSET into DST, which holds LEN rounded up to
// 4 KiB. It asks for whole 4 KiB blocks, so a descriptor opened with
// O_DIRECT works too (a file's tail is rarely aligned; DST and OFFSET are);
// bytes read beyond LEN (a file that grew) are ignored.
constexpr uint64_t kBlock = 4096;
Status read_exactly(int fd, uint8_t* dst, uint64_t len, uint64_t offset) {
  const uint64_t asked = (len + kBlock - 1) / kBlock * kBlock;
  uint64_t got = 0;
  while (got < len) {
    ssize_t r = pread(fd, dst + got, asked - got, static_cast<off_t>(offset + got));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && errno == EFAULT)  // the kernel could not store into our device mapping
      return Error(Errc::memory_error, "device memory unwritable while reading the source file into it");
    if (r < 0) return sys_error("reading the source file");
    if (r == 0) return Error(Errc::io_error, "the source file ended early (truncated during the copy?)");
    got += static_cast<uint64_t>(r);
  }
  return ok_status();
}

}  // namespace

Status copy_fd_into_map(Device& dev, const omf::FileMap& map, int src_fd, uint64_t size, std::atomic<uint64_t>& done,
                        const std::atomic<bool>& cancel, CopyTimes* times) {
  CopyTimes local;
  CopyTimes& t = times ? *times : local;
  using Clock = std::chrono::steady_clock;
  auto ms_since = [](Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  };
  struct stat st {};
  if (fstat(src_fd, &st) != 0) return sys_error("source file");
  if (static_cast<uint64_t>(st.st_size) < size)
    return Error(Errc::io_error,
                 "the source shrank to " + size_text(static_cast<uint64_t>(st.st_size)) + " during the copy");
  // pread into a small cache-resident buffer, then stream it into the device
  // with non-temporal stores: the source is never mapped (a page-table entry
  // per 4 KiB of source costs more than the copy). Measured alternatives:
  // mmap of the source, far slower on fresh mappings. On device-dax the
  // source is read straight into the device mapping instead (one copy, then
  // write-back): in the famfsd-bench guest (tests/vm) 1.01 of memcpy against
  // 0.62 through the bounce buffer. File-backed devices keep the bounce
  // buffer: there the direct read was 1.3-2x slower (a /dev/shm device file
  // allocates its pages on the first store). In that guest the first 1 GiB
  // copy after the source is written is slow (0.3-0.4) whichever backend
  // goes first: the famfs.ko mount costs the copy nothing.
  uint8_t* const direct = dev.kind() == DeviceKind::devdax ? dev.map_view() : nullptr;
  Buffer bounce(kCopyPiece);
  if (bounce.data() == nullptr) return Error(Errc::io_error, "out of memory for the copy buffer");

  Status result = ok_status();
  for_each_segment(map, 0, size, [&](const FileSegment& seg) {
    auto t0 = Clock::now();
    dev.populate(seg.device_offset, seg.len, true);  // page tables for the whole extent in one call
    t.populate_ms += ms_since(t0);
    for (uint64_t k = 0; k < seg.len; k += kCopyPiece) {
      if (cancel.load(std::memory_order_relaxed)) {
        result = Error(Errc::busy, "cancelled");
        return false;
      }
      const uint64_t n = std::min(kCopyPiece, seg.len - k);
      t0 = Clock::now();
      if (direct != nullptr && n % kBlock == 0) {
        // One copy: the kernel reads the source straight into the mapping
        // (a bad device page is EFAULT, not a signal), then write-back. Only
        // whole 4 KiB blocks: read_exactly rounds up to them, and a rounded
        // read must not land beyond this piece; a short last piece bounces.
        result = read_exactly(src_fd, direct + seg.device_offset + k, n, seg.file_offset + k);
        t.read_ms += ms_since(t0);
        t0 = Clock::now();
        if (result) result = dev.flush(seg.device_offset + k, n);
        t.store_ms += ms_since(t0);
      } else {
        result = read_exactly(src_fd, bounce.data(), n, seg.file_offset + k);
        t.read_ms += ms_since(t0);
        t0 = Clock::now();
        if (result) result = dev.write_flushed(seg.device_offset + k, bounce.data(), n);
        t.store_ms += ms_since(t0);
      }
      if (!result) return false;
      done.fetch_add(n, std::memory_order_relaxed);
    }
    return true;
  });
  return result;
}

Result<uint64_t> copy_map_to_fd(Device& dev, const omf::FileMap& map, uint64_t begin, uint64_t end, int dest_fd,
                                const std::atomic<bool>& cancel) {
  uint8_t* base = dev.map_view();
  std::optional<Buffer> bounce;
  if (base == nullptr) {
    bounce.emplace(kPiece);
    if (bounce->data() == nullptr) return Error(Errc::io_error, "out of memory for the transfer buffer");
  }
  Destination dest(dest_fd);
  uint64_t written = 0;
  Status result = ok_status();
  for_each_segment(map, begin, end, [&](const FileSegment& seg) {
    for (uint64_t k = 0; k < seg.len; k += kPiece) {
      uint64_t n = std::min(kPiece, seg.len - k);
      if (base != nullptr) {
        dev.populate(seg.device_offset + k, n, false);
        // Straight from the mapping: the kernel copies, and reports a bad
        // device page as EFAULT rather than a signal.
        result = dest.write_all(base + seg.device_offset + k, n, cancel);
      } else {
        result = dev.read(seg.device_offset + k, bounce->data(), n);
        if (result) result = dest.write_all(bounce->data(), n, cancel);
      }
      if (!result) return false;
      written += n;
    }
    return true;
  });
  if (!result) return result.error();
  return written;
}

}  // namespace famfs::service

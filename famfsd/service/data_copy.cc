#include "service/data_copy.h"

#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "device/memory_guard.h"
#include "engine/file_layout.h"

namespace famfs::service {

namespace {

constexpr uint64_t kPiece = 8ULL << 20;  // progress and cancel granularity

Error sys_error(const char* what) { return Error(Errc::io_error, std::string(what) + ": " + std::strerror(errno)); }

// Waits until FD can take more bytes (for descriptors in non-blocking mode).
bool wait_writable(int fd) {
  pollfd p{fd, POLLOUT, 0};
  return poll(&p, 1, -1) >= 0 || errno == EINTR;
}

Status write_all(int fd, const uint8_t* p, uint64_t len) {
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN && wait_writable(fd)) continue;
      if (errno == EFAULT)  // the kernel could not read our mapping: the device went bad
        return Error(Errc::memory_error, "device memory unreadable while writing to the caller's descriptor");
      return sys_error("writing to the caller's descriptor");
    }
    p += n;
    len -= static_cast<uint64_t>(n);
  }
  return ok_status();
}

}  // namespace

Status copy_fd_into_map(Device& dev, const omf::FileMap& map, int src_fd, uint64_t size,
                        std::atomic<uint64_t>& done, const std::atomic<bool>& cancel) {
  struct stat st {};
  if (fstat(src_fd, &st) != 0) return sys_error("source file");
  if (static_cast<uint64_t>(st.st_size) < size)
    return Error(Errc::io_error, "the source shrank to " + std::to_string(st.st_size) + " bytes during the copy");
  void* mapped = size ? mmap(nullptr, size, PROT_READ, MAP_SHARED, src_fd, 0) : MAP_FAILED;
  std::vector<uint8_t> bounce;
  if (mapped == MAP_FAILED) bounce.resize(kPiece);
  const auto* src = static_cast<const uint8_t*>(mapped == MAP_FAILED ? nullptr : mapped);

  Status result = ok_status();
  for_each_segment(map, 0, size, [&](const FileSegment& seg) {
    for (uint64_t k = 0; k < seg.len; k += kPiece) {
      if (cancel.load(std::memory_order_relaxed)) {
        result = Error(Errc::busy, "cancelled");
        return false;
      }
      uint64_t n = std::min(kPiece, seg.len - k);
      uint64_t file_off = seg.file_offset + k;
      if (src != nullptr) {
        // A SIGBUS on the source (truncated under us) lands in this guard; one
        // on the device in write_flushed's own.
        Status inner = ok_status();
        Status outer = guarded_run(src, size, "reading the source file",
                                   [&] { inner = dev.write_flushed(seg.device_offset + k, src + file_off, n); });
        result = outer.ok() ? inner : Error(Errc::io_error, "the source file became unreadable (truncated?)");
      } else {
        uint64_t got = 0;
        while (got < n) {
          ssize_t r = pread(src_fd, bounce.data() + got, n - got, static_cast<off_t>(file_off + got));
          if (r < 0 && errno == EINTR) continue;
          if (r < 0) {
            result = sys_error("reading the source file");
            return false;
          }
          if (r == 0) {
            result = Error(Errc::io_error, "the source file ended early (truncated during the copy?)");
            return false;
          }
          got += static_cast<uint64_t>(r);
        }
        result = dev.write_flushed(seg.device_offset + k, bounce.data(), n);
      }
      if (!result) return false;
      done.fetch_add(n, std::memory_order_relaxed);
    }
    return true;
  });
  if (mapped != MAP_FAILED) munmap(mapped, size);
  return result;
}

Result<uint64_t> copy_map_to_fd(Device& dev, const omf::FileMap& map, uint64_t begin, uint64_t end, int dest_fd) {
  uint8_t* base = dev.map_view();
  std::vector<uint8_t> bounce;
  if (base == nullptr) bounce.resize(kPiece);
  uint64_t written = 0;
  Status result = ok_status();
  for_each_segment(map, begin, end, [&](const FileSegment& seg) {
    for (uint64_t k = 0; k < seg.len; k += kPiece) {
      uint64_t n = std::min(kPiece, seg.len - k);
      if (base != nullptr) {
        // Straight from the mapping: the kernel copies, and reports a bad
        // device page as EFAULT rather than a signal.
        result = write_all(dest_fd, base + seg.device_offset + k, n);
      } else {
        result = dev.read(seg.device_offset + k, bounce.data(), n);
        if (result) result = write_all(dest_fd, bounce.data(), n);
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

// pmem block devices (/dev/pmemN) in user space: direct I/O.
//
// Mapping the block device would go through its page cache, which is not
// coherent with what famfs.ko (fs-dax) and other hosts write to the memory.
// O_DIRECT reads and writes go to the memory on every call. The pmem driver
// writes with cache-flushing copies, so flush() only needs to order, and there
// is no CPU cache of ours to invalidate. Memory errors surface as EIO.
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "device/device_backends.h"

namespace famfs {

namespace {

constexpr uint64_t kBlock = 4096;         // direct I/O alignment used for every transfer
constexpr uint64_t kBounce = 8ULL << 20;  // largest single transfer

class PmemDevice : public Device {
 public:
  PmemDevice(std::string path, int fd, uint64_t size, bool writable, uint8_t* bounce)
      : path_(std::move(path)), fd_(fd), size_(size), writable_(writable), bounce_(bounce) {}
  ~PmemDevice() override {
    free(bounce_);
    close(fd_);
  }
  PmemDevice(const PmemDevice&) = delete;
  PmemDevice& operator=(const PmemDevice&) = delete;

  DeviceKind kind() const override { return DeviceKind::pmem; }
  const std::string& path() const override { return path_; }
  uint64_t size() const override { return size_; }
  bool writable() const override { return writable_; }

  Status read(uint64_t offset, void* dst, size_t len) override {
    FAMFS_TRY(check_range(offset, len, "read"));
    std::lock_guard<std::mutex> lock(bounce_mu_);
    auto* out = static_cast<uint8_t*>(dst);
    while (len > 0) {
      uint64_t start = offset & ~(kBlock - 1);
      uint64_t skip = offset - start;
      uint64_t take = std::min<uint64_t>(len, kBounce - skip);
      uint64_t span = round_up(skip + take);
      FAMFS_TRY(transfer(false, start, span));
      std::memcpy(out, bounce_ + skip, take);
      out += take;
      offset += take;
      len -= take;
    }
    return ok_status();
  }

  Status write(uint64_t offset, const void* src, size_t len) override {
    FAMFS_TRY(check_writable());
    FAMFS_TRY(check_range(offset, len, "write"));
    return write_blocks(offset, len, static_cast<const uint8_t*>(src));
  }

  Status zero(uint64_t offset, uint64_t len) override {
    FAMFS_TRY(check_writable());
    FAMFS_TRY(check_range(offset, len, "zeroing"));
    FAMFS_TRY(write_blocks(offset, len, nullptr));
    return flush(offset, len);
  }

  Status flush(uint64_t offset, uint64_t len) override {
    FAMFS_TRY(check_range(offset, len, "flush"));
    if (!writable_) return ok_status();
    if (fdatasync(fd_) != 0) return io_error("fdatasync failed");
    return ok_status();
  }

  Status invalidate(uint64_t offset, uint64_t len) override { return check_range(offset, len, "invalidate"); }
  uint8_t* map_view() override { return nullptr; }

 private:
  static uint64_t round_up(uint64_t v) { return (v + kBlock - 1) & ~(kBlock - 1); }

  Status check_range(uint64_t offset, uint64_t len, const char* what) const {
    return check_device_range(offset, len, size_, what);
  }
  Status check_writable() const {
    if (!writable_) return Error(Errc::permission_denied, "write refused: " + path_ + " is open read-only");
    return ok_status();
  }
  Error io_error(const char* what) const {
    int err = errno;
    // EIO from the pmem driver means a bad block (poisoned memory).
    return Error(err == EIO ? Errc::memory_error : Errc::io_error, path_ + ": " + what + ": " + std::strerror(err));
  }

  // Moves SPAN bytes (block multiple) between the bounce buffer and START.
  Status transfer(bool out, uint64_t start, uint64_t span) {
    uint64_t done = 0;
    while (done < span) {
      ssize_t n = out ? pwrite(fd_, bounce_ + done, span - done, static_cast<off_t>(start + done))
                      : pread(fd_, bounce_ + done, span - done, static_cast<off_t>(start + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return io_error(out ? "write failed" : "read failed");
      if (n == 0) {
        errno = EIO;
        return io_error("unexpected end of device");
      }
      done += static_cast<uint64_t>(n);
    }
    return ok_status();
  }

  // Writes LEN bytes of SRC (zeros when SRC is null) at OFFSET; partial
  // blocks at either end are read, patched and written back.
  Status write_blocks(uint64_t offset, uint64_t len, const uint8_t* src) {
    std::lock_guard<std::mutex> lock(bounce_mu_);
    while (len > 0) {
      uint64_t start = offset & ~(kBlock - 1);
      uint64_t skip = offset - start;
      uint64_t take = std::min<uint64_t>(len, kBounce - skip);
      uint64_t span = round_up(skip + take);
      if (skip != 0 || take != span) {
        // Edges are partial: fetch them so the bytes around ours survive.
        FAMFS_TRY(transfer(false, start, kBlock));
        if (span > kBlock) {
          uint64_t last = start + span - kBlock;
          uint8_t* keep = bounce_ + (span - kBlock);
          ssize_t n = pread(fd_, keep, kBlock, static_cast<off_t>(last));
          if (n != static_cast<ssize_t>(kBlock)) return io_error("read failed");
        }
      }
      if (src) {
        std::memcpy(bounce_ + skip, src, take);
        src += take;
      } else {
        std::memset(bounce_ + skip, 0, take);
      }
      FAMFS_TRY(transfer(true, start, span));
      offset += take;
      len -= take;
    }
    return ok_status();
  }

  std::string path_;
  int fd_;
  uint64_t size_;
  bool writable_;
  // One bounce buffer, used by the loop thread (log, heartbeat, zeroing) and
  // by copy workers at once: every transfer through it holds this lock (it
  // did not, and a heartbeat during a CopyIn could put its bytes into the
  // copy's blocks).
  std::mutex bounce_mu_;
  uint8_t* bounce_;
};

}  // namespace

Result<std::unique_ptr<Device>> open_pmem_device(const std::string& path, int fd, OpenMode mode) {
  uint64_t size = 0;
  if (ioctl(fd, BLKGETSIZE64, &size) != 0) {
    Error e = errno_error(errno, path, "cannot read the block device size");
    close(fd);
    return e;
  }
  if (size == 0) {
    close(fd);
    return Error(Errc::invalid_argument, path + ": block device of size 0");
  }
  void* bounce = nullptr;
  if (posix_memalign(&bounce, kBlock, kBounce) != 0) {
    close(fd);
    return Error(Errc::io_error, path + ": out of memory for the I/O buffer");
  }
  return std::unique_ptr<Device>(
      new PmemDevice(path, fd, size, mode == OpenMode::read_write, static_cast<uint8_t*>(bounce)));
}

}  // namespace famfs

// open_device(): picks the implementation from the file type, and the
// implementations that need no more than a mapping (file, memory).
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "device/device.h"
#include "device/device_backends.h"
#include "device/mapped_device.h"

namespace famfs {

const char* device_kind_name(DeviceKind kind) {
  switch (kind) {
    case DeviceKind::file: return "file";
    case DeviceKind::devdax: return "devdax";
    case DeviceKind::pmem: return "pmem";
    case DeviceKind::memory: return "memory";
  }
  return "unknown";
}

Status check_device_range(uint64_t offset, uint64_t len, uint64_t size, const char* what) {
  if (offset > size || len > size - offset)
    return Error(Errc::invalid_argument, std::string(what) + " of " + std::to_string(len) + " bytes at offset " +
                                             std::to_string(offset) + " is outside the device (" +
                                             std::to_string(size) + " bytes)");
  return ok_status();
}

Error errno_error(int err, const std::string& path, const std::string& what) {
  // Opening a device node whose device is gone (ENODEV, ENXIO) is a missing
  // device, not an unsupported request.
  Errc code = err == ENODEV || err == ENXIO ? Errc::not_found : errc_from_errno(err);
  return Error(code, path + ": " + what + ": " + std::strerror(err));
}

Result<std::unique_ptr<Device>> open_file_device(const std::string& path, int fd, uint64_t size, OpenMode mode) {
  if (size == 0) {
    close(fd);
    return Error(Errc::invalid_argument,
                 path + ": the file is empty (an emulated device needs a size: truncate -s 4G " + path + ")");
  }
  struct statfs fs {};
  bool tmpfs = fstatfs(fd, &fs) == 0 && (fs.f_type == TMPFS_MAGIC || fs.f_type == HUGETLBFS_MAGIC);
  uint8_t* base = map_aligned(fd, size, mode == OpenMode::read_write);
  if (base == nullptr) {
    Error e = errno_error(errno, path, "mmap failed");
    close(fd);
    return e;
  }
  MappingSpec spec{DeviceKind::file, path, fd, base, size, size, mode == OpenMode::read_write, !tmpfs};
  return std::unique_ptr<Device>(new MappedDevice(std::move(spec)));
}

Result<std::unique_ptr<Device>> open_device(const std::string& path, OpenMode mode) {
  int flags = (mode == OpenMode::read_write ? O_RDWR : O_RDONLY) | O_CLOEXEC;
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return errno_error(errno, path, "cannot open");
  if (S_ISBLK(st.st_mode)) flags |= O_DIRECT;
  if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
    return Error(Errc::invalid_argument,
                 path + ": not a device: expected /dev/daxX.Y, /dev/pmemN or a regular file (emulated device)");
  int fd = open(path.c_str(), flags);
  if (fd < 0) return errno_error(errno, path, "cannot open");
  // The file may have changed type between stat and open: trust the fd.
  if (fstat(fd, &st) != 0) {
    Error e = errno_error(errno, path, "fstat failed");
    close(fd);
    return e;
  }
  if (S_ISREG(st.st_mode)) return open_file_device(path, fd, static_cast<uint64_t>(st.st_size), mode);
  if (S_ISCHR(st.st_mode)) return open_devdax_device(path, fd, st.st_rdev, mode);
  if (S_ISBLK(st.st_mode)) return open_pmem_device(path, fd, mode);
  close(fd);
  return Error(Errc::invalid_argument, path + ": not a device");
}

Result<std::unique_ptr<Device>> make_memory_device(uint64_t size) {
  if (size == 0) return Error(Errc::invalid_argument, "memory device of 0 bytes");
  uint8_t* base = map_aligned(-1, size, true);
  if (base == nullptr) return errno_error(errno, "memory", "anonymous mmap failed");
  MappingSpec spec{DeviceKind::memory, "", -1, base, size, size, true, false};
  return std::unique_ptr<Device>(new MappedDevice(std::move(spec)));
}

}  // namespace famfs

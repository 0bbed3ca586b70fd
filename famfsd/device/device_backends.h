// Constructors of the concrete devices, used by open_device(). Each takes
// ownership of FD (closing it on failure).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "device/device.h"

namespace famfs {

// invalid_argument unless [offset, offset+len) lies inside a device of SIZE
// bytes (overflow-safe). WHAT names the access in the message.
Status check_device_range(uint64_t offset, uint64_t len, uint64_t size, const char* what);

// errno ERR as an Error with the matching category ("PATH: WHAT: strerror").
Error errno_error(int err, const std::string& path, const std::string& what);

// Regular or /dev/shm file of SIZE bytes: mapped shared.
Result<std::unique_ptr<Device>> open_file_device(const std::string& path, int fd, uint64_t size, OpenMode mode);

// Device-dax character device RDEV: size and alignment from libdaxctl (sysfs
// as a fallback), mapped shared at a 2 MiB aligned address.
Result<std::unique_ptr<Device>> open_devdax_device(const std::string& path, int fd, dev_t rdev, OpenMode mode);

// pmem block device (opened with O_DIRECT): accessed with direct I/O, so it
// stays coherent with what famfs.ko writes through fs-dax.
Result<std::unique_ptr<Device>> open_pmem_device(const std::string& path, int fd, OpenMode mode);

}  // namespace famfs

// Device-dax character devices (/dev/daxX.Y): the memory itself, mapped.
#include <daxctl/libdaxctl.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <optional>

#include "device/device_backends.h"
#include "device/mapped_device.h"

namespace famfs {

namespace {

struct DaxInfo {
  uint64_t size = 0;
  uint64_t align = 0;
  bool system_ram = false;  // onlined as system memory by kmem
};

// Looks RDEV up through libdaxctl. nullopt when libdaxctl does not know it.
std::optional<DaxInfo> daxctl_lookup(dev_t rdev) {
  daxctl_ctx* ctx = nullptr;
  if (daxctl_new(&ctx) != 0 || ctx == nullptr) return std::nullopt;
  std::optional<DaxInfo> found;
  daxctl_region* region;
  daxctl_region_foreach(ctx, region) {
    daxctl_dev* dev;
    daxctl_dev_foreach(region, dev) {
      if (static_cast<unsigned>(daxctl_dev_get_major(dev)) != major(rdev) ||
          static_cast<unsigned>(daxctl_dev_get_minor(dev)) != minor(rdev))
        continue;
      DaxInfo info;
      info.size = daxctl_dev_get_size(dev);
      info.align = daxctl_dev_get_align(dev);
      daxctl_memory* mem = daxctl_dev_get_memory(dev);
      info.system_ram = mem != nullptr && daxctl_memory_is_online(mem) > 0;
      found = info;
    }
  }
  daxctl_unref(ctx);
  return found;
}

std::optional<std::string> read_sysfs(const std::string& path) {
  std::ifstream in(path);
  std::string value;
  if (!(in >> value)) return std::nullopt;
  return value;
}

// Fallback when libdaxctl has no context (e.g. a minimal container): sysfs.
std::optional<DaxInfo> sysfs_lookup(dev_t rdev) {
  std::string dir = "/sys/dev/char/" + std::to_string(major(rdev)) + ":" + std::to_string(minor(rdev));
  char link[512];
  ssize_t n = readlink((dir + "/subsystem").c_str(), link, sizeof link - 1);
  if (n <= 0) return std::nullopt;
  link[n] = '\0';
  std::string subsystem(link);
  if (subsystem.size() < 4 || subsystem.compare(subsystem.size() - 4, 4, "/dax") != 0) return std::nullopt;
  auto size = read_sysfs(dir + "/size");
  if (!size) return std::nullopt;
  DaxInfo info;
  info.size = strtoull(size->c_str(), nullptr, 0);
  if (auto align = read_sysfs(dir + "/align")) info.align = strtoull(align->c_str(), nullptr, 0);
  return info;
}

}  // namespace

Result<std::unique_ptr<Device>> open_devdax_device(const std::string& path, int fd, dev_t rdev, OpenMode mode) {
  std::optional<DaxInfo> info = daxctl_lookup(rdev);
  if (!info) info = sysfs_lookup(rdev);
  if (!info) {
    close(fd);
    return Error(Errc::invalid_argument, path + ": a character device that is not a device-dax device");
  }
  if (info->system_ram) {
    close(fd);
    return Error(Errc::unsupported, path +
                                        ": the dax device is onlined as system RAM (daxctl reconfigure-device "
                                        "--mode=devdax first)");
  }
  if (info->size == 0) {
    close(fd);
    return Error(Errc::invalid_argument, path + ": device-dax device of size 0");
  }
  uint64_t align = info->align ? info->align : (2ULL << 20);
  uint8_t* base = map_aligned(fd, info->size, mode == OpenMode::read_write, align);
  if (base == nullptr) {
    Error e = errno_error(errno, path, "mmap of the device-dax device failed");
    close(fd);
    return e;
  }
  MappingSpec spec{DeviceKind::devdax, path, fd, base, info->size, info->size, mode == OpenMode::read_write, false};
  return std::unique_ptr<Device>(new MappedDevice(std::move(spec)));
}

}  // namespace famfs

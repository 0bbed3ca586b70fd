#include "service/device_watch.h"

#include <libudev.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace famfs::service {

namespace {

// The kernel name of device DEV: the last element of /sys/dev/KIND/MAJ:MIN.
std::string sysname_of(bool block, dev_t dev) {
  std::string link = std::string("/sys/dev/") + (block ? "block/" : "char/") + std::to_string(major(dev)) + ":" +
                     std::to_string(minor(dev));
  char buf[PATH_MAX];
  ssize_t n = readlink(link.c_str(), buf, sizeof buf - 1);
  if (n <= 0) return "";
  buf[n] = 0;
  const char* slash = strrchr(buf, '/');
  return slash ? slash + 1 : buf;
}

}  // namespace

Result<std::unique_ptr<DeviceWatch>> DeviceWatch::open(const std::string& device) {
  struct stat st {};
  if (stat(device.c_str(), &st) != 0) return Error(Errc::not_found, "device watch: " + device + ": " + strerror(errno));
  if (!S_ISBLK(st.st_mode) && !S_ISCHR(st.st_mode))
    return Error(Errc::unsupported, "device watch: " + device + " is not a device");
  std::unique_ptr<DeviceWatch> w(new DeviceWatch);
  w->block_ = S_ISBLK(st.st_mode);
  w->devnum_ = st.st_rdev;
  w->sysname_ = sysname_of(w->block_, st.st_rdev);
  w->udev_ = udev_new();
  if (!w->udev_) return Error(Errc::io_error, "device watch: udev_new failed");
  w->monitor_ = udev_monitor_new_from_netlink(w->udev_, "kernel");
  if (!w->monitor_) return Error(Errc::io_error, "device watch: cannot open the kernel uevent socket");
  udev_monitor_filter_add_match_subsystem_devtype(w->monitor_, "dax", nullptr);
  udev_monitor_filter_add_match_subsystem_devtype(w->monitor_, "block", nullptr);
  if (int rc = udev_monitor_enable_receiving(w->monitor_); rc < 0)
    return Error(Errc::io_error, std::string("device watch: cannot receive uevents: ") + strerror(-rc));
  return w;
}

DeviceWatch::~DeviceWatch() {
  if (monitor_) udev_monitor_unref(monitor_);
  if (udev_) udev_unref(udev_);
}

int DeviceWatch::fd() const { return udev_monitor_get_fd(monitor_); }

std::optional<std::string> DeviceWatch::take_removal() {
  std::optional<std::string> found;
  while (udev_device* d = udev_monitor_receive_device(monitor_)) {
    const char* action = udev_device_get_action(d);
    const char* subsystem = udev_device_get_subsystem(d);
    const char* name = udev_device_get_sysname(d);
    const bool gone = action && (!strcmp(action, "remove") || !strcmp(action, "unbind"));
    const bool ours_kind = subsystem && !strcmp(subsystem, block_ ? "block" : "dax");
    const bool ours =
        (devnum_ != 0 && udev_device_get_devnum(d) == devnum_) || (name && !sysname_.empty() && sysname_ == name);
    if (!found && gone && ours_kind && ours)
      found = std::string(action) + " of " + (block_ ? "block device " : "dax device ") + (name ? name : "?");
    udev_device_unref(d);
  }
  return found;
}

}  // namespace famfs::service

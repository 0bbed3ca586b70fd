// famfsd's own watch of its device: a libudev monitor of the kernel's
// uevents (subsystems dax and block) whose descriptor sits in the daemon's
// poll loop. A "remove" or "unbind" of the device famfsd serves ends the
// instance at once: the mount is shut down and unmounted, famfsd exits
// (kExitDeviceRemoved), also when it was started by hand or its unit has no
// BindsTo=. Kernel uevents, not udevd's: they arrive without udevd (the vm
// test guests have none) and before the rules run.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>

#include "util/result.h"

struct udev;
struct udev_monitor;

namespace famfs::service {

// famfsd's exit status after its device went away (README, famfsd(8); the
// unit's RestartPreventExitStatus= lists it: a restart cannot bring a removed
// device back, udev starts the instance when it returns).
inline constexpr int kExitDeviceRemoved = 3;

class DeviceWatch {
 public:
  // A watch of DEVICE (a block or character device path). unsupported for a
  // regular file (an emulated device: nothing to watch).
  static Result<std::unique_ptr<DeviceWatch>> open(const std::string& device);
  ~DeviceWatch();
  DeviceWatch(const DeviceWatch&) = delete;
  DeviceWatch& operator=(const DeviceWatch&) = delete;

  int fd() const;
  // The device's kernel name ("pmem0", "dax0.0").
  const std::string& sysname() const { return sysname_; }
  // Reads every pending uevent; the first that removes or unbinds the
  // device, in words ("remove of block device pmem0").
  std::optional<std::string> take_removal();

 private:
  DeviceWatch() = default;
  udev* udev_ = nullptr;
  udev_monitor* monitor_ = nullptr;
  dev_t devnum_ = 0;
  bool block_ = false;
  std::string sysname_;
};

}  // namespace famfs::service

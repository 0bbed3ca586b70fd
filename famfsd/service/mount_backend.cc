#include "service/mount_backend.h"

#include <string>

#include "mount/kernel_backend.h"
#include "service/log.h"

namespace famfs::service {

Result<std::unique_ptr<MountBackend>> make_backend(const BackendRequest& request, std::unique_ptr<mount::KernelFs> fs,
                                                   std::string& why) {
  if (request.choice == BackendChoice::none) {
    why = "backend none requested";
    return make_none_backend();
  }
  const bool automatic = request.choice == BackendChoice::automatic;
  // Why the kernel backend cannot serve this device, or "".
  std::string cannot;
  auto cls = fs->classify_device(request.device_path);
  if (!cls) {
    cannot = cls.error().message();
  } else if (*cls != mount::DeviceClass::pmem && *cls != mount::DeviceClass::devdax) {
    cannot = request.device_path + " is a " + mount::device_class_name(*cls) +
             "; famfs.ko mounts only pmem and device-dax devices";
  } else if (!fs->famfs_registered()) {
    cannot = "famfs.ko is not loaded (no famfs in /proc/filesystems; modprobe famfs)";
  }
  if (!cannot.empty()) {
    if (!automatic) return Error(Errc::unsupported, "backend kernel: " + cannot);
    why = cannot + ": serving metadata only";
    return make_none_backend();
  }
  why = std::string(automatic ? "auto: " : "") + "famfs.ko is loaded and " + request.device_path + " is a " +
        mount::device_class_name(*cls) + "; mounting on " + request.mountpoint;
  mount::KernelBackendOptions opts;
  opts.mountpoint = request.mountpoint;
  opts.client_files_writable = request.client_files_writable;
  opts.notice = [](const std::string& m) { log_msg(LogLevel::warning, "%s", m.c_str()); };
  return std::unique_ptr<MountBackend>(std::make_unique<mount::KernelBackend>(std::move(fs), std::move(opts)));
}

}  // namespace famfs::service

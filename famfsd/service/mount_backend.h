// Which mount backend an instance uses (famfsd/mount/ holds the backends).
#pragma once

#include <memory>
#include <string>

#include "mount/kernel_fs.h"
#include "mount/mount_backend.h"
#include "service/config.h"
#include "util/result.h"

namespace famfs::service {

using mount::make_none_backend;
using mount::MountBackend;

struct BackendRequest {
  BackendChoice choice = BackendChoice::automatic;
  std::string device_path;
  std::string mountpoint;  // absolute
  bool client_files_writable = false;
};

// The backend REQUEST asks for; WHY says which was chosen and why.
// automatic: kernel when famfs.ko is loaded and the device is a pmem or
// device-dax device, none otherwise (a regular or /dev/shm file cannot be
// mounted). kernel: the kernel backend, or unsupported naming the reason
// (famfs.ko not loaded, the device cannot be mounted). FS makes the system
// calls (make_linux_kernel_fs() outside tests).
Result<std::unique_ptr<MountBackend>> make_backend(const BackendRequest& request, std::unique_ptr<mount::KernelFs> fs,
                                                   std::string& why);

}  // namespace famfs::service

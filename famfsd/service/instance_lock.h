// One famfsd per device on a host: an flock(2) on a file under /run/famfs
// named after the device (its device number, or inode for a regular file),
// this host's system UUID and its boot id. Two daemons that would both mount
// and serve the same memory as the same host refuse to run together; test
// setups that emulate several hosts on one machine (another system UUID or
// boot id) still can. The kernel drops the lock when the process dies, so a crash never
// leaves it behind.
#pragma once

#include <string>

#include "util/result.h"
#include "util/uuid.h"

namespace famfs::service {

inline constexpr const char* kInstanceLockDir = "/run/famfs";

class InstanceLock {
 public:
  InstanceLock() = default;
  InstanceLock(InstanceLock&& other) noexcept;
  InstanceLock& operator=(InstanceLock&& other) noexcept;
  ~InstanceLock();

  // Takes the lock for DEVICE, SYSTEM_UUID and BOOT_ID under DIR (created
  // if missing). busy when another process holds it ("... is served by another
  // famfsd on this host (pid N)"); not_found / io_error when DEVICE or DIR
  // cannot be used.
  static Result<InstanceLock> acquire(const std::string& dir, const std::string& device, const Uuid& system_uuid,
                                      const Uuid& boot_id);
  // The lock file's path.
  const std::string& path() const { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
};

}  // namespace famfs::service

#include "service/instance_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "mount/kernel_fs.h"

namespace famfs::service {

InstanceLock::InstanceLock(InstanceLock&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) {
  other.fd_ = -1;
}

InstanceLock& InstanceLock::operator=(InstanceLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.fd_;
    path_ = std::move(other.path_);
    other.fd_ = -1;
  }
  return *this;
}

InstanceLock::~InstanceLock() {
  if (fd_ >= 0) close(fd_);  // releases the flock
}

Result<InstanceLock> InstanceLock::acquire(const std::string& dir, const std::string& device, const Uuid& system_uuid,
                                           const Uuid& boot_id) {
  struct stat st {};
  if (stat(device.c_str(), &st) != 0) return mount::errno_error("stat " + device, errno);
  std::string key = S_ISBLK(st.st_mode) || S_ISCHR(st.st_mode)
                        ? std::string(S_ISBLK(st.st_mode) ? "blk-" : "chr-") + std::to_string(major(st.st_rdev)) + ":" +
                              std::to_string(minor(st.st_rdev))
                        : "file-" + std::to_string(major(st.st_dev)) + ":" + std::to_string(minor(st.st_dev)) + "-" +
                              std::to_string(st.st_ino);
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return mount::errno_error("mkdir " + dir, errno);
  InstanceLock lock;
  lock.path_ = dir + "/famfsd-" + key + "-" + system_uuid.to_string() + "-" + boot_id.to_string() + ".lock";
  lock.fd_ = open(lock.path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock.fd_ < 0) return mount::errno_error("open " + lock.path_, errno);
  if (flock(lock.fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) return mount::errno_error("flock " + lock.path_, errno);
    char pid[32] = "";
    ssize_t n = pread(lock.fd_, pid, sizeof pid - 1, 0);
    std::string holder = n > 0 ? " (pid " + std::string(pid, strcspn(pid, "\n")) + ")" : "";
    return Error(Errc::busy,
                 device + " is served by another famfsd on this host" + holder + " (lock " + lock.path_ + ")");
  }
  std::string mine = std::to_string(getpid()) + "\n";
  if (ftruncate(lock.fd_, 0) != 0 || pwrite(lock.fd_, mine.data(), mine.size(), 0) < 0)
    return mount::errno_error("write " + lock.path_, errno);
  return lock;
}

}  // namespace famfs::service

// The system calls famfsd makes to mount famfs.ko and fill the mount, behind
// one small interface: the Linux implementation, and a fake in the unit tests
// (tests/unit/mount/fake_kernel_fs.h). Paths inside the mount are relative to
// its root (the root directory descriptor is opened by mount()/attach()).
// Errors carry the errno by name ("File exists (EEXIST)").
#pragma once

#include <linux/famfs_ioctl.h>

#include <cstdint>
#include <compare>
#include <memory>
#include <set>
#include <string>

#include "mount/fmap_codec.h"
#include "util/result.h"

namespace famfs::mount {

// What a device path is, for the choice of backend.
enum class DeviceClass {
  regular_file,  // a regular or /dev/shm file (emulated device): famfs.ko cannot mount it
  pmem,          // block device with DAX (/dev/pmemN)
  devdax,        // device-dax character device (/dev/daxX.Y)
  other,         // any other block or character device, or a special file
};
const char* device_class_name(DeviceClass c);

// What is at a mount point path.
enum class MountPointState {
  missing,          // nothing: mount() may create it
  empty_directory,  // usable
  not_directory,
  not_empty,
  mounted,  // a mount point already (fstype/source say which)
};

struct MountPointInfo {
  MountPointState state = MountPointState::missing;
  std::string fstype;  // mounted: the file system type (e.g. "famfs")
  std::string source;  // mounted: the mount source (device path)
};

// An inode of this host: st_dev and st_ino.
struct InodeId {
  uint64_t dev = 0, ino = 0;
  friend auto operator<=>(const InodeId&, const InodeId&) = default;
};

// Of WANTED, the inodes some process of this host still has open (a
// /proc/PID/fd entry) or mapped (a /proc/PID/maps line): what keeps an
// unlinked file alive. Processes that vanish during the scan are skipped.
std::set<InodeId> referenced_inodes(const std::set<InodeId>& wanted, const std::string& proc = "/proc");

class KernelFs {
 public:
  virtual ~KernelFs() = default;

  // Whether famfs.ko is loaded (famfs is listed in /proc/filesystems).
  virtual bool famfs_registered() = 0;
  // What DEVICE is (stat + sysfs). not_found / permission_denied when it cannot be stat'ed.
  virtual Result<DeviceClass> classify_device(const std::string& device) = 0;
  // What is at DIR (an absolute path).
  virtual Result<MountPointInfo> inspect(const std::string& dir) = 0;
  // Creates DIR and its missing parents (mode 0755).
  virtual Status make_directories(const std::string& dir) = 0;

  // mount(2) DEVICE on DIR as famfs, read-write (the metadata files and
  // every published node are created in it), and opens the new root for the
  // calls below.
  virtual Status mount(const std::string& device, const std::string& dir) = 0;
  // Opens the root of the famfs mount already at DIR (restart adoption).
  // invalid_argument when DIR is not the root of a famfs mount (statfs).
  virtual Status attach(const std::string& dir) = 0;
  // Whether DEVICE_A and DEVICE_B name the same device (same st_rdev, or
  // the same path when either cannot be stat'ed).
  virtual bool same_device(const std::string& device_a, const std::string& device_b) = 0;
  // Closes the root and umount2(2)s DIR; DETACH is MNT_DETACH (lazy).
  // busy (EBUSY) when a file in it is open or mapped and DETACH is false.
  virtual Status unmount(const std::string& dir, bool detach) = 0;

  // A new directory REL under the root with exactly MODE (07777 bits) and
  // owner UID:GID, never more open than that on the way. The real one makes
  // it with one mkdirat(2) when mkdir would give exactly that already (the
  // umask takes nothing from MODE, no special bits, famfsd's own uid and gid,
  // a parent without set-group-ID, in a mount it made itself); otherwise
  // mkdirat 0700, fchownat, fchmodat (the owner first: chown clears
  // set-group-ID).
  virtual Status make_directory(const std::string& rel, uint32_t mode, uint32_t uid, uint32_t gid) = 0;
  // openat(2) REL with O_CREAT|O_EXCL|O_RDWR: a new empty file; returns its fd.
  virtual Result<int> create_file(const std::string& rel, uint32_t mode) = 0;
  // FAMFSIOC_MAP_CREATE_V2 on FD with MAP (pointers bound here).
  virtual Status map_create(int fd, KernelMap& map) = 0;
  // FAMFSIOC_MAP_GET_V2 on FD.
  virtual Result<famfs_ioc_get_fmap> map_get(int fd) = 0;
  // FAMFSIOC_GET_STATE on the root: whether (and why) famfs.ko shut the
  // mount down. ENOTTY from a famfs.ko that predates it.
  virtual Result<famfs_ioc_state> get_state() = 0;
  // FAMFSIOC_SHUTDOWN on the root: mappings zapped, later I/O EIO, the
  // device released (returns once it is).
  virtual Status shutdown() = 0;
  // Opens REL (O_RDONLY), for map_get().
  virtual Result<int> open_file(const std::string& rel) = 0;
  // What is at REL: fstatat(2) without following a symlink.
  enum class Kind { missing, directory, regular_file, other };
  virtual Result<Kind> lookup(const std::string& rel) = 0;
  // close(2).
  virtual void close_file(int fd) = 0;
  // FAMFSIOC_REMOVE on REL's parent directory (the root for a top-level
  // name): takes REL out of the mount, an empty directory when DIR
  // (ENOTEMPTY otherwise, ENOTDIR for a file), else a regular file (EISDIR
  // for a directory). COOKIE is recorded in a removed file with a map and
  // reported by get_orphans() while the file is open or mapped. not_found
  // when REL or its parent is missing; ENOTTY from a famfs.ko without it.
  virtual Status remove(const std::string& rel, bool dir, uint64_t cookie) = 0;
  // FAMFSIOC_GET_ORPHANS on the root into BUF (room for CAPACITY entries):
  // COUNT entries written, TOTAL removed files alive (more than COUNT: BUF
  // was too small). ENOTTY from a famfs.ko without it.
  struct OrphanCount {
    uint32_t count = 0, total = 0;
  };
  virtual Result<OrphanCount> get_orphans(famfs_ioc_orphan* buf, uint32_t capacity) = 0;
  // unlinkat(2) of a file REL: only for a famfs.ko without FAMFSIOC_REMOVE
  // (a newer one refuses unlink(2) with EPERM).
  virtual Status remove_file(const std::string& rel) = 0;
  // unlinkat(2) with AT_REMOVEDIR of directory REL: likewise.
  virtual Status remove_directory(const std::string& rel) = 0;
  // st_dev and st_ino of REL (fstatat(2), no symlink followed).
  virtual Result<InodeId> inode_of(const std::string& rel) = 0;
  // referenced_inodes() on this host.
  virtual std::set<InodeId> referenced(const std::set<InodeId>& wanted) { return referenced_inodes(wanted); }
  // flock(FD, LOCK_EX | LOCK_NB): busy (EWOULDBLOCK) when another open file
  // holds it.
  virtual Status lock_exclusive(int fd) = 0;
  // flock(FD, LOCK_UN).
  virtual void unlock(int fd) = 0;
  // fchown(2) then fchmod(2) of the open file FD: owner UID:GID, then MODE
  // (chown clears set-user-ID and set-group-ID, the mode then sets them).
  // REL names the file in errors.
  virtual Status set_attributes(int fd, const std::string& rel, uint32_t uid, uint32_t gid, uint32_t mode) = 0;
};

// The real system calls.
std::unique_ptr<KernelFs> make_linux_kernel_fs();

// An Error for the failed call WHAT (e.g. "mkdir a/b") with errno ERR:
// "WHAT: File exists (EEXIST)", its code errc_from_errno(ERR) (util/result.h).
Error errno_error(const std::string& what, int err);
// Whether E was made by errno_error() for errno ERR.
bool is_errno(const Error& e, int err);

}  // namespace famfs::mount

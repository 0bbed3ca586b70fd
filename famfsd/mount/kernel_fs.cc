#include "mount/kernel_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <unordered_set>

namespace famfs::mount {

const char* device_class_name(DeviceClass c) {
  switch (c) {
    case DeviceClass::regular_file: return "regular file";
    case DeviceClass::pmem: return "pmem block device";
    case DeviceClass::devdax: return "device-dax device";
    case DeviceClass::other: return "device that is neither pmem nor device-dax";
  }
  return "unknown";
}

Error errno_error(const std::string& what, int err) {
  Errc code = errc_from_errno(err);
  const char* name = strerrorname_np(err);
  return Error(code, what + ": " + strerror(err) + " (" + (name ? name : std::to_string(err).c_str()) + ")");
}

bool is_errno(const Error& e, int err) {
  const char* name = strerrorname_np(err);
  std::string suffix = std::string(" (") + (name ? name : std::to_string(err).c_str()) + ")";
  const std::string& m = e.message();
  return m.size() >= suffix.size() && m.compare(m.size() - suffix.size(), suffix.size(), suffix) == 0;
}

namespace {

// Undoes the octal escapes (\040 for a space, ...) of /proc/self/mountinfo.
std::string unescape_mountinfo(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3') {
      out.push_back(static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

class LinuxKernelFs : public KernelFs {
 public:
  ~LinuxKernelFs() override {
    if (root_ >= 0) ::close(root_);
  }

  bool famfs_registered() override {
    std::ifstream in("/proc/filesystems");
    std::string line;
    while (std::getline(in, line)) {
      // "nodev\tname" or "\tname"
      size_t tab = line.rfind('\t');
      if (line.substr(tab == std::string::npos ? 0 : tab + 1) == "famfs") return true;
    }
    return false;
  }

  Result<DeviceClass> classify_device(const std::string& device) override {
    struct stat st {};
    if (stat(device.c_str(), &st) != 0) return errno_error("stat " + device, errno);
    if (S_ISREG(st.st_mode)) return DeviceClass::regular_file;
    std::string sys = "/sys/dev/" + std::string(S_ISBLK(st.st_mode) ? "block/" : "char/") +
                      std::to_string(major(st.st_rdev)) + ":" + std::to_string(minor(st.st_rdev));
    if (S_ISBLK(st.st_mode)) return read_first_line(sys + "/queue/dax") == "1" ? DeviceClass::pmem : DeviceClass::other;
    if (S_ISCHR(st.st_mode)) {
      char link[256];
      ssize_t n = readlink((sys + "/subsystem").c_str(), link, sizeof link - 1);
      if (n > 0) {
        link[n] = 0;
        const char* base = strrchr(link, '/');
        if (strcmp(base ? base + 1 : link, "dax") == 0) return DeviceClass::devdax;
      }
    }
    return DeviceClass::other;
  }

  Result<MountPointInfo> inspect(const std::string& dir) override {
    MountPointInfo info;
    struct stat st {};
    if (lstat(dir.c_str(), &st) != 0) {
      if (errno == ENOENT) return info;
      return errno_error("stat " + dir, errno);
    }
    if (!S_ISDIR(st.st_mode)) {
      info.state = MountPointState::not_directory;
      return info;
    }
    char* real = realpath(dir.c_str(), nullptr);
    if (!real) return errno_error("realpath " + dir, errno);
    std::string resolved = real;
    free(real);
    std::ifstream mi("/proc/self/mountinfo");
    std::string line;
    while (std::getline(mi, line)) {
      // id parent major:minor root mountpoint options [optional...] - fstype source superoptions
      std::istringstream f(line);
      std::string id, parent, devno, root, point;
      f >> id >> parent >> devno >> root >> point;
      if (unescape_mountinfo(point) != resolved) continue;
      std::string word;
      while (f >> word && word != "-") {}
      f >> info.fstype >> info.source;
      info.source = unescape_mountinfo(info.source);
      info.state = MountPointState::mounted;  // the last match is the visible mount
    }
    if (info.state == MountPointState::mounted) return info;
    DIR* d = opendir(dir.c_str());
    if (!d) return errno_error("open directory " + dir, errno);
    info.state = MountPointState::empty_directory;
    while (dirent* e = readdir(d)) {
      if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
        info.state = MountPointState::not_empty;
        break;
      }
    }
    closedir(d);
    return info;
  }

  Status make_directories(const std::string& dir) override {
    for (size_t pos = 1; pos <= dir.size(); ++pos) {
      if (pos != dir.size() && dir[pos] != '/') continue;
      std::string part = dir.substr(0, pos);
      if (::mkdir(part.c_str(), 0755) != 0 && errno != EEXIST) return errno_error("mkdir " + part, errno);
    }
    return ok_status();
  }

  Status mount(const std::string& device, const std::string& dir) override {
    if (::mount(device.c_str(), dir.c_str(), "famfs", 0, nullptr) != 0)
      return errno_error("mount -t famfs " + device + " " + dir, errno);
    root_ = ::open(dir.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (root_ < 0) {
      Error e = errno_error("open " + dir, errno);
      (void)umount2(dir.c_str(), UMOUNT_NOFOLLOW);
      return e;
    }
    note_fresh_mount(true);
    return ok_status();
  }

  Status attach(const std::string& dir) override {
    int fd = ::open(dir.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno_error("open " + dir, errno);
    struct statfs sfs {};
    if (fstatfs(fd, &sfs) != 0 || static_cast<uint32_t>(sfs.f_type) != FAMFS_SUPER_MAGIC) {
      ::close(fd);
      return Error(Errc::invalid_argument, dir + " is not a famfs mount");
    }
    if (root_ >= 0) ::close(root_);
    root_ = fd;
    note_fresh_mount(false);
    return ok_status();
  }

  bool same_device(const std::string& a, const std::string& b) override {
    struct stat sa {
    }, sb{};
    if (stat(a.c_str(), &sa) != 0 || stat(b.c_str(), &sb) != 0) return a == b;
    if ((S_ISBLK(sa.st_mode) || S_ISCHR(sa.st_mode)) && (sa.st_mode & S_IFMT) == (sb.st_mode & S_IFMT))
      return sa.st_rdev == sb.st_rdev;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  }

  Result<Kind> lookup(const std::string& rel) override {
    struct stat st {};
    if (fstatat(root_, rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) return Kind::missing;
      return errno_error("stat " + rel, errno);
    }
    if (S_ISDIR(st.st_mode)) return Kind::directory;
    if (S_ISREG(st.st_mode)) return Kind::regular_file;
    return Kind::other;
  }

  Status unmount(const std::string& dir, bool detach) override {
    if (root_ >= 0) {
      ::close(root_);
      root_ = -1;
    }
    if (umount2(dir.c_str(), UMOUNT_NOFOLLOW | (detach ? MNT_DETACH : 0)) != 0)
      return errno_error(std::string(detach ? "umount -l " : "umount ") + dir, errno);
    return ok_status();
  }

  Status make_directory(const std::string& rel, uint32_t mode, uint32_t uid, uint32_t gid) override {
    mode &= 07777;
    const size_t slash = rel.rfind('/');
    const bool parent_setgid =
        slash == std::string::npos ? root_setgid_ : setgid_dirs_.count(rel.substr(0, slash)) != 0;
    // What mkdir(2) makes by itself: mode & ~umask, famfsd's fsuid and fsgid
    // (root's), the parent's group and set-group-ID when the parent has it.
    const bool exact = made_here_ && umask_ >= 0 && (mode & 07000) == 0 &&
                       (mode & static_cast<uint32_t>(umask_)) == 0 && uid == euid_ && gid == egid_ && !parent_setgid;
    if (exact) {
      if (mkdirat(root_, rel.c_str(), mode) != 0) return errno_error("mkdir " + rel, errno);
      return ok_status();
    }
    if (mkdirat(root_, rel.c_str(), 0700) != 0) return errno_error("mkdir " + rel, errno);
    if (fchownat(root_, rel.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) != 0) return errno_error("chown " + rel, errno);
    if (fchmodat(root_, rel.c_str(), mode, 0) != 0) return errno_error("chmod " + rel, errno);
    if (mode & S_ISGID) setgid_dirs_.insert(rel);
    return ok_status();
  }

  Result<int> create_file(const std::string& rel, uint32_t mode) override {
    int fd = openat(root_, rel.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) return errno_error("create " + rel, errno);
    return fd;
  }

  Status map_create(int fd, KernelMap& map) override {
    map.bind_pointers();
    if (ioctl(fd, FAMFSIOC_MAP_CREATE_V2, &map.head) != 0) return errno_error("FAMFSIOC_MAP_CREATE_V2", errno);
    return ok_status();
  }

  Result<famfs_ioc_get_fmap> map_get(int fd) override {
    famfs_ioc_get_fmap got{};
    if (ioctl(fd, FAMFSIOC_MAP_GET_V2, &got) != 0) return errno_error("FAMFSIOC_MAP_GET_V2", errno);
    return got;
  }

  Result<famfs_ioc_state> get_state() override {
    famfs_ioc_state st{};
    if (ioctl(root_, FAMFSIOC_GET_STATE, &st) != 0) return errno_error("FAMFSIOC_GET_STATE", errno);
    return st;
  }

  Status shutdown() override {
    if (ioctl(root_, FAMFSIOC_SHUTDOWN) != 0) return errno_error("FAMFSIOC_SHUTDOWN", errno);
    return ok_status();
  }

  Result<int> open_file(const std::string& rel) override {
    int fd = openat(root_, rel.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return errno_error("open " + rel, errno);
    return fd;
  }

  void close_file(int fd) override { ::close(fd); }

  Status remove(const std::string& rel, bool dir, uint64_t cookie) override {
    const size_t slash = rel.rfind('/');
    const std::string name = slash == std::string::npos ? rel : rel.substr(slash + 1);
    famfs_ioc_remove req{};
    if (name.empty() || name.size() >= sizeof req.fr_name)
      return Error(Errc::invalid_argument, "FAMFSIOC_REMOVE " + rel + ": not a valid name");
    req.fr_cookie = cookie;
    req.fr_kind = dir ? FAMFS_REMOVE_DIR : FAMFS_REMOVE_FILE;
    std::memcpy(req.fr_name, name.data(), name.size());
    int parent = root_;
    if (slash != std::string::npos) {
      parent = openat(root_, rel.substr(0, slash).c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (parent < 0) return errno_error("open the parent of " + rel, errno);
    }
    const int rc = ioctl(parent, FAMFSIOC_REMOVE, &req);
    const int err = errno;
    if (parent != root_) ::close(parent);
    if (rc != 0) return errno_error("FAMFSIOC_REMOVE " + rel, err);
    return ok_status();
  }

  Result<OrphanCount> get_orphans(famfs_ioc_orphan* buf, uint32_t capacity) override {
    famfs_ioc_orphans req{};
    req.fo_buf = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(buf));
    req.fo_capacity = capacity;
    if (ioctl(root_, FAMFSIOC_GET_ORPHANS, &req) != 0) return errno_error("FAMFSIOC_GET_ORPHANS", errno);
    return OrphanCount{req.fo_count, req.fo_total};
  }

  Status remove_file(const std::string& rel) override {
    if (unlinkat(root_, rel.c_str(), 0) != 0) return errno_error("unlink " + rel, errno);
    return ok_status();
  }

  Status remove_directory(const std::string& rel) override {
    if (unlinkat(root_, rel.c_str(), AT_REMOVEDIR) != 0) return errno_error("rmdir " + rel, errno);
    return ok_status();
  }

  Result<InodeId> inode_of(const std::string& rel) override {
    struct stat st {};
    if (fstatat(root_, rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return errno_error("stat " + rel, errno);
    return InodeId{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
  }

  Status lock_exclusive(int fd) override {
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) return errno_error("flock", errno);
    return ok_status();
  }

  void unlock(int fd) override { (void)flock(fd, LOCK_UN); }

  Status set_attributes(int fd, const std::string& rel, uint32_t uid, uint32_t gid, uint32_t mode) override {
    if (fchown(fd, uid, gid) != 0) return errno_error("chown " + rel, errno);
    if (fchmod(fd, mode) != 0) return errno_error("chmod " + rel, errno);
    return ok_status();
  }

 private:
  // The umask, without changing it (threads may create files meanwhile): -1
  // when /proc does not say, and every directory then takes the long way.
  static int read_umask() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
      if (line.rfind("Umask:", 0) == 0) return static_cast<int>(std::strtol(line.c_str() + 6, nullptr, 8));
    return -1;
  }

  // After a mount of our own: the root's set-group-ID, and no directory
  // known to have one yet. An adopted mount's directories are not known.
  void note_fresh_mount(bool fresh) {
    made_here_ = fresh;
    setgid_dirs_.clear();
    struct stat st {};
    root_setgid_ = fstat(root_, &st) != 0 || (st.st_mode & S_ISGID) != 0;
  }

  int root_ = -1;
  const int umask_ = read_umask();
  const uint32_t euid_ = geteuid(), egid_ = getegid();
  bool made_here_ = false, root_setgid_ = true;
  std::unordered_set<std::string> setgid_dirs_;  // made here with set-group-ID
};

}  // namespace

std::unique_ptr<KernelFs> make_linux_kernel_fs() { return std::make_unique<LinuxKernelFs>(); }

}  // namespace famfs::mount

// An in-memory KernelFs for unit tests: a tree of directories and files with
// modes, owners and maps, the calls made in order, and errnos to inject.
// It checks what the kernel would: parents exist, O_EXCL, one map per file,
// the user pointers of MAP_CREATE_V2 (it reads the arrays through them).
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "mount/kernel_fs.h"

namespace famfs::mount {

struct FakeNode {
  bool is_dir = false;
  uint32_t mode = 0, uid = 0, gid = 0;
  bool mapped = false;
  famfs_ioc_get_fmap map{};
};

class FakeKernelFs : public KernelFs {
 public:
  // Shared state, so a test keeps looking after the backend took ownership.
  struct State {
    bool registered = true;
    DeviceClass device_class = DeviceClass::pmem;
    MountPointInfo mount_point;  // what inspect() reports before the mount
    bool mounted = false;
    std::string mounted_device, mounted_dir;
    std::map<std::string, FakeNode> nodes;   // relative path -> node ("" is the root)
    std::vector<std::string> calls;          // "mkdir .meta 0700", "map_create .meta/.log", ...
    std::map<std::string, int> fail;         // "OP REL" -> errno, e.g. "map_create a/f"
    int busy_unmounts = 0;                   // plain unmounts that fail with EBUSY first
    bool locked_elsewhere = false;           // another process holds the flock
    bool locked = false;                     // this fake's flock is held
    bool shut_down = false;                  // famfs.ko shut the mount down: ioctls EIO
    uint32_t shutdown_reason = 0;            // what GET_STATE reports then (FAMFS_REASON_*)
    uint64_t fail_offset = 0, fail_len = 0;  // memory failure: where
    bool has_get_state = true;               // false: a famfs.ko without GET_STATE (ENOTTY)
    int shutdowns = 0;                       // FAMFSIOC_SHUTDOWN calls
    int open_fds = 0;
    std::map<std::string, uint64_t> inodes;  // path -> st_ino (assigned at inode_of())
    std::set<uint64_t> held_inodes;          // inodes "some process" still has open or mapped
    uint64_t next_ino = 100;
    // FAMFSIOC_REMOVE / GET_ORPHANS (false: an older famfs.ko, ENOTTY)
    bool has_remove_ioctl = true;
    std::set<std::string> held_paths;       // files "some process" holds: they become orphans
    std::vector<famfs_ioc_orphan> orphans;  // what GET_ORPHANS reports, in removal order
    uint32_t phantom_orphans = 0;           // added to every total: removals racing each query
    std::vector<uint32_t> orphan_queries;   // the capacity of every GET_ORPHANS
  };

  explicit FakeKernelFs(State* state) : s_(state) {}

  bool famfs_registered() override { return s_->registered; }
  Result<DeviceClass> classify_device(const std::string&) override { return s_->device_class; }
  Result<MountPointInfo> inspect(const std::string& dir) override {
    s_->calls.push_back("inspect " + dir);
    if (s_->mounted) return MountPointInfo{MountPointState::mounted, "famfs", s_->mounted_device};
    return s_->mount_point;
  }
  Status make_directories(const std::string& dir) override {
    s_->calls.push_back("make_directories " + dir);
    s_->mount_point.state = MountPointState::empty_directory;
    return ok_status();
  }
  Status mount(const std::string& device, const std::string& dir) override {
    s_->calls.push_back("mount " + device + " " + dir);
    if (int e = injected("mount", "")) return errno_error("mount", e);
    if (s_->mounted) return errno_error("mount", EBUSY);
    s_->mounted = true;
    s_->mounted_device = device;
    s_->mounted_dir = dir;
    s_->nodes.clear();
    s_->nodes[""] = FakeNode{true, 0755, 0, 0, false, {}};
    return ok_status();
  }
  Status attach(const std::string& dir) override {
    s_->calls.push_back("attach " + dir);
    if (!s_->mounted || dir != s_->mounted_dir) return errno_error("attach", EINVAL);
    return ok_status();
  }
  bool same_device(const std::string& a, const std::string& b) override { return a == b; }
  Result<Kind> lookup(const std::string& rel) override {
    auto it = s_->nodes.find(rel);
    if (it == s_->nodes.end()) return Kind::missing;
    return it->second.is_dir ? Kind::directory : Kind::regular_file;
  }
  Status unmount(const std::string& dir, bool detach) override {
    s_->calls.push_back(std::string(detach ? "umount -l " : "umount ") + dir);
    if (!s_->mounted || dir != s_->mounted_dir) return errno_error("umount", EINVAL);
    if (!detach && s_->open_fds > 0) return errno_error("umount", EBUSY);
    if (!detach && s_->busy_unmounts > 0) {
      --s_->busy_unmounts;
      return errno_error("umount", EBUSY);
    }
    s_->mounted = false;
    s_->nodes.clear();
    return ok_status();
  }
  Status make_directory(const std::string& rel, uint32_t mode, uint32_t uid, uint32_t gid) override {
    s_->calls.push_back("mkdir " + rel + " " + octal(mode) + " " + std::to_string(uid) + ":" + std::to_string(gid));
    if (int e = check_new(rel, "mkdir")) return errno_error("mkdir " + rel, e);
    if (int e = injected("chown", rel)) return errno_error("chown " + rel, e);
    s_->nodes[rel] = FakeNode{true, mode, uid, gid, false, {}};
    return ok_status();
  }
  Result<int> create_file(const std::string& rel, uint32_t mode) override {
    s_->calls.push_back("create " + rel + " " + octal(mode));
    if (int e = check_new(rel, "create")) return errno_error("create " + rel, e);
    s_->nodes[rel] = FakeNode{false, mode, 0, 0, false, {}};
    return open_fd(rel);
  }
  Status map_create(int fd, KernelMap& map) override {
    map.bind_pointers();
    const std::string& rel = fd_path(fd);
    s_->calls.push_back("map_create " + rel);
    if (int e = injected("map_create", rel)) return errno_error("FAMFSIOC_MAP_CREATE_V2", e);
    FakeNode& n = s_->nodes.at(rel);
    if (n.mapped) return errno_error("FAMFSIOC_MAP_CREATE_V2", EEXIST);
    // What the module does: copy the header, then the arrays its pointers name.
    famfs_ioc_get_fmap got{};
    std::memcpy(&got.iocmap, &map.head, sizeof map.head);
    if (map.head.fioc_ext_type == FAMFS_IOC_EXT_SIMPLE) {
      const auto* kse = reinterpret_cast<const famfs_ioc_simple_extent*>(static_cast<uintptr_t>(map.head.kse));
      if (!kse || map.head.fioc_nextents == 0 || map.head.fioc_nextents > FAMFS_MAX_SIMPLE_EXTENTS)
        return errno_error("FAMFSIOC_MAP_CREATE_V2", EINVAL);
      std::memcpy(got.ikse, kse, map.head.fioc_nextents * sizeof *kse);
    } else {
      const auto* kie = reinterpret_cast<const famfs_ioc_interleaved_ext*>(static_cast<uintptr_t>(map.head.kie));
      if (!kie || map.head.fioc_niext != 1) return errno_error("FAMFSIOC_MAP_CREATE_V2", EINVAL);
      got.ks.ikie = *kie;
      const auto* strips = reinterpret_cast<const famfs_ioc_simple_extent*>(static_cast<uintptr_t>(kie->ie_strips));
      if (!strips || kie->ie_nstrips == 0 || kie->ie_nstrips > FAMFS_MAX_STRIPS)
        return errno_error("FAMFSIOC_MAP_CREATE_V2", EINVAL);
      std::memcpy(got.ks.kie_strips, strips, kie->ie_nstrips * sizeof *strips);
      got.ks.ikie.ie_strips = 0;
    }
    got.iocmap.kse = 0;
    n.mapped = true;
    n.map = got;
    return ok_status();
  }
  Result<famfs_ioc_get_fmap> map_get(int fd) override {
    if (s_->shut_down) return errno_error("FAMFSIOC_MAP_GET_V2", EIO);
    const FakeNode& n = s_->nodes.at(fd_path(fd));
    if (!n.mapped) return errno_error("FAMFSIOC_MAP_GET_V2", ENODATA);
    return n.map;
  }
  Result<famfs_ioc_state> get_state() override {
    if (!s_->mounted) return errno_error("FAMFSIOC_GET_STATE", EBADF);
    if (!s_->has_get_state) return errno_error("FAMFSIOC_GET_STATE", ENOTTY);
    famfs_ioc_state st{};
    if (s_->shut_down) {
      st.fs_state = FAMFS_STATE_SHUTDOWN | FAMFS_STATE_RELEASED;
      st.fs_reason = s_->shutdown_reason;
      st.fs_fail_offset = s_->fail_offset;
      st.fs_fail_len = s_->fail_len;
    }
    return st;
  }
  Status shutdown() override {
    if (!s_->mounted) return errno_error("FAMFSIOC_SHUTDOWN", EBADF);
    ++s_->shutdowns;
    s_->calls.push_back("shutdown");
    if (!s_->shut_down) s_->shutdown_reason = FAMFS_REASON_ADMIN;
    s_->shut_down = true;
    return ok_status();
  }
  Result<int> open_file(const std::string& rel) override {
    if (!s_->nodes.count(rel)) return errno_error("open " + rel, ENOENT);
    return open_fd(rel);
  }
  void close_file(int fd) override {
    fds_.erase(fd);
    --s_->open_fds;
  }
  Status remove(const std::string& rel, bool dir, uint64_t cookie) override {
    s_->calls.push_back(std::string(dir ? "remove-dir " : "remove ") + rel + " " + std::to_string(cookie));
    const std::string what = "FAMFSIOC_REMOVE " + rel;
    if (!s_->has_remove_ioctl) return errno_error(what, ENOTTY);
    if (int e = injected("remove", rel)) return errno_error(what, e);
    auto it = s_->nodes.find(rel);
    if (it == s_->nodes.end() || rel.empty()) return errno_error(what, ENOENT);
    if (dir && !it->second.is_dir) return errno_error(what, ENOTDIR);
    if (!dir && it->second.is_dir) return errno_error(what, EISDIR);
    if (dir)
      for (const auto& [path, node] : s_->nodes)
        if (path.size() > rel.size() && path.compare(0, rel.size() + 1, rel + "/") == 0)
          return errno_error(what, ENOTEMPTY);
    if (!dir && it->second.mapped && s_->held_paths.count(rel)) {
      auto ino = inode_of(rel);
      s_->orphans.push_back(famfs_ioc_orphan{cookie, ino->ino});
    }
    s_->nodes.erase(it);
    return ok_status();
  }
  Result<OrphanCount> get_orphans(famfs_ioc_orphan* buf, uint32_t capacity) override {
    s_->orphan_queries.push_back(capacity);
    if (!s_->has_remove_ioctl) return errno_error("FAMFSIOC_GET_ORPHANS", ENOTTY);
    if (int e = injected("get_orphans", "")) return errno_error("FAMFSIOC_GET_ORPHANS", e);
    if (capacity > FAMFS_ORPHANS_MAX) return errno_error("FAMFSIOC_GET_ORPHANS", EINVAL);
    OrphanCount c;
    c.count = static_cast<uint32_t>(std::min<size_t>(capacity, s_->orphans.size()));
    std::copy(s_->orphans.begin(), s_->orphans.begin() + c.count, buf);
    c.total = static_cast<uint32_t>(s_->orphans.size()) + s_->phantom_orphans;
    return c;
  }
  // A process let go of the removed file INO: its inode is evicted.
  static void let_go(State& s, uint64_t ino) {
    std::erase_if(s.orphans, [ino](const famfs_ioc_orphan& o) { return o.fo_ino == ino; });
  }
  Status remove_file(const std::string& rel) override {
    s_->calls.push_back("unlink " + rel);
    if (!s_->nodes.erase(rel)) return errno_error("unlink " + rel, ENOENT);
    return ok_status();
  }
  Status remove_directory(const std::string& rel) override {
    s_->calls.push_back("rmdir " + rel);
    auto it = s_->nodes.find(rel);
    if (it == s_->nodes.end()) return errno_error("rmdir " + rel, ENOENT);
    if (!it->second.is_dir) return errno_error("rmdir " + rel, ENOTDIR);
    for (const auto& [path, node] : s_->nodes)
      if (path.size() > rel.size() && path.compare(0, rel.size() + 1, rel + "/") == 0)
        return errno_error("rmdir " + rel, ENOTEMPTY);
    s_->nodes.erase(it);
    return ok_status();
  }
  Result<InodeId> inode_of(const std::string& rel) override {
    if (!s_->nodes.count(rel)) return errno_error("stat " + rel, ENOENT);
    auto [it, fresh] = s_->inodes.emplace(rel, s_->next_ino);
    if (fresh) ++s_->next_ino;
    return InodeId{7, it->second};
  }
  std::set<InodeId> referenced(const std::set<InodeId>& wanted) override {
    std::set<InodeId> out;
    for (const InodeId& id : wanted)
      if (s_->held_inodes.count(id.ino)) out.insert(id);
    return out;
  }
  Status lock_exclusive(int fd) override {
    s_->calls.push_back("flock " + fd_path(fd));
    if (s_->locked_elsewhere) return errno_error("flock", EWOULDBLOCK);
    s_->locked = true;
    return ok_status();
  }
  void unlock(int fd) override {
    s_->calls.push_back("funlock " + fd_path(fd));
    s_->locked = false;
  }
  Status set_attributes(int fd, const std::string& rel, uint32_t uid, uint32_t gid, uint32_t mode) override {
    const std::string& path = fd_path(fd);
    if (path != rel) return errno_error("chown " + rel + " (the descriptor is " + path + ")", EBADF);
    s_->calls.push_back("chown " + rel + " " + std::to_string(uid) + ":" + std::to_string(gid));
    if (int e = injected("chown", rel)) return errno_error("chown " + rel, e);
    FakeNode& n = s_->nodes.at(rel);
    n.uid = uid;
    n.gid = gid;
    n.mode &= ~06000u;  // as Linux does on chown
    s_->calls.push_back("chmod " + rel + " " + octal(mode));
    n.mode = mode;
    return ok_status();
  }

  static std::string octal(uint32_t mode) {
    char buf[16];
    snprintf(buf, sizeof buf, "%04o", mode);
    return buf;
  }

 private:
  int injected(const std::string& op, const std::string& rel) {
    auto it = s_->fail.find(op + " " + rel);
    return it == s_->fail.end() ? 0 : it->second;
  }
  int check_new(const std::string& rel, const std::string& op) {
    if (!s_->mounted) return EBADF;
    if (int e = injected(op, rel)) return e;
    if (s_->nodes.count(rel)) return EEXIST;
    size_t slash = rel.rfind('/');
    std::string parent = slash == std::string::npos ? "" : rel.substr(0, slash);
    auto p = s_->nodes.find(parent);
    if (p == s_->nodes.end()) return ENOENT;
    if (!p->second.is_dir) return ENOTDIR;
    return 0;
  }
  int open_fd(const std::string& rel) {
    int fd = next_fd_++;
    fds_[fd] = rel;
    ++s_->open_fds;
    return fd;
  }
  const std::string& fd_path(int fd) { return fds_.at(fd); }

  State* s_;
  std::map<int, std::string> fds_;
  int next_fd_ = 100;
};

}  // namespace famfs::mount

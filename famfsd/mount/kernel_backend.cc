#include "mount/kernel_backend.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <vector>

#include "omf/layout.h"

namespace famfs::mount {

namespace {

class NoneBackend : public MountBackend {
 public:
  const char* name() const override { return "none"; }
  std::string mountpoint() const override { return ""; }
  Status mount(Volume&) override { return ok_status(); }
  Status publish(const Volume&, const Node&) override { return ok_status(); }
  Status unmount() override { return ok_status(); }
};

Error about(const std::string& rel, const Error& e) { return Error(e.code(), rel + ": " + e.message()); }

}  // namespace

std::unique_ptr<MountBackend> make_none_backend() { return std::make_unique<NoneBackend>(); }

uint32_t published_file_mode(uint32_t mode, Role role, bool client_files_writable) {
  mode &= 07777;
  if (role == Role::client && !client_files_writable) mode &= ~0222u;
  return mode;
}

KernelBackend::KernelBackend(std::unique_ptr<KernelFs> fs, KernelBackendOptions options)
    : fs_(std::move(fs)), options_(std::move(options)) {}

KernelBackend::~KernelBackend() { (void)unmount(); }

Result<bool> KernelBackend::check_mount_point(Volume& volume) {
  const std::string& dir = options_.mountpoint;
  auto info = fs_->inspect(dir);
  if (!info) return info.error();
  switch (info->state) {
    case MountPointState::missing: FAMFS_TRY(fs_->make_directories(dir)); return false;
    case MountPointState::empty_directory: return false;
    case MountPointState::not_directory:
      return Error(Errc::not_directory, "mount point " + dir + " is not a directory");
    case MountPointState::not_empty:
      return Error(Errc::exists, "mount point " + dir + " is not empty (famfs is mounted on empty directories only)");
    case MountPointState::mounted:
      if (info->fstype == "famfs" && fs_->same_device(info->source, volume.device().path())) return true;
      return Error(Errc::busy, "mount point " + dir + " is already a mount point (" + info->fstype + " from " +
                                   info->source + "); famfsd never mounts over another mount");
  }
  return false;
}

namespace {

std::string describe(const KernelFileMap& m) {
  std::string s = "size " + std::to_string(m.size) + ", type " + std::to_string(m.file_type) + ", " +
                  (m.map.type == omf::MapType::simple ? "extents" : "strips");
  for (const omf::Extent& x : m.map.extents) s += " " + std::to_string(x.offset) + "+" + std::to_string(x.len);
  return s;
}

}  // namespace

Status KernelBackend::verify_existing(const std::string& rel, const omf::FileMap& map, uint64_t size,
                                      famfs_file_type type) {
  auto kind = fs_->lookup(rel);
  if (!kind) return about(rel, kind.error());
  if (*kind != KernelFs::Kind::regular_file)
    return Error(Errc::exists, rel + ": already in the mount, and not a regular file");
  auto fd = fs_->open_file(rel);
  if (!fd) return about(rel, fd.error());
  auto got = fs_->map_get(*fd);
  fs_->close_file(*fd);
  if (!got) return about(rel, got.error());
  auto have = decode_kernel_map(*got);
  if (!have) return about(rel, have.error());
  KernelFileMap want{size, static_cast<uint32_t>(type), map};
  if (want.map.type == omf::MapType::simple) want.map.chunk_size = 0;
  if (*have == want) return ok_status();
  return Error(Errc::corrupt, rel + ": already in the mount with another map (" + describe(*have) +
                                  ") than the log's (" + describe(want) + "); left as it is");
}

Status KernelBackend::publish_file(const std::string& rel, uint32_t mode, uint32_t uid, uint32_t gid,
                                   const omf::FileMap& map, uint64_t size, famfs_file_type type) {
  auto encoded = encode_kernel_map(map, size, type);
  if (!encoded) return about(rel, encoded.error());
  auto fd = fs_->create_file(rel, 0600);
  if (!fd && fd.error().code() == Errc::exists) return verify_existing(rel, map, size, type);
  if (!fd) return about(rel, fd.error());
  Status s = fs_->map_create(*fd, *encoded);
  if (!s) {
    fs_->close_file(*fd);
    (void)remove_node(rel, false, 0);  // an unmapped file would only fail every read (ENODATA)
    return about(rel, s.error());
  }
  // Through the descriptor: no second and third walk of the path.
  s = fs_->set_attributes(*fd, rel, uid, gid, mode);
  fs_->close_file(*fd);
  if (!s) return about(rel, s.error());
  return ok_status();
}

Status KernelBackend::publish_directory(const std::string& rel, uint32_t mode, uint32_t uid, uint32_t gid) {
  if (Status s = fs_->make_directory(rel, mode, uid, gid); !s) {
    if (s.error().code() != Errc::exists) return about(rel, s.error());
    auto kind = fs_->lookup(rel);
    if (kind && *kind == KernelFs::Kind::directory) return ok_status();  // adopted mount
    return Error(Errc::exists, rel + ": already in the mount, and not a directory");
  }
  return ok_status();
}

Status KernelBackend::publish_meta(const Volume& volume) {
  const omf::Geometry& geo = volume.geometry();
  // .meta as the namespace has it (mode 0700 unless a log entry says otherwise),
  // so famfsctl and the mount agree.
  const Node* meta = volume.state().names().find(kMetaDir);
  FAMFS_TRY(publish_directory(kMetaDir, meta ? meta->mode & 07777 : kMetaDirMode, meta ? meta->uid : 0,
                              meta ? meta->gid : 0));
  omf::FileMap sb;
  sb.extents.push_back(omf::Extent{0, 0, omf::kSuperblockRegion});
  FAMFS_TRY(publish_file(kSuperblockFile, kSuperblockFileMode, 0, 0, sb, omf::kSuperblockRegion, FAMFS_SUPERBLOCK));
  omf::FileMap log;
  log.extents.push_back(omf::Extent{0, geo.log_offset, geo.log_len});
  return publish_file(kLogFile, volume.role() == Role::master ? kMasterLogFileMode : kClientLogFileMode, 0, 0, log,
                      geo.log_len, FAMFS_LOG);
}

Status KernelBackend::mount(Volume& volume) {
  if (mounted_) return Error(Errc::busy, "famfs is mounted on " + options_.mountpoint + " already");
  auto adopt = check_mount_point(volume);
  if (!adopt) return adopt.error();
  adopted_ = *adopt;
  if (adopted_) {
    FAMFS_TRY(fs_->attach(options_.mountpoint));
    if (options_.notice)
      options_.notice("adopting the famfs mount of " + volume.device().path() + " at " + options_.mountpoint +
                      " (famfsd restarted): its files are checked against the log, missing ones published");
  } else {
    FAMFS_TRY(fs_->mount(volume.device().path(), options_.mountpoint));
  }
  mounted_ = true;
  probe_removal();
  Status meta = publish_meta(volume);
  master_ = volume.role() == Role::master;
  if (meta) {
    auto fd = fs_->open_file(kLogFile);
    if (fd)
      log_fd_ = *fd;
    else
      meta = fd.error();
  }
  if (!meta) {
    (void)unmount();
    return Error(meta.error().code(), "metadata files: " + meta.error().message());
  }
  return ok_status();
}

std::string shutdown_reason_text(const famfs_ioc_state& st) {
  char buf[160];
  switch (st.fs_reason) {
    case FAMFS_REASON_ADMIN: return "shut down by FAMFSIOC_SHUTDOWN (an administrator or famfsd)";
    case FAMFS_REASON_MEMORY_FAILURE:
      snprintf(buf, sizeof buf, "memory failure reported by the kernel at device offset %#llx, %llu bytes",
               static_cast<unsigned long long>(st.fs_fail_offset), static_cast<unsigned long long>(st.fs_fail_len));
      return buf;
    case FAMFS_REASON_DEVICE_GONE: return "the device went away (unbound or removed)";
    default: return "reason " + std::to_string(st.fs_reason);
  }
}

Status KernelBackend::health() {
  if (!mounted_) return ok_status();
  auto st = fs_->get_state();
  if (st) {
    if (!(st->fs_state & FAMFS_STATE_SHUTDOWN)) return ok_status();
    return Error(Errc::memory_error,
                 "famfs.ko shut the mount " + options_.mountpoint + " down: " + shutdown_reason_text(*st));
  }
  if (!is_errno(st.error(), ENOTTY)) return Error(st.error().code(), "checking the mount: " + st.error().message());
  if (log_fd_ < 0) return ok_status();
  auto got = fs_->map_get(log_fd_);
  if (got) return ok_status();
  if (is_errno(got.error(), EIO))
    return Error(Errc::memory_error, "famfs.ko shut the mount " + options_.mountpoint +
                                         " down (memory failure or a vanished device): " + got.error().message() +
                                         " on " + kLogFile);
  return Error(got.error().code(), "checking the mount: " + got.error().message());
}

Status KernelBackend::shutdown() {
  if (!mounted_) return ok_status();
  return fs_->shutdown();
}

Status KernelBackend::lock_log() {
  if (log_fd_ < 0 || !master_) return ok_status();  // a client never appends
  Status s = fs_->lock_exclusive(log_fd_);
  if (!s && s.error().code() == Errc::busy)
    return Error(Errc::busy, "the log is locked by another writer on this host (flock of " + options_.mountpoint + "/" +
                                 kLogFile + ", e.g. the reference famfs CLI); try again");
  return s;
}

void KernelBackend::unlock_log() {
  if (log_fd_ >= 0 && master_) fs_->unlock(log_fd_);
}

Status KernelBackend::publish(const Volume& volume, const Node& node) {
  if (!mounted_) return Error(Errc::unsupported, node.path + ": not mounted");
  if (node.is_dir) return publish_directory(node.path, node.mode & 07777, node.uid, node.gid);
  return publish_file(node.path, published_file_mode(node.mode, volume.role(), options_.client_files_writable),
                      node.uid, node.gid, node.map, node.size, FAMFS_REG);
}

void KernelBackend::probe_removal() {
  auto got = fs_->get_orphans(nullptr, 0);
  legacy_removal_ = !got && is_errno(got.error(), ENOTTY);
  if (legacy_removal_ && options_.notice)
    options_.notice(
        "famfs.ko has no FAMFSIOC_REMOVE (an older module): removed files are unlinked, and whether a "
        "process still holds one is found by scanning /proc");
}

Status KernelBackend::remove_node(const std::string& rel, bool dir, uint64_t cookie) {
  if (!legacy_removal_) return fs_->remove(rel, dir, cookie);
  return dir ? fs_->remove_directory(rel) : fs_->remove_file(rel);
}

Status KernelBackend::unpublish(const RemovedNode& node) {
  if (!mounted_) return ok_status();
  if (!legacy_removal_ || node.is_dir) {
    Status s = remove_node(node.path, node.is_dir, node.delete_index);
    if (!s && s.error().code() != Errc::not_found) return about(node.path, s.error());
    return ok_status();
  }
  auto inode = fs_->inode_of(node.path);
  if (!inode) return inode.error().code() == Errc::not_found ? ok_status() : Status(about(node.path, inode.error()));
  Status s = fs_->remove_file(node.path);
  if (!s && s.error().code() != Errc::not_found) return about(node.path, s.error());
  unlinked_.push_back(Unlinked{*inode, node.delete_index});
  return ok_status();
}

std::optional<uint64_t> KernelBackend::oldest_referenced_delete() {
  return legacy_removal_ ? oldest_unlinked() : oldest_orphan();
}

void KernelBackend::orphan_notice(const std::string& text) {
  if (text == last_orphan_notice_) return;  // once per heartbeat would flood the log
  last_orphan_notice_ = text;
  if (options_.notice) options_.notice(text);
}

std::optional<uint64_t> KernelBackend::oldest_orphan() {
  uint32_t capacity = 64;
  std::vector<famfs_ioc_orphan> buf;
  for (int attempt = 0; attempt < 8; ++attempt) {
    buf.assign(capacity, famfs_ioc_orphan{});
    auto got = fs_->get_orphans(buf.data(), capacity);
    if (!got) {
      orphan_notice("cannot tell which removed files are still held: " + got.error().message());
      return 0;  // never release on a guess
    }
    if (got->total <= got->count) {
      last_orphan_notice_.clear();
      std::optional<uint64_t> oldest;
      for (uint32_t i = 0; i < got->count; ++i)
        if (!oldest || buf[i].fo_cookie < *oldest) oldest = buf[i].fo_cookie;
      return oldest;
    }
    if (capacity == FAMFS_ORPHANS_MAX) break;
    // more were removed meanwhile, or the list was longer: room for all of them and some
    capacity = static_cast<uint32_t>(
        std::min<uint64_t>(FAMFS_ORPHANS_MAX, std::max<uint64_t>(uint64_t{got->total} + 64, uint64_t{capacity} * 2)));
  }
  orphan_notice(
      "FAMFSIOC_GET_ORPHANS kept reporting more removed files held open or mapped than it listed (at "
      "most " +
      std::to_string(FAMFS_ORPHANS_MAX) + " at once): nothing counts as released");
  return 0;
}

std::optional<uint64_t> KernelBackend::oldest_unlinked() {
  if (unlinked_.empty()) return std::nullopt;
  std::set<InodeId> wanted;
  for (const Unlinked& u : unlinked_) wanted.insert(u.inode);
  std::set<InodeId> held = fs_->referenced(wanted);
  std::optional<uint64_t> oldest;
  std::vector<Unlinked> still;
  for (const Unlinked& u : unlinked_) {
    if (!held.count(u.inode)) continue;  // nobody holds it: released here, for good
    still.push_back(u);
    if (!oldest || u.delete_index < *oldest) oldest = u.delete_index;
  }
  unlinked_ = std::move(still);
  return oldest;
}

Result<bool> KernelBackend::stop_mount(bool keep_if_busy) {
  if (!mounted_ || !keep_if_busy) {
    FAMFS_TRY(unmount());
    return false;
  }
  if (log_fd_ >= 0) {
    fs_->close_file(log_fd_);
    log_fd_ = -1;
  }
  Status s = fs_->unmount(options_.mountpoint, false);
  if (s) {
    mounted_ = false;
    return false;
  }
  if (s.error().code() != Errc::busy) return s.error();
  mounted_ = false;  // left to the next famfsd, which adopts it
  if (options_.notice)
    options_.notice("a file in " + options_.mountpoint +
                    " is open or mapped: left mounted for the next famfsd to adopt (not detached: with deletion "
                    "on, its users must stay visible to the release of removed files)");
  return true;
}

Status KernelBackend::unmount() {
  if (!mounted_) return ok_status();
  mounted_ = false;
  if (log_fd_ >= 0) {
    fs_->close_file(log_fd_);  // an open file of the mount would make umount busy
    log_fd_ = -1;
  }
  Status s = fs_->unmount(options_.mountpoint, false);
  if (s || s.error().code() != Errc::busy) return s;
  if (options_.notice)
    options_.notice("a file in " + options_.mountpoint +
                    " is open or mapped: detached the mount lazily (it is gone from the namespace; its users keep "
                    "their files until they close them)");
  return fs_->unmount(options_.mountpoint, true);
}

}  // namespace famfs::mount

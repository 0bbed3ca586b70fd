// The mount backend that serves the namespace through famfs.ko: mount(2) of
// the device, the metadata files .meta/.superblock and .meta/.log (file
// types 1 and 2, as the reference famfs creates them, so the module guards
// the log region and the reference tools find them), then one directory or
// one file with its map per published node.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "mount/kernel_fs.h"
#include "mount/mount_backend.h"

namespace famfs::mount {

struct KernelBackendOptions {
  // Absolute path; created (with its parents) when missing.
  std::string mountpoint;
  // On clients, keep the write bits of files' modes (the reference, and the
  // default, strip them: only the master's writes are coordinated).
  bool client_files_writable = false;
  // Receives notable events worth logging (a lazy unmount).
  std::function<void(const std::string&)> notice;
};

// Modes of what the backend creates.
inline constexpr uint32_t kMetaDirMode = 0700;  // when the namespace has no .meta node
inline constexpr uint32_t kSuperblockFileMode = 0444;
inline constexpr uint32_t kMasterLogFileMode = 0644;
inline constexpr uint32_t kClientLogFileMode = 0444;
inline constexpr const char* kMetaDir = ".meta";
inline constexpr const char* kSuperblockFile = ".meta/.superblock";
inline constexpr const char* kLogFile = ".meta/.log";

// The mode a file of the log gets in the mount: MODE's permission bits, minus
// the write bits on a client unless CLIENT_FILES_WRITABLE.
uint32_t published_file_mode(uint32_t mode, Role role, bool client_files_writable);
// Why famfs.ko shut a mount down, from FAMFSIOC_GET_STATE, in words.
std::string shutdown_reason_text(const famfs_ioc_state& st);

class KernelBackend : public MountBackend {
 public:
  KernelBackend(std::unique_ptr<KernelFs> fs, KernelBackendOptions options);
  ~KernelBackend() override;

  const char* name() const override { return "kernel"; }
  std::string mountpoint() const override { return mounted_ ? options_.mountpoint : ""; }
  // Refuses a mount point that is not a directory, not empty or already a
  // mount point (one line naming it and why), except a famfs mount of the
  // same device: famfsd restarted (after a crash) adopts it instead of
  // stacking a second mount. A failure after mount(2) unmounts again, so
  // nothing is left behind.
  Status mount(Volume& volume) override;
  // A directory: mkdir, owner, mode. A file: O_CREAT|O_EXCL, MAP_CREATE_V2,
  // owner, mode; a file whose map the module refuses is removed again. The
  // error names the path and the errno. A node that exists already (an
  // adopted mount) is checked instead: a directory must be a directory, a
  // file's MAP_GET_V2 map, size and type must equal the log's (corrupt
  // otherwise, naming both; the file is left as it is).
  Status publish(const Volume& volume, const Node& node) override;
  // Deletion (docs/delete.md): FAMFSIOC_REMOVE of the node, the DELETE's
  // index as the cookie; not in the mount is fine. With a famfs.ko that
  // predates the ioctl (ENOTTY when mount() asked) a removed file is
  // unlinked (its inode noted first), a removed directory rmdir'ed.
  Status unpublish(const RemovedNode& node) override;
  // The lowest DELETE index of the removed files some process of this host
  // still has open or mapped: the lowest cookie FAMFSIOC_GET_ORPHANS
  // reports (0, everything held, when it fails or the list does not fit
  // in FAMFS_ORPHANS_MAX entries). Before the ioctl: a /proc scan of fds
  // and maps for the noted inodes; files nobody holds are forgotten.
  std::optional<uint64_t> oldest_referenced_delete() override;
  // Whether famfs.ko removes through FAMFSIOC_REMOVE (known after mount()).
  bool removes_by_ioctl() const { return !legacy_removal_; }
  // Whether mount() adopted an existing mount.
  bool adopted() const { return adopted_; }
  // umount; when a file is still open or mapped, a lazy detach (MNT_DETACH):
  // the mount point is free at once, mappings keep working, and the module
  // releases the device when the last of them goes.
  Status unmount() override;
  Result<bool> stop_mount(bool keep_if_busy) override;
  // flock(LOCK_EX | LOCK_NB) of .meta/.log (master: opened at mount).
  Status lock_log() override;
  void unlock_log() override;
  // FAMFSIOC_GET_STATE: memory_error naming famfs.ko's reason once it shut
  // the mount down. A famfs.ko without it (ENOTTY): FAMFSIOC_MAP_GET_V2 on
  // the open .meta/.log, which answers EIO after a shutdown.
  Status health() override;
  // FAMFSIOC_SHUTDOWN.
  Status shutdown() override;

 private:
  // Whether the mount point holds our device's famfs mount already (adopt).
  Result<bool> check_mount_point(Volume& volume);
  Status verify_existing(const std::string& rel, const omf::FileMap& map, uint64_t size, famfs_file_type type);
  Status publish_meta(const Volume& volume);
  // FAMFSIOC_GET_ORPHANS with capacity 0: whether famfs.ko has it.
  void probe_removal();
  // REL out of the mount: FAMFSIOC_REMOVE, or unlink/rmdir before it.
  Status remove_node(const std::string& rel, bool dir, uint64_t cookie);
  std::optional<uint64_t> oldest_orphan();
  // NOTICE once, until the orphan list can be read again.
  void orphan_notice(const std::string& text);
  std::optional<uint64_t> oldest_unlinked();
  Status publish_directory(const std::string& rel, uint32_t mode, uint32_t uid, uint32_t gid);
  Status publish_file(const std::string& rel, uint32_t mode, uint32_t uid, uint32_t gid, const omf::FileMap& map,
                      uint64_t size, famfs_file_type type);

  std::unique_ptr<KernelFs> fs_;
  KernelBackendOptions options_;
  bool mounted_ = false;
  bool adopted_ = false;
  int log_fd_ = -1;  // .meta/.log: its flock (master) and health()
  struct Unlinked {
    InodeId inode;
    uint64_t delete_index;
  };
  std::vector<Unlinked> unlinked_;  // before FAMFSIOC_REMOVE: removed files that may still be referenced
  bool legacy_removal_ = false;     // famfs.ko answered ENOTTY: unlink/rmdir and the /proc scan
  std::string last_orphan_notice_;  // the last GET_ORPHANS trouble logged
  bool master_ = false;
};

}  // namespace famfs::mount

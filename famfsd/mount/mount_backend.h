// How famfsd exposes the file system to the host's programs. The kernel
// backend mounts famfs.ko and hands it each file's map; the none backend is
// metadata only (hosts without famfs.ko, emulated devices: the D-Bus API
// still serves listings, maps and ReadFile/CopyIn).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "engine/namespace.h"
#include "engine/volume.h"
#include "util/result.h"

namespace famfs::mount {

class MountBackend {
 public:
  virtual ~MountBackend() = default;
  // "kernel" or "none".
  virtual const char* name() const = 0;
  // Where the file system is mounted ("" when not mounted).
  virtual std::string mountpoint() const = 0;
  // Mounts VOLUME's device (after its superblock validated) and publishes
  // the metadata files; no node of the namespace yet.
  virtual Status mount(Volume& volume) = 0;
  // Makes one replayed or created node visible in the mount. Nodes come in
  // log order, so a node's parent was published before it.
  virtual Status publish(const Volume& volume, const Node& node) = 0;
  // Takes a node a DELETE entry removed out of the mount (docs/delete.md).
  // Nodes come in log order, so a directory's entries go before it; a node
  // that is not in the mount (never published) is not an error.
  virtual Status unpublish(const RemovedNode& node) {
    (void)node;
    return ok_status();
  }
  // Of the removed files this host still has open or mapped, the lowest
  // DELETE index (this host has then released only the entries below it);
  // nullopt when none is referenced. The none backend has no mount: none.
  virtual std::optional<uint64_t> oldest_referenced_delete() { return std::nullopt; }
  // Unmounts; safe to call when not mounted.
  virtual Status unmount() = 0;
  // famfsd stopping: unmounts, except that with KEEP_IF_BUSY a mount whose
  // files are still open or mapped is left mounted (famfsd adopts it when it
  // starts again) rather than detached lazily. Returns whether it was left
  // (docs/delete.md: a detached mount's users would be invisible to every
  // later release decision).
  virtual Result<bool> stop_mount(bool keep_if_busy) {
    (void)keep_if_busy;
    FAMFS_TRY(unmount());
    return false;
  }
  // The host-local lock of the log, held around every append on the master
  // (with the kernel backend the reference CLI's flock of .meta/.log, so
  // famfsd and the reference tools on one host never append at once).
  // busy when another writer holds it. The none backend has no lock.
  virtual Status lock_log() { return ok_status(); }
  virtual void unlock_log() {}
  // Whether the mount still serves: memory_error once famfs.ko has shut it
  // down (pmem memory failure, dead device-dax device). Cheap: one ioctl.
  virtual Status health() { return ok_status(); }
  // Ends data access on the mount now (the device is going away): mappings
  // zapped, the device released. Safe to call when not mounted.
  virtual Status shutdown() { return ok_status(); }
};

// The metadata-only backend.
std::unique_ptr<MountBackend> make_none_backend();

}  // namespace famfs::mount

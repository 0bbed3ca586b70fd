// How famfsd exposes the file system to the host's programs. The kernel
// backend mounts famfs.ko and hands it each file's map; the none backend is
// metadata only (hosts without famfs.ko, emulated devices: the D-Bus API
// still serves listings, maps and ReadFile/CopyIn).
#pragma once

#include <memory>
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
  // Unmounts; safe to call when not mounted.
  virtual Status unmount() = 0;
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

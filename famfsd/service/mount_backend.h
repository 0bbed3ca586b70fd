// How famfsd exposes the file system to the host's programs. The kernel
// backend mounts famfs.ko and hands it each file's map; the none backend is
// metadata only (hosts without famfs.ko: the D-Bus API still serves
// listings, maps and ReadFile/CopyIn).
#pragma once

#include <memory>
#include <string>

#include "engine/namespace.h"
#include "engine/volume.h"
#include "service/config.h"
#include "util/result.h"

namespace famfs::service {

class MountBackend {
 public:
  virtual ~MountBackend() = default;
  // "kernel" or "none".
  virtual const char* name() const = 0;
  // Where the file system is mounted ("" when not mounted).
  virtual std::string mountpoint() const = 0;
  // Mounts VOLUME's device (after its superblock validated).
  virtual Status mount(Volume& volume) = 0;
  // Makes one replayed or created node visible in the mount.
  virtual Status publish(const Volume& volume, const Node& node) = 0;
  // Unmounts; safe to call when not mounted.
  virtual Status unmount() = 0;
};

// The metadata-only backend.
std::unique_ptr<MountBackend> make_none_backend();

// The backend CHOICE asks for. automatic picks kernel when famfs.ko is loaded
// (listed in /proc/filesystems) and none otherwise; WHY says which and why.
// kernel: unsupported until the kernel backend lands (famfs.ko exists in
// module/, its mount integration in famfsd does not yet).
Result<std::unique_ptr<MountBackend>> make_backend(BackendChoice choice, const std::string& mountpoint,
                                                   std::string& why);

}  // namespace famfs::service

// Who may do what. The bus policy (dbus/org.famfs.Famfs1.conf) is the first
// gate; famfsd decides again here from the credentials the bus reports.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "util/result.h"

namespace famfs::service {

// A caller as the bus knows it.
struct Caller {
  uid_t uid = static_cast<uid_t>(-1);
  gid_t gid = static_cast<gid_t>(-1);
  std::vector<gid_t> groups;  // supplementary groups
};

enum class Action {
  read,    // properties, ListDirectory, Stat, GetFileMap, ReadFile, Check, Replay
  mutate,  // CreateFile, Mkdir, CopyIn, Job.Cancel
  format,  // Format
};

// Whether CALLER may perform ACTION; FAMFS_GID is the gid of the group whose
// members may mutate (nullopt when that group does not exist).
// permission_denied with a one-line reason otherwise.
Status authorize(const Caller& caller, Action action, std::optional<gid_t> famfs_gid);

// The owner a new file or directory gets: the caller itself by default; an
// explicit UID/GID other than the caller's own needs root (permission_denied).
struct Owner {
  uint32_t uid, gid;
};
Result<Owner> resolve_owner(const Caller& caller, std::optional<uint32_t> uid, std::optional<uint32_t> gid);

// gid of group NAME, or nullopt when there is no such group.
std::optional<gid_t> lookup_group(const std::string& name);

}  // namespace famfs::service

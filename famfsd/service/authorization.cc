#include "service/authorization.h"

#include <grp.h>

#include <algorithm>

namespace famfs::service {

Status authorize(const Caller& caller, Action action, std::optional<gid_t> famfs_gid) {
  if (action == Action::read || caller.uid == 0) return ok_status();
  if (action == Action::format)
    return Error(Errc::permission_denied, "only root may format (caller uid " + std::to_string(caller.uid) + ")");
  bool member = famfs_gid && (caller.gid == *famfs_gid ||
                              std::find(caller.groups.begin(), caller.groups.end(), *famfs_gid) != caller.groups.end());
  if (member) return ok_status();
  return Error(Errc::permission_denied,
               "uid " + std::to_string(caller.uid) + " may not change the file system (root or the famfs group only)");
}

Result<Owner> resolve_owner(const Caller& caller, std::optional<uint32_t> uid, std::optional<uint32_t> gid) {
  Owner o{uid.value_or(caller.uid), gid.value_or(caller.gid)};
  if (caller.uid == 0) return o;
  if (o.uid != caller.uid)
    return Error(Errc::permission_denied,
                 "only root may create files owned by another user (uid " + std::to_string(o.uid) + ")");
  bool own_group =
      o.gid == caller.gid || std::find(caller.groups.begin(), caller.groups.end(), o.gid) != caller.groups.end();
  if (!own_group)
    return Error(Errc::permission_denied, "gid " + std::to_string(o.gid) + " is not one of the caller's groups");
  return o;
}

std::optional<gid_t> lookup_group(const std::string& name) {
  struct group grp {};
  struct group* found = nullptr;
  char buf[4096];
  if (getgrnam_r(name.c_str(), &grp, buf, sizeof buf, &found) != 0 || found == nullptr) return std::nullopt;
  return found->gr_gid;
}

}  // namespace famfs::service

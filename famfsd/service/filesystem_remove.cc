// org.famfs.Famfs1.Filesystem deletion members (docs/delete.md): Remove and
// the pending-release properties.
#include <string>
#include <vector>

#include "service/bus_errors.h"
#include "service/bus_options.h"
#include "service/daemon.h"
#include "service/filesystem_bus.h"
#include "service/permissions.h"

namespace famfs::service {

uint32_t FilesystemObject::Remove(const std::string& path, const OptionMap& options) {
  return guard_handler("Remove", [&] {
    Options o(options, {{"recursive", "b"}});
    Caller c = authorized(Action::mutate);
    require_valid_path(path);
    const Volume& v = volume();
    const bool recursive = o.boolean("recursive").value_or(false);
    const Namespace& ns = v.state().names();
    // The kernel's order: the walk and the parent's w+x before anything
    // about the node itself (not empty, deletion disabled).
    throw_if(may_remove(ns, c, path));
    auto plan = v.removal_plan(path, recursive);
    if (!plan) throw to_dbus_error(plan.error());
    // rm -r: every directory whose entries go must let the caller list it
    // and remove them; checked for all before anything is logged.
    for (NodeId id : *plan) {
      const Node& n = ns.node(id);
      if (n.path == path) continue;
      throw_if(may_remove_from(c, ns.node(n.parent), n));
    }
    auto removed = daemon_.instance().remove(*plan);
    if (!removed) throw to_dbus_error(removed.error());
    return *removed;
  });
}

bool FilesystemObject::DeleteEnabled() {
  const Volume* v = daemon_.instance().volume();
  return v && v->delete_enabled();
}

uint64_t FilesystemObject::PendingReleaseBytes() {
  const Volume* v = daemon_.instance().volume();
  return v ? v->state().allocator().pending_bytes() : 0;
}

std::vector<sdbus::Struct<std::string, uint64_t, uint64_t, std::vector<std::string>>>
FilesystemObject::PendingRelease() {
  std::vector<sdbus::Struct<std::string, uint64_t, uint64_t, std::vector<std::string>>> out;
  for (auto& f : daemon_.instance().pending_release()) out.emplace_back(f.path, f.delete_index, f.bytes, f.held_by);
  return out;
}

}  // namespace famfs::service

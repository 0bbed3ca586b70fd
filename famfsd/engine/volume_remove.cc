// Volume deletion (docs/delete.md): DELETE entries, one batch per removal.
#include <string>

#include "engine/volume.h"
#include "omf/path_rules.h"

namespace famfs {

Result<std::vector<NodeId>> Volume::removal_plan(const std::string& path, bool recursive) const {
  if (state_.delete_feature() == ReplayedState::DeleteFeature::unknown)
    return Error(Errc::unsupported,
                 "the host area header of file system " + sb_.record.fs_uuid.to_string() +
                     " does not validate, so whether it was formatted with deletion is not known (the log holds no "
                     "DELETE entry); files are not removed on a guess (the master re-initializes the area at its "
                     "next heartbeat; fsck.famfs shows why it did not validate)");
  if (!delete_enabled())
    return Error(Errc::unsupported,
                 "file system " + sb_.record.fs_uuid.to_string() +
                     " was formatted without deletion: reference famfs hosts ignore DELETE entries and would read "
                     "another file's bytes once the space is reused, so files can only be removed on a file "
                     "system formatted with --enable-delete");
  if (path.empty()) return Error(Errc::invalid_argument, "the root directory cannot be removed");
  if (auto why = omf::path_problem(path)) return Error(Errc::invalid_argument, *why);
  const Namespace& ns = state_.names();
  auto top = ns.find_id(path);
  if (!top) return Error(Errc::not_found, path + " does not exist");
  const Node& n = ns.node(*top);
  if (Namespace::implicit(n))
    return Error(Errc::invalid_argument, path + " cannot be removed (the reference famfs keeps its metadata there)");
  if (n.is_dir && !n.children.empty() && !recursive)
    return Error(Errc::not_empty, "directory " + path + " is not empty (" + std::to_string(n.children.size()) +
                                      " entries; remove it recursively)");
  // Post-order, iteratively: a directory follows everything inside it.
  std::vector<NodeId> plan;
  struct Frame {
    NodeId id;
    size_t next;
  };
  std::vector<Frame> stack{{*top, 0}};
  while (!stack.empty()) {
    Frame& f = stack.back();
    const Node& cur = ns.node(f.id);
    if (cur.is_dir && f.next < cur.children.size()) {
      NodeId child = cur.children[f.next++];
      stack.push_back({child, 0});
      continue;
    }
    plan.push_back(f.id);
    stack.pop_back();
  }
  return plan;
}

Result<std::vector<RemovedNode>> Volume::remove_nodes(const std::vector<NodeId>& plan) {
  if (!delete_enabled()) return removal_plan("", false).error();
  FAMFS_TRY(begin_batch());
  if (batch_->first + plan.size() > sb_.geometry.last_index() + 1) {
    uint64_t left = sb_.geometry.last_index() + 1 - batch_->first;
    batch_.reset();
    return Error(Errc::log_full, "removing " + std::to_string(plan.size()) + " entries needs as many log slots; " +
                                     std::to_string(left) + " are left");
  }
  std::vector<RemovedNode> removed;
  for (NodeId id : plan) {
    const Node& n = state_.names().node(id);
    omf::DeleteEntry x;
    x.target_index = n.log_index;
    x.directory = n.is_dir;
    x.path = n.path;
    if (!n.is_dir) {
      x.size = n.size;
      x.map = n.map;
    }
    if (auto why = state_.delete_mismatch(x)) {
      // The plan is stale (a bug in the caller): log nothing more.
      auto done = end_batch();
      if (!done) return done.error();
      return Error(Errc::invalid_argument, "cannot remove " + x.path + ": " + *why);
    }
    RemovedNode done_node{id, x.path, x.directory, batch_->next};
    auto r = batch_entry(omf::LogEntry{0, std::move(x)});
    if (r) removed.push_back(std::move(done_node));
    if (!r) {
      auto done = end_batch();  // commits what was written before the failure
      if (!done) return done.error();
      return r.error();
    }
  }
  auto done = end_batch();
  if (!done) return done.error();
  return removed;
}

}  // namespace famfs

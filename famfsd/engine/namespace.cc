#include "engine/namespace.h"

#include "omf/path_rules.h"

namespace famfs {

Namespace::Namespace() {
  Node root;
  root.is_dir = true;
  root.mode = 0755;
  root.log_index = UINT64_MAX;
  nodes_.push_back(std::move(root));
  by_path_.emplace(std::string_view(nodes_.front().path), kRootNode);
}

void Namespace::reserve(size_t n) { by_path_.reserve(n + 1); }

Status Namespace::can_add(std::string_view path) const {
  if (auto why = omf::path_problem(path)) return Error(Errc::invalid_argument, *why);
  if (by_path_.count(path)) return Error(Errc::exists, std::string(path) + " already exists");
  std::string_view parent = omf::parent_path(path);
  auto it = by_path_.find(parent);
  if (it == by_path_.end())
    return Error(Errc::not_found, "parent directory " + std::string(parent) + " of " +
                                      std::string(path) + " does not exist");
  if (!nodes_[it->second].is_dir)
    return Error(Errc::not_directory, "parent " + std::string(parent) + " of " +
                                          std::string(path) + " is a file");
  return ok_status();
}

Result<NodeId> Namespace::insert(Node&& node) {
  FAMFS_TRY(can_add(node.path));
  node.parent = by_path_.find(omf::parent_path(node.path))->second;
  auto id = static_cast<NodeId>(nodes_.size());
  nodes_.push_back(std::move(node));
  Node& stored = nodes_.back();
  by_path_.emplace(std::string_view(stored.path), id);
  nodes_[stored.parent].children.push_back(id);
  if (!stored.is_dir) {
    ++files_;
    sum_sizes_ += stored.size;
  }
  return id;
}

Result<NodeId> Namespace::add_directory(const omf::MkdirEntry& entry, uint64_t log_index) {
  Node n;
  n.path = entry.path;
  n.is_dir = true;
  n.uid = entry.uid;
  n.gid = entry.gid;
  n.mode = entry.mode;
  n.log_index = log_index;
  return insert(std::move(n));
}

Result<NodeId> Namespace::add_file(omf::FileEntry&& entry, uint64_t log_index) {
  Node n;
  n.path = std::move(entry.path);
  n.uid = entry.uid;
  n.gid = entry.gid;
  n.mode = entry.mode;
  n.log_index = log_index;
  n.size = entry.size;
  n.flags = entry.flags;
  n.map = std::move(entry.map);
  return insert(std::move(n));
}

std::optional<NodeId> Namespace::find_id(std::string_view path) const {
  auto it = by_path_.find(path);
  if (it == by_path_.end()) return std::nullopt;
  return it->second;
}

const Node* Namespace::find(std::string_view path) const {
  auto it = by_path_.find(path);
  return it == by_path_.end() ? nullptr : &nodes_[it->second];
}

}  // namespace famfs

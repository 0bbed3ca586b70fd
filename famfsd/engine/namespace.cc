#include "engine/namespace.h"

#include "omf/path_rules.h"

namespace famfs {

// Two cache lines (StableVector aligns its chunks to lines): replay writes one
// node per log entry into fresh memory, and each line more is a miss per entry.
static_assert(sizeof(Node) == 128);

Namespace::Namespace() {
  Node root;
  root.is_dir = true;
  root.mode = 0755;
  nodes_.push_back(std::move(root));
  index_.insert(PathIndex::hash(""), kRootNode);
  Node meta;
  meta.path = std::string(kMetaDirectory);
  meta.is_dir = true;
  meta.mode = 0700;  // what the reference's mount creates it with
  nodes_.push_back(std::move(meta));
  index_.insert(PathIndex::hash(kMetaDirectory), kMetaNode);
  nodes_[kRootNode].children.push_back(kMetaNode);
}

void Namespace::reserve(size_t n) { index_.reserve(n + 1); }

uint32_t Namespace::lookup(std::string_view path) const {
  return index_.find(path, PathIndex::hash(path), [this](uint32_t id) -> std::string_view { return nodes_[id].path; });
}

Status Namespace::check_new(std::string_view path, uint64_t hash, NodeId& parent, size_t* hole) const {
  auto path_of = [this](uint32_t id) -> std::string_view { return nodes_[id].path; };
  if (index_.find(path, hash, path_of, hole) != PathIndex::kNone)
    return Error(Errc::exists, std::string(path) + " already exists");
  std::string_view up = omf::parent_path(path);
  // Log entries come in runs with one parent (a directory, then its files):
  // the last parent found saves the parent's hash and probe. remove() drops
  // the cache, so a path found keeps its id while it is cached.
  uint32_t p;
  if (parent_cache_id_ != PathIndex::kNone && up == parent_cache_path_) {
    p = parent_cache_id_;
  } else {
    p = lookup(up);
    if (p != PathIndex::kNone) {
      parent_cache_path_.assign(up);
      parent_cache_id_ = p;
    }
  }
  if (p == PathIndex::kNone)
    return Error(Errc::not_found,
                 "parent directory " + std::string(up) + " of " + std::string(path) + " does not exist");
  if (!nodes_[p].is_dir)
    return Error(Errc::not_directory, "parent " + std::string(up) + " of " + std::string(path) + " is a file");
  parent = p;
  return ok_status();
}

Status Namespace::can_add(std::string_view path) const {
  if (auto why = omf::path_problem(path)) return Error(Errc::invalid_argument, *why);
  if (path == kMetaDirectory)
    return Error(Errc::exists, std::string(path) +
                                   " already exists (every famfs file system has it: the reference "
                                   "famfs keeps its metadata files there)");
  NodeId parent;
  return check_new(path, PathIndex::hash(path), parent);
}

Status Namespace::check_insert(std::string_view path, bool path_checked, uint64_t& hash, NodeId& parent,
                               size_t& hole) const {
  if (!path_checked)
    if (auto why = omf::path_problem(path)) return Error(Errc::invalid_argument, *why);
  if (hash == 0) hash = PathIndex::hash(path);
  return check_new(path, hash, parent, &hole);
}

// The node is built in its final place (replay adds one per log entry).
Node& Namespace::insert(uint64_t hash, NodeId parent, size_t hole) {
  auto id = static_cast<NodeId>(nodes_.size());
  Node& stored = nodes_.emplace_back();
  stored.parent = parent;
  index_.insert_at(hole, hash, id);
  nodes_[parent].children.push_back(id);
  return stored;
}

Result<NodeId> Namespace::add_directory(const omf::MkdirEntry& entry, uint64_t log_index, bool path_checked,
                                        uint64_t path_hash) {
  if (entry.path == kMetaDirectory && !meta_logged_) {
    Node& meta = nodes_[kMetaNode];
    meta.uid = entry.uid;
    meta.gid = entry.gid;
    meta.mode = entry.mode;
    meta.log_index = log_index;
    meta_logged_ = true;
    return kMetaNode;
  }
  uint64_t h = path_hash;
  NodeId parent;
  size_t hole;
  FAMFS_TRY(check_insert(entry.path, path_checked, h, parent, hole));
  Node& n = insert(h, parent, hole);
  n.path = entry.path;
  n.is_dir = true;
  n.uid = entry.uid;
  n.gid = entry.gid;
  n.mode = entry.mode;
  n.log_index = log_index;
  return static_cast<NodeId>(nodes_.size() - 1);
}

Result<NodeId> Namespace::add_file(omf::FileEntry&& entry, uint64_t log_index, bool path_checked, uint64_t path_hash) {
  uint64_t h = path_hash;
  NodeId parent;
  size_t hole;
  FAMFS_TRY(check_insert(entry.path, path_checked, h, parent, hole));
  Node& n = insert(h, parent, hole);
  n.path = std::move(entry.path);
  n.uid = entry.uid;
  n.gid = entry.gid;
  n.mode = entry.mode;
  n.log_index = log_index;
  n.size = entry.size;
  n.flags = entry.flags;
  n.map = std::move(entry.map);
  ++files_;
  sum_sizes_ += n.size;
  return static_cast<NodeId>(nodes_.size() - 1);
}

Status Namespace::remove(NodeId id) {
  if (id == kRootNode || id >= nodes_.size()) return Error(Errc::invalid_argument, "no such node");
  Node& n = nodes_[id];
  if (n.removed) return Error(Errc::invalid_argument, n.path + " is removed already");
  if (implicit(n))
    return Error(Errc::invalid_argument, n.path + " has no log entry (the reference famfs keeps its metadata there)");
  if (n.is_dir && !n.children.empty())
    return Error(Errc::not_empty, n.path + " is not empty (" + std::to_string(n.children.size()) + " entries)");
  index_.erase(PathIndex::hash(n.path), id);
  nodes_[n.parent].children.erase(id);
  if (!n.is_dir) {
    --files_;
    sum_sizes_ -= n.size;
  }
  ++removed_;
  n.removed = true;
  parent_cache_id_ = PathIndex::kNone;
  parent_cache_path_.clear();
  return ok_status();
}

std::optional<NodeId> Namespace::find_id(std::string_view path) const {
  uint32_t id = lookup(path);
  if (id == PathIndex::kNone) return std::nullopt;
  return id;
}

const Node* Namespace::find(std::string_view path) const {
  uint32_t id = lookup(path);
  return id == PathIndex::kNone ? nullptr : &nodes_[id];
}

}  // namespace famfs

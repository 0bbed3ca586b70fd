// The directory tree replayed from the log, with per-entry metadata.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/path_index.h"
#include "engine/stable_vector.h"
#include "omf/log_entry.h"
#include "util/result.h"

namespace famfs {

using NodeId = uint32_t;
inline constexpr NodeId kRootNode = 0;

// The reference famfs keeps its own metadata files in this directory and
// creates it on every mount without logging it, so a log may hold entries
// under ".meta/" and no MKDIR for it. It is present in every namespace from
// the start (node kMetaNode: root, 0700, no log entry), as on a reference
// mount.
inline constexpr std::string_view kMetaDirectory = ".meta";
inline constexpr NodeId kMetaNode = 1;

// A directory's children, in log order. Files have none and most nodes are
// files, so a node holds a pointer (8 bytes) instead of a vector (24): replay
// writes one node per log entry, and a node's bytes are most of what it costs.
class ChildList {
 public:
  using value_type = NodeId;
  using iterator = const NodeId*;
  using const_iterator = const NodeId*;

  size_t size() const { return ids_ ? ids_->size() : 0; }
  bool empty() const { return size() == 0; }
  const NodeId* begin() const { return ids_ ? ids_->data() : nullptr; }
  const NodeId* end() const { return begin() + size(); }
  NodeId operator[](size_t i) const { return (*ids_)[i]; }
  friend bool operator==(const ChildList& a, const std::vector<NodeId>& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
  }

 private:
  friend class Namespace;
  void push_back(NodeId id) {
    if (!ids_) ids_ = std::make_unique<std::vector<NodeId>>();
    ids_->push_back(id);
  }
  // Removes ID (present once).
  void erase(NodeId id) {
    if (!ids_) return;
    for (auto it = ids_->begin(); it != ids_->end(); ++it)
      if (*it == id) {
        ids_->erase(it);
        break;
      }
  }
  std::unique_ptr<std::vector<NodeId>> ids_;
};

// One directory or file. Paths are relative ("" is the root).
// (Fields ordered to leave no padding: replay writes one node per entry.)
struct Node {
  std::string path;
  uint32_t uid = 0, gid = 0, mode = 0;
  uint32_t flags = 0;               // files only
  uint64_t log_index = UINT64_MAX;  // entry that created it (root: UINT64_MAX)
  bool is_dir = false;
  bool removed = false;  // a DELETE entry removed it (the id is never reused)
  NodeId parent = kRootNode;
  ChildList children;  // in log order
  // Files only.
  uint64_t size = 0;
  omf::FileMap map;
};

class Namespace {
 public:
  Namespace();

  // Why PATH cannot be added now: invalid_argument (path rules), exists
  // (".meta" always exists), not_found (parent missing), not_directory
  // (parent is a file). ok otherwise.
  Status can_add(std::string_view path) const;
  // Adds a directory; fails as can_add() and changes nothing then, except
  // that the first logged MKDIR ".meta" (an older famfsd could write one)
  // gives the implicit ".meta" that entry's owner, mode and log index.
  // PATH_CHECKED skips the path rules (the caller already applied them).
  // PATH_HASH: PathIndex::hash() of the path if the caller has it (replay
  // computes it once, to prefetch), else 0.
  Result<NodeId> add_directory(const omf::MkdirEntry& entry, uint64_t log_index, bool path_checked = false,
                               uint64_t path_hash = 0);
  // Adds a file (takes ENTRY's path and map); fails as can_add().
  Result<NodeId> add_file(omf::FileEntry&& entry, uint64_t log_index, bool path_checked = false,
                          uint64_t path_hash = 0);

  // Removes node ID (a file, or an empty directory; not the root or the
  // implicit ".meta"): its path is free again, it leaves its parent's
  // children and every count; node(ID) still answers, with removed set.
  // not_empty: a directory with children; invalid_argument: root, implicit
  // or already removed.
  Status remove(NodeId id);

  // The node at PATH ("" is the root), or nullptr.
  const Node* find(std::string_view path) const;
  // The id of the node at PATH, or nullopt.
  std::optional<NodeId> find_id(std::string_view path) const;
  const Node& node(NodeId id) const { return nodes_[id]; }

  size_t file_count() const { return files_; }
  // Directories created by log entries (the root and the implicit ".meta"
  // are not counted, as the reference's fsck counts MKDIR entries).
  size_t directory_count() const { return nodes_.size() - 1 - files_ - removed_ - (meta_logged_ ? 0 : 1); }
  // Every node but the root, ".meta" included (removed nodes not counted).
  size_t node_count() const { return nodes_.size() - 1 - removed_; }
  // Ids run 1..id_limit()-1 (removed nodes included).
  size_t id_limit() const { return nodes_.size(); }
  // Whether NODE is there without a log entry (the implicit ".meta").
  static bool implicit(const Node& node) { return node.log_index == UINT64_MAX; }
  uint64_t sum_of_file_sizes() const { return sum_sizes_; }
  // Every node but the root and the removed ones, in log order (".meta" first).
  template <typename F>
  void for_each(F&& f) const {
    for (size_t i = 1; i < nodes_.size(); ++i)
      if (!nodes_[i].removed) f(nodes_[i]);
  }
  // Pre-sizes the lookup table for about N entries.
  void reserve(size_t n);
  // A hint: the path of hash PATH_HASH (PathIndex::hash) is about to be
  // added or looked up (loads its index slot).
  void prefetch(uint64_t path_hash) const { index_.prefetch(path_hash); }
  // A hint: K more nodes are about to be added; asks for the lines of the
  // K-th one for writing (a node is written into memory the previous replay
  // left, or fresh: without the hint each of its lines waits on memory
  // when insert() first stores into it).
  void prefetch_node_ahead(size_t k) const {
    if (const Node* n = nodes_.slot_ahead(k)) {
      const char* p = reinterpret_cast<const char*>(n);
      for (size_t off = 0; off < sizeof(Node); off += 64) prefetch_for_write(p + off);
    }
  }

 private:
  // PREFETCHW where the CPU has it (a plain prefetch elsewhere).
  static void prefetch_for_write(const char* p) {
#if defined(__x86_64__)
    asm volatile("prefetchw %0" : : "m"(*p));
#else
    __builtin_prefetch(p, 1, 3);
#endif
  }
  // Looks PATH up; on failure says why it cannot be added (see can_add).
  // HOLE: where the index would put PATH (PathIndex::find).
  Status check_new(std::string_view path, uint64_t hash, NodeId& parent, size_t* hole = nullptr) const;
  // check_new() after the path rules (unless PATH_CHECKED); sets HASH (to
  // the caller's nonzero HASH, or computes it).
  Status check_insert(std::string_view path, bool path_checked, uint64_t& hash, NodeId& parent, size_t& hole) const;
  // Appends an empty node under PARENT, indexed under HASH at HOLE (what
  // check_insert() gave); the caller fills it.
  Node& insert(uint64_t hash, NodeId parent, size_t hole);
  uint32_t lookup(std::string_view path) const;

  StableVector<Node> nodes_;  // nodes never move
  PathIndex index_;
  size_t files_ = 0;
  size_t removed_ = 0;        // nodes a DELETE removed
  bool meta_logged_ = false;  // a MKDIR ".meta" entry gave .meta its metadata
  uint64_t sum_sizes_ = 0;
  // The parent check_new() found last (see there).
  mutable std::string parent_cache_path_;
  mutable uint32_t parent_cache_id_ = PathIndex::kNone;
};

}  // namespace famfs

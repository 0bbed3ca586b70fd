// What replaying the log produces: the namespace, the allocator's view of
// used space, and every problem met on the way. Replay on a client and the
// master's own appends go through apply(), so both build the same state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/allocator.h"
#include "engine/namespace.h"
#include "omf/log_entry.h"
#include "omf/problem.h"
#include "omf/superblock.h"

namespace famfs {

// What apply() did with one entry.
enum class ApplyOutcome { added_file, added_directory, removed, ignored, rejected };

// A node a DELETE entry removed, for the mount backend and signals.
struct RemovedNode {
  NodeId id = 0;
  std::string path;
  bool is_dir = false;
  uint64_t delete_index = 0;
};

class ReplayedState {
 public:
  explicit ReplayedState(const omf::Geometry& geo);

  // Applies the decoded entry at log slot INDEX (or records its decode
  // problem). Rules: a file whose map is invalid, out of range, or overlaps
  // space already used is rejected; an entry whose path exists or whose
  // parent is missing is rejected. A rejected entry with a valid CRC still
  // claims the in-range part of its map, so its space is never handed out
  // again. ADD_DAXDEV is ignored. DELETE (docs/delete.md), when deletion is
  // enabled: the node at its path must be the one it names (creating log
  // index, kind, size and map; a directory must be empty), else it is
  // rejected (bad_delete) and changes nothing; a file's units become
  // pending release in the allocator, never free at once. Without deletion
  // enabled, DELETE is reported as unsupported and changes nothing.
  // When a node was added, its id is stored in *ADDED_ID (if given) and
  // queued for take_added().
  // PATH_HASH: path_hash(DECODED) if the caller has it, else 0.
  ApplyOutcome apply(uint64_t index, std::variant<omf::LogEntry, Problem>&& decoded, NodeId* added_id = nullptr,
                     uint64_t path_hash = 0);
  // The hash of DECODED's path (PathIndex::hash), 0 if it has none.
  static uint64_t path_hash(const std::variant<omf::LogEntry, Problem>& decoded);
  // A hint before apply() of an entry with path hash PATH_HASH: loads what
  // its path lookup will touch.
  void prefetch(uint64_t path_hash) const { names_.prefetch(path_hash); }
  // A hint: about K more entries will add a node; asks for the memory the
  // K-th node will be written to.
  void prefetch_node_ahead(size_t k) const { names_.prefetch_node_ahead(k); }
  // Pre-sizes for about N more entries (a full replay).
  void reserve(size_t n);
  // Why DELETE X at log index INDEX does not match this state, or nullopt
  // (the master checks its own entry with it before logging).
  std::optional<std::string> delete_mismatch(const omf::DeleteEntry& x) const;
  // Records a problem not tied to one entry's content (header, memory error).
  void report(Problem problem);
  // The ids of the nodes apply() added since the last call, in log order
  // (replay and local appends alike): what a mount backend must publish.
  std::vector<NodeId> take_added();
  // The nodes DELETE entries removed since the last call, in log order.
  std::vector<RemovedNode> take_removed();
  // Whether DELETE entries are applied: the host area's delete feature
  // (on/off), or unknown when the area's header does not validate. Unknown
  // turns on at the first DELETE entry: only a master of a file system
  // formatted with deletion writes one (reference masters never do), and a
  // host that ignored it would keep showing a file whose memory the master
  // may hand out again (docs/delete.md).
  enum class DeleteFeature { off, on, unknown };
  void set_delete_feature(DeleteFeature f) { delete_feature_ = f; }
  DeleteFeature delete_feature() const { return delete_feature_; }
  bool delete_enabled() const { return delete_feature_ == DeleteFeature::on; }
  // The index of the DELETE entry that turned an unknown feature on (0: none).
  uint64_t delete_inferred_at() const { return delete_inferred_at_; }

  const omf::Geometry& geometry() const { return geo_; }
  const Namespace& names() const { return names_; }
  Namespace& names() { return names_; }
  Allocator& allocator() { return alloc_; }
  const Allocator& allocator() const { return alloc_; }
  const std::vector<Problem>& problems() const { return problems_; }
  // Counts of problems by class, for fsck's summary.
  uint64_t bad_entries() const { return bad_entries_; }
  uint64_t crosslinks() const { return crosslinks_; }

 private:
  omf::Geometry geo_;
  Namespace names_;
  Allocator alloc_;
  std::vector<Problem> problems_;
  std::vector<NodeId> added_;
  std::vector<RemovedNode> removed_;
  DeleteFeature delete_feature_ = DeleteFeature::off;
  uint64_t delete_inferred_at_ = 0;
  uint64_t bad_entries_ = 0;
  uint64_t crosslinks_ = 0;
};

}  // namespace famfs

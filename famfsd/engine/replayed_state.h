// What replaying the log produces: the namespace, the allocator's view of
// used space, and every problem met on the way. Replay on a client and the
// master's own appends go through apply(), so both build the same state.
#pragma once

#include <cstdint>
#include <variant>
#include <vector>

#include "engine/allocator.h"
#include "engine/namespace.h"
#include "omf/log_entry.h"
#include "omf/problem.h"
#include "omf/superblock.h"

namespace famfs {

// What apply() did with one entry.
enum class ApplyOutcome { added_file, added_directory, ignored, rejected };

class ReplayedState {
 public:
  explicit ReplayedState(const omf::Geometry& geo);

  // Applies the decoded entry at log slot INDEX (or records its decode
  // problem). Rules: a file whose map is invalid, out of range, or overlaps
  // space already used is rejected; an entry whose path exists or whose
  // parent is missing is rejected. A rejected entry with a valid CRC still
  // claims the in-range part of its map, so its space is never handed out
  // again. ADD_DAXDEV is ignored; DELETE is reported as unsupported.
  // When a node was added, its id is stored in *ADDED_ID (if given) and
  // queued for take_added().
  ApplyOutcome apply(uint64_t index, std::variant<omf::LogEntry, Problem>&& decoded, NodeId* added_id = nullptr);
  // Records a problem not tied to one entry's content (header, memory error).
  void report(Problem problem);
  // The ids of the nodes apply() added since the last call, in log order
  // (replay and local appends alike): what a mount backend must publish.
  std::vector<NodeId> take_added();

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
  uint64_t bad_entries_ = 0;
  uint64_t crosslinks_ = 0;
};

}  // namespace famfs

#include "engine/replayed_state.h"

#include <string>

namespace famfs {

ReplayedState::ReplayedState(const omf::Geometry& geo) : geo_(geo), alloc_(geo) {}

void ReplayedState::report(Problem problem) { problems_.push_back(std::move(problem)); }

std::vector<NodeId> ReplayedState::take_added() {
  std::vector<NodeId> out;
  out.swap(added_);
  return out;
}

static ProblemKind kind_of(Errc code) {
  switch (code) {
    case Errc::exists: return ProblemKind::duplicate;
    case Errc::invalid_argument: return ProblemKind::invalid_path;
    default: return ProblemKind::orphan;  // not_found, not_directory
  }
}

ApplyOutcome ReplayedState::apply(uint64_t index, std::variant<omf::LogEntry, Problem>&& decoded, NodeId* added_id) {
  if (auto* p = std::get_if<Problem>(&decoded)) {
    p->index = index;
    ++bad_entries_;
    problems_.push_back(std::move(*p));
    return ApplyOutcome::rejected;
  }
  auto& entry = std::get<omf::LogEntry>(decoded);
  auto reject = [&](ProblemKind kind, std::string msg) {
    ++bad_entries_;
    problems_.push_back(Problem{index, kind, std::move(msg)});
    return ApplyOutcome::rejected;
  };

  if (auto* file = std::get_if<omf::FileEntry>(&entry.body)) {
    auto map_problem = omf::check_file_map(file->map, file->size, geo_);
    // Claimed even when rejected: that space stays reserved. The units that
    // were in use already (by another file, or by an earlier extent of this
    // map) are the cross-link: one pass over the bitmap, not a check and a claim.
    uint64_t overlap = alloc_.claim(file->map);
    if (map_problem) return reject(map_problem->kind, file->path + ": " + map_problem->message);
    if (overlap) {
      ++crosslinks_;
      return reject(ProblemKind::crosslink,
                    file->path + ": " + std::to_string(overlap) +
                        " allocation unit(s) already belong to another file");
    }
    auto added = names_.add_file(std::move(*file), index, /*path_checked=*/true);
    if (!added) return reject(kind_of(added.error().code()), added.error().message());
    added_.push_back(*added);
    if (added_id) *added_id = *added;
    return ApplyOutcome::added_file;
  }
  if (auto* dir = std::get_if<omf::MkdirEntry>(&entry.body)) {
    auto added = names_.add_directory(*dir, index, /*path_checked=*/true);
    if (!added) return reject(kind_of(added.error().code()), added.error().message());
    added_.push_back(*added);
    if (added_id) *added_id = *added;
    return ApplyOutcome::added_directory;
  }
  if (std::holds_alternative<omf::DeleteEntry>(entry.body))
    return reject(ProblemKind::unsupported_entry,
                  "DELETE entry (defined by the format, never written by the reference) ignored");
  return ApplyOutcome::ignored;  // ADD_DAXDEV: single-device volumes only
}

}  // namespace famfs

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

std::vector<RemovedNode> ReplayedState::take_removed() {
  std::vector<RemovedNode> out;
  out.swap(removed_);
  return out;
}

std::optional<std::string> ReplayedState::delete_mismatch(const omf::DeleteEntry& x) const {
  const Node* n = names_.find(x.path);
  if (!n) return x.path + " does not exist";
  if (Namespace::implicit(*n)) return x.path + " has no log entry and cannot be removed";
  if (n->is_dir != x.directory)
    return x.path + " is a " + (n->is_dir ? "directory" : "file") + ", the DELETE names a " +
           (x.directory ? "directory" : "file");
  if (n->log_index != x.target_index)
    return x.path + " was created by entry " + std::to_string(n->log_index) + ", the DELETE names entry " +
           std::to_string(x.target_index);
  if (n->is_dir) {
    if (!n->children.empty())
      return "directory " + x.path + " is not empty (" + std::to_string(n->children.size()) + " entries)";
    return std::nullopt;
  }
  if (n->size != x.size || !(n->map == x.map))
    return x.path + ": the DELETE's size or map differs from the file's (size " + std::to_string(n->size) + " vs " +
           std::to_string(x.size) + ")";
  if (uint64_t bad = alloc_.unholdable(x.map))
    return x.path + ": " + std::to_string(bad) + " of its allocation unit(s) are free or pending release already";
  return std::nullopt;
}

uint64_t ReplayedState::path_hash(const std::variant<omf::LogEntry, Problem>& decoded) {
  const auto* entry = std::get_if<omf::LogEntry>(&decoded);
  if (!entry) return 0;
  if (const auto* f = std::get_if<omf::FileEntry>(&entry->body)) return PathIndex::hash(f->path);
  if (const auto* d = std::get_if<omf::MkdirEntry>(&entry->body)) return PathIndex::hash(d->path);
  if (const auto* x = std::get_if<omf::DeleteEntry>(&entry->body)) return PathIndex::hash(x->path);
  return 0;
}

void ReplayedState::reserve(size_t n) {
  names_.reserve(names_.id_limit() + n);
  added_.reserve(added_.size() + n);
}

static ProblemKind kind_of(Errc code) {
  switch (code) {
    case Errc::exists: return ProblemKind::duplicate;
    case Errc::invalid_argument: return ProblemKind::invalid_path;
    default: return ProblemKind::orphan;  // not_found, not_directory
  }
}

ApplyOutcome ReplayedState::apply(uint64_t index, std::variant<omf::LogEntry, Problem>&& decoded, NodeId* added_id,
                                  uint64_t path_hash) {
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
                    file->path + ": " + std::to_string(overlap) + " allocation unit(s) already belong to another file");
    }
    auto added = names_.add_file(std::move(*file), index, /*path_checked=*/true, path_hash);
    if (!added) return reject(kind_of(added.error().code()), added.error().message());
    added_.push_back(*added);
    if (added_id) *added_id = *added;
    return ApplyOutcome::added_file;
  }
  if (auto* dir = std::get_if<omf::MkdirEntry>(&entry.body)) {
    auto added = names_.add_directory(*dir, index, /*path_checked=*/true, path_hash);
    if (!added) return reject(kind_of(added.error().code()), added.error().message());
    added_.push_back(*added);
    if (added_id) *added_id = *added;
    return ApplyOutcome::added_directory;
  }
  if (auto* del = std::get_if<omf::DeleteEntry>(&entry.body)) {
    if (delete_feature_ == DeleteFeature::unknown) {
      delete_feature_ = DeleteFeature::on;
      delete_inferred_at_ = index;
    }
    if (delete_feature_ != DeleteFeature::on)
      return reject(ProblemKind::unsupported_entry,
                    "DELETE of " + del->path +
                        " ignored: this file system was not formatted with deletion enabled (--enable-delete)");
    if (auto why = delete_mismatch(*del)) return reject(ProblemKind::bad_delete, "DELETE " + *why);
    NodeId id = *names_.find_id(del->path);
    Status removed = names_.remove(id);
    if (!removed) return reject(ProblemKind::bad_delete, "DELETE " + removed.error().message());
    if (!del->directory) alloc_.hold(del->map, index, del->path);
    removed_.push_back(RemovedNode{id, del->path, del->directory, index});
    return ApplyOutcome::removed;
  }
  return ApplyOutcome::ignored;  // ADD_DAXDEV: single-device volumes only
}

}  // namespace famfs

// Instance deletion (docs/delete.md): Remove on the master, removals
// replayed from the log taken out of the mount, and the cross-host grace
// period: a removed file's space is freed only when every live host in the
// registry has released past its DELETE entry.
#include <algorithm>
#include <string>

#include "service/instance.h"
#include "service/log.h"

namespace famfs::service {

Result<uint32_t> Instance::remove(const std::vector<NodeId>& plan) {
  FAMFS_TRY(require_volume());
  FAMFS_TRY(lock_log());
  auto removed = volume_->remove_nodes(plan);
  unlock_log();
  if (!removed) {
    (void)publish_new_nodes();  // entries of another writer it replayed first
    return note(removed.error());
  }
  Status p = publish_new_nodes();
  settle_state();
  figures_changed();
  if (!p) return Error(p.error().code(), "logged, but not removed from the mount: " + p.error().message());
  return static_cast<uint32_t>(removed->size());
}

Status Instance::unpublish_removed_nodes() {
  Status first = ok_status();
  for (const RemovedNode& r : volume_->take_removed_nodes()) {
    Status s = mounted_ ? backend_->unpublish(r) : ok_status();
    if (!s) {
      log_msg(LogLevel::err, "%s: cannot remove %s from the mount: %s", settings_.instance_name.c_str(), r.path.c_str(),
              s.error().message().c_str());
      publish_problems_.push_back(
          Problem{r.delete_index, ProblemKind::publish_failed, "not removed from the mount: " + s.error().message()});
      if (first) first = s;
    }
    if (r.is_dir) {
      if (events_.directory_removed) events_.directory_removed(r.path);
    } else if (events_.file_removed) {
      events_.file_removed(r.path);
    }
  }
  return first;
}

uint64_t Instance::released_index() const {
  if (!volume_) return 0;
  uint64_t applied = volume_->log_entries();
  auto held = mounted_ ? backend_->oldest_referenced_delete() : std::nullopt;
  return held ? std::min(*held, applied) : applied;
}

void Instance::release_pending() {
  if (!volume_ || !presence_ || volume_->role() != Role::master || !volume_->delete_enabled()) return;
  if (!presence_->slot() || !presence_->area_problem().empty()) return;  // no registry view yet: never guess
  if (volume_->state().allocator().pending_bytes() == 0) return;
  // A slot that does not validate may be a host whose slot was damaged: it
  // holds everything until it validates again or root clears it.
  if (!presence_->damaged_slots().empty()) return;
  // After this host re-initialized a damaged area: hosts registered before
  // hold until they register again (or are forgotten); others get a while.
  if (!presence_->carried().empty() || presence_->settling_after_reinit()) return;
  uint64_t point = released_index();
  for (const HostView& h : presence_->hosts()) {
    if (h.slot == *presence_->slot() || h.state == "stopped") continue;
    point = std::min(point, h.released);  // stale hosts too: they hold until they catch up or are forgotten
  }
  uint64_t freed = volume_->release_before(point);
  if (freed) {
    log_msg(LogLevel::info, "%s: %llu bytes of removed files released by every host (entries below %llu)",
            settings_.instance_name.c_str(), static_cast<unsigned long long>(freed),
            static_cast<unsigned long long>(point));
    figures_changed();
  }
}

std::vector<Instance::HeldFile> Instance::pending_release() const {
  std::vector<HeldFile> out;
  if (!volume_) return out;
  for (const auto& v : volume_->state().allocator().pending()) {
    HeldFile f{v.record->path, v.record->delete_index, v.bytes, {}};
    const uint64_t d = f.delete_index;
    if (presence_) {
      for (const HostView& h : presence_->hosts()) {
        if (presence_->slot() && h.slot == *presence_->slot()) continue;
        if (h.state == "stopped" || h.released > d) continue;
        std::string who = h.hostname + " (" + h.system_uuid + ")";
        std::string why = h.applied <= d ? who + " has not applied entry " + std::to_string(d) + " (applied " +
                                               std::to_string(h.applied) + ")"
                                         : who + " still has " + f.path + " open or mapped";
        if (h.state == "stale") why += "; it is stale (famfsctl hosts forget " + h.system_uuid + " releases it)";
        f.held_by.push_back(std::move(why));
      }
      for (const HostView& h : presence_->carried())
        f.held_by.push_back(h.hostname + " (" + h.system_uuid +
                            ") was registered before the host area was re-initialized and has not registered again "
                            "(famfsctl hosts forget " +
                            h.system_uuid + " releases it)");
      if (presence_->settling_after_reinit())
        f.held_by.push_back("the host area was just re-initialized: hosts get 5 heartbeats to register again");
      for (const auto& [slot, why] : presence_->damaged_slots())
        f.held_by.push_back("host slot " + std::to_string(slot) + " does not validate (" + why +
                            "): it may be a host (famfsctl hosts forget " + std::to_string(slot) + " clears it)");
      if (presence_->slot()) {
        const uint64_t mine = released_index();
        if (mine <= d) f.held_by.push_back("this host still has " + f.path + " open or mapped");
      } else {
        f.held_by.push_back("this host has not read the host registry yet");
      }
    }
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace famfs::service

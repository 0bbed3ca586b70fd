// Instance: CopyIn's two steps (prepare, then commit or abandon), and the
// commit of many finished copies as one batch.
#include "engine/file_layout.h"
#include "service/instance.h"

namespace famfs::service {

Status zero_copy_tail(Device& dev, const PendingFile& pending) {
  const uint64_t mapped = pending.map.mapped_bytes();
  if (mapped <= pending.request.size) return ok_status();
  // Zero [size, mapped) of the file: whatever device bytes hold that tail.
  Status zeroed = ok_status();
  for_each_segment(pending.map, pending.request.size, mapped, [&](const FileSegment& s) {
    zeroed = dev.zero(s.device_offset, s.len);
    return zeroed.ok();
  });
  return zeroed;
}

Result<PendingFile> Instance::prepare_copy(const FileRequest& request, bool zero_tail) {
  FAMFS_TRY(require_volume());
  // The copy overwrites [0, size); only the allocation's tail needs zeroing.
  FAMFS_TRY(lock_log());  // released by commit_copy or abandon_copy
  auto pending = volume_->prepare_file(request, false);
  (void)publish_new_nodes();  // entries of another writer it replayed first
  if (!pending) {
    unlock_log();
    return note(pending.error());
  }
  if (zero_tail) {
    if (Status zeroed = zero_copy_tail(*device_, *pending); !zeroed) {
      abandon_copy(std::move(pending.value()));
      return note(zeroed.error());
    }
  }
  return pending;
}

Status Instance::commit_copy(PendingFile&& pending) {
  Status ready = require_volume();
  if (!ready) {
    abandon_copy(std::move(pending));
    return ready;
  }
  auto id = volume_->commit_file(std::move(pending));
  unlock_log();
  if (!id) {
    (void)publish_new_nodes();
    return note(id.error());
  }
  Status p = publish_new_nodes();
  settle_state();
  figures_changed();
  return published(p);
}

void Instance::abandon_copy(PendingFile&& pending) {
  if (volume_) volume_->abandon_file(std::move(pending));
  unlock_log();
  figures_changed();
}

Result<std::vector<Status>> Instance::commit_copies(std::vector<PendingFile>&& files) {
  Status ready = require_volume();
  if (ready) {
    ready = volume_->begin_batch();
    if (!ready) (void)publish_new_nodes();  // entries of another writer it replayed first
  }
  if (!ready) {
    for (PendingFile& f : files) abandon_copy(std::move(f));
    return note(ready.error());
  }
  std::vector<Status> out(files.size(), ok_status());
  std::vector<std::pair<size_t, NodeId>> logged;
  for (size_t i = 0; i < files.size(); ++i) {
    auto id = volume_->batch_prepared(std::move(files[i]));
    if (id)
      logged.emplace_back(i, *id);
    else
      out[i] = note(id.error());
  }
  // Each prepared copy held the log lock since prepare_copy().
  finish_batch(out, logged, static_cast<int>(files.size()));
  return out;
}

}  // namespace famfs::service

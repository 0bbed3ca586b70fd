// Volume batches: many entries, one append sequence, one header commit.
#include <cstdio>
#include <string>

#include "engine/log_writer.h"
#include "engine/volume.h"

namespace famfs {

Status Volume::begin_batch() {
  if (batch_) return Error(Errc::busy, "a batch is in progress already");
  FAMFS_TRY(check_writable());
  auto first = check_append_point(dev_, sb_.geometry, cursor_);
  if (!first) {
    if (first.error().code() == Errc::memory_error) fatal_ = first.error();
    return first.error();
  }
  batch_ = Batch{*first, *first, std::nullopt};
  return ok_status();
}

Result<NodeId> Volume::batch_entry(omf::LogEntry&& entry) {
  const uint64_t index = batch_->next;
  Status written = write_entry_slot(dev_, sb_.geometry, index, entry);
  if (!written) {
    // Nothing after a failed slot may be logged: the slots must stay contiguous.
    if (written.error().code() == Errc::memory_error) batch_->failed = written.error();
    return written.error();
  }
  NodeId added = kRootNode;
  auto outcome = state_.apply(index, std::variant<omf::LogEntry, Problem>(std::move(entry)), &added);
  ++batch_->next;
  cursor_.advance_to(batch_->next);
  if (outcome == ApplyOutcome::rejected)  // a bug: the item was validated before it was written
    return Error(Errc::corrupt, "entry " + std::to_string(index) +
                                    " was written but rejected on apply: " + state_.problems().back().message);
  return added;
}

Result<NodeId> Volume::batch_file(const FileRequest& request, bool zero) {
  if (!batch_) return Error(Errc::invalid_argument, "no batch in progress");
  if (batch_->failed) return *batch_->failed;
  if (batch_->next > sb_.geometry.last_index())
    return Error(Errc::log_full, "log full: all " + std::to_string(log_capacity()) + " entries used");
  auto pending = allocate_for(request, zero);
  if (!pending) {
    if (pending.error().code() == Errc::memory_error) batch_->failed = pending.error();
    return pending.error();
  }
  return batch_entry(file_entry_to_apply(request, std::move(pending->map)));
}

Result<NodeId> Volume::batch_prepared(PendingFile&& pending) {
  Status ready =
      !batch_          ? Status(Error(Errc::invalid_argument, "no batch in progress"))
      : batch_->failed ? Status(*batch_->failed)
      : batch_->next > sb_.geometry.last_index()
          ? Status(Error(Errc::log_full, "log full: all " + std::to_string(log_capacity()) + " entries used"))
          : state_.names().can_add(pending.request.path);
  if (!ready) {
    abandon_file(std::move(pending));
    return ready.error();
  }
  return batch_entry(file_entry_to_apply(pending.request, std::move(pending.map)));
}

Result<NodeId> Volume::batch_directory(const DirRequest& request) {
  if (!batch_) return Error(Errc::invalid_argument, "no batch in progress");
  if (batch_->failed) return *batch_->failed;
  if (batch_->next > sb_.geometry.last_index())
    return Error(Errc::log_full, "log full: all " + std::to_string(log_capacity()) + " entries used");
  FAMFS_TRY(state_.names().can_add(request.path));
  if (request.mode & ~07777u) {
    char mode[16];
    snprintf(mode, sizeof mode, "0%o", request.mode);
    return Error(Errc::invalid_argument, std::string("mode ") + mode + " has bits beyond 07777");
  }
  return batch_entry(omf::LogEntry{0, omf::MkdirEntry{request.uid, request.gid, request.mode, request.path}});
}

Result<uint64_t> Volume::end_batch() {
  if (!batch_) return Error(Errc::invalid_argument, "no batch in progress");
  Batch b = std::move(*batch_);
  batch_.reset();
  const uint64_t count = b.next - b.first;
  Status committed = commit_entry_slots(dev_, sb_.geometry, b.first, count);
  if (!committed) {
    // The header may or may not have moved: stop writing until a new open() replays.
    fatal_ = committed.error();
    return committed.error();
  }
  if (b.failed) fatal_ = b.failed;  // a slot could not be written: same uncertainty for what follows
  header_.next_index = header_.record.next_index = b.next;
  header_.record.next_seqnum = b.next;
  return count;
}

}  // namespace famfs

#include "engine/volume.h"

#include <cstdio>

#include "engine/host_registry.h"
#include "engine/log_writer.h"
#include "engine/superblock_read.h"
#include "omf/layout.h"
#include "util/size_parse.h"

namespace famfs {

namespace {
std::string octal(uint32_t v) {
  char b[16];
  snprintf(b, sizeof b, "%o", v);
  return b;
}
}  // namespace

const char* role_name(Role role) { return role == Role::master ? "master" : "client"; }

Volume::Volume(Device& dev, omf::ValidSuperblock sb, Role role)
    : dev_(dev), sb_(std::move(sb)), role_(role), owner_(role == Role::master), state_(sb_.geometry) {}

void Volume::refuse_writes(std::string why) {
  role_ = Role::client;
  refused_ = std::move(why);
}

void Volume::allow_writes() {
  if (!owner_) return;
  role_ = Role::master;
  refused_.clear();
}

Result<std::unique_ptr<Volume>> Volume::open(Device& dev, const Uuid& system_uuid) {
  auto sb = read_superblock(dev);
  if (!sb) return sb.error();
  Role role = sb->record.system_uuid == system_uuid ? Role::master : Role::client;
  std::unique_ptr<Volume> v(new Volume(dev, std::move(sb.value()), role));
  // Deletion is a property of the file system, recorded at format time in
  // the host area's header (docs/delete.md); with no valid header it is
  // unknown until the log shows a DELETE entry.
  auto area = read_host_area(dev, v->sb_.record.fs_uuid, /*slots=*/false);
  if (!area) return area.error();
  v->note_host_area_features(area->header ? std::optional<uint64_t>(area->header->features) : std::nullopt);
  auto stats = v->refresh();
  if (!stats) v->fatal_ = stats.error();
  return v;
}

void Volume::note_host_area_features(std::optional<uint64_t> features) {
  using F = ReplayedState::DeleteFeature;
  if (!features) {
    if (state_.delete_feature() != F::on) state_.set_delete_feature(F::unknown);
    return;
  }
  // A valid header is the record, except that a feature this host already
  // saw in use stays on (a master re-initializes a damaged area with it).
  if (*features & omf::kFeatureDelete)
    state_.set_delete_feature(F::on);
  else if (state_.delete_feature() != F::on)
    state_.set_delete_feature(F::off);
}

std::vector<Problem> Volume::problems() const {
  std::vector<Problem> all = sb_.warnings;
  all.insert(all.end(), state_.problems().begin(), state_.problems().end());
  return all;
}

Result<ReplayStats> Volume::refresh() {
  auto stats = cursor_.replay(dev_, state_);
  if (stats) header_ = stats->header;
  return stats;
}

Status Volume::check_writable() {
  if (role_ != Role::master && !refused_.empty()) return Error(Errc::not_master, refused_);
  if (role_ != Role::master)
    return Error(Errc::not_master, "this host is a client of " + sb_.record.fs_uuid.to_string() +
                                       "; only the master (system UUID " + sb_.record.system_uuid.to_string() +
                                       ") may change it");
  if (fatal_) return Error(fatal_->code(), "volume unusable: " + fatal_->message());
  if (!dev_.writable()) return Error(Errc::permission_denied, dev_.path() + " is open read-only");
  if (write_check_) FAMFS_TRY(write_check_());
  if (role_ != Role::master) return Error(Errc::not_master, refused_);  // the check found another holder
  auto stats = refresh();  // catch up first: never write over an unread entry
  if (!stats) return stats.error();
  if (cursor_.position() > sb_.geometry.last_index())
    return Error(Errc::log_full, "log full: all " + std::to_string(log_capacity()) + " entries used");
  return ok_status();
}

Result<PendingFile> Volume::prepare_file(const FileRequest& request, bool zero) {
  FAMFS_TRY(check_writable());
  return allocate_for(request, zero);
}

Status Volume::check_request(const FileRequest& request) const {
  if (request.size == 0)
    return Error(Errc::invalid_argument, "size 0: famfs files are pre-allocated and cannot be empty");
  if (request.mode & ~07777u)
    return Error(Errc::invalid_argument, "mode 0" + octal(request.mode) + " has bits beyond 07777");
  if (const auto& ilv = request.interleave) {
    if (ilv->nstrips < 1 || ilv->nstrips > omf::kMaxStrips)
      return Error(Errc::invalid_argument, "nstrips must be 1..16, not " + std::to_string(ilv->nstrips));
    const uint64_t au = sb_.geometry.alloc_unit;
    if (!omf::is_power_of_two(ilv->chunk_size) || ilv->chunk_size % au != 0)
      return Error(Errc::invalid_argument, "chunk_size must be a power-of-two multiple of " + size_text(au));
  }
  return ok_status();
}

Result<PendingFile> Volume::allocate_for(const FileRequest& request, bool zero) {
  FAMFS_TRY(check_request(request));
  FAMFS_TRY(state_.names().can_add(request.path));
  auto map = state_.allocator().allocate(request.size, request.interleave);
  if (!map) return map.error();
  PendingFile pending{request, std::move(map.value())};
  if (zero) {
    for (const omf::Extent& x : pending.map.extents) {
      Status s = dev_.zero(x.offset, x.len);
      if (!s) {
        abandon_file(std::move(pending));
        return s.error();
      }
    }
  }
  return pending;
}

void Volume::abandon_file(PendingFile&& pending) { state_.allocator().release(pending.map); }

Result<NodeId> Volume::append_and_apply(omf::LogEntry&& entry) {
  Status appended = append_entry(dev_, sb_.geometry, cursor_, entry);
  if (!appended) {
    // A memory error may strike between the entry and the header write: the
    // commit point is then unknown, so stop writing until a new open() replays.
    if (appended.error().code() == Errc::memory_error) fatal_ = appended.error();
    return appended.error();
  }
  uint64_t index = entry.seqnum;
  NodeId added = kRootNode;
  auto outcome = state_.apply(index, std::variant<omf::LogEntry, Problem>(std::move(entry)), &added);
  cursor_.advance_to(index + 1);
  header_.next_index = header_.record.next_index = index + 1;
  header_.record.next_seqnum = index + 1;
  if (outcome == ApplyOutcome::rejected)  // a bug: the request was validated before logging
    return Error(Errc::corrupt, "entry " + std::to_string(index) +
                                    " was logged but rejected on apply: " + state_.problems().back().message);
  return added;
}

omf::LogEntry Volume::file_entry_to_apply(const FileRequest& request, omf::FileMap map) {
  omf::FileEntry f;
  f.size = request.size;
  f.flags = request.flags;
  f.uid = request.uid;
  f.gid = request.gid;
  f.mode = request.mode;
  f.path = request.path;
  f.map = std::move(map);
  state_.allocator().release(f.map);
  return omf::LogEntry{0, std::move(f)};
}

Result<NodeId> Volume::commit_file(PendingFile&& pending) {
  Status ready = check_writable();
  if (ready) ready = state_.names().can_add(pending.request.path);
  if (!ready) {
    abandon_file(std::move(pending));
    return ready.error();
  }
  return append_and_apply(file_entry_to_apply(pending.request, std::move(pending.map)));
}

Result<NodeId> Volume::create_file(const FileRequest& request, bool zero) {
  auto pending = prepare_file(request, zero);
  if (!pending) return pending.error();
  return commit_file(std::move(pending.value()));
}

Result<NodeId> Volume::make_directory(const DirRequest& request) {
  FAMFS_TRY(check_writable());
  FAMFS_TRY(state_.names().can_add(request.path));
  if (request.mode & ~07777u)
    return Error(Errc::invalid_argument, "mode 0" + octal(request.mode) + " has bits beyond 07777");
  return append_and_apply(omf::LogEntry{0, omf::MkdirEntry{request.uid, request.gid, request.mode, request.path}});
}

}  // namespace famfs

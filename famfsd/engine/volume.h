// A mounted-in-user-space famfs volume: validated superblock, role, replayed
// state, and (on the master) file and directory creation.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "device/device.h"
#include "engine/allocator.h"
#include "engine/log_cursor.h"
#include "engine/replayed_state.h"
#include "omf/log_header.h"
#include "omf/superblock.h"
#include "util/result.h"
#include "util/uuid.h"

namespace famfs {

enum class Role { master, client };
const char* role_name(Role role);

struct FileRequest {
  std::string path;
  uint64_t size = 0;
  uint32_t mode = 0644, uid = 0, gid = 0;
  uint32_t flags = omf::kFlagAllHostsReadWrite;
  std::optional<InterleaveParams> interleave;
};

struct DirRequest {
  std::string path;
  uint32_t mode = 0755, uid = 0, gid = 0;
};

// Space allocated for a file that is not in the log yet. Commit it, or
// abandon it to give the space back. If the process dies first, the space
// was never logged, so it is free again at the next replay.
struct PendingFile {
  FileRequest request;
  omf::FileMap map;
};

class Volume {
 public:
  // Validates DEV's superblock (errors: not_famfs, corrupt, memory_error),
  // decides the role from SYSTEM_UUID, and replays the whole log. A log that
  // cannot be read (bad header, memory error) does not fail open(): the
  // volume comes back with fatal() set and only what was read before.
  static Result<std::unique_ptr<Volume>> open(Device& dev, const Uuid& system_uuid);

  const omf::ValidSuperblock& superblock() const { return sb_; }
  const omf::Geometry& geometry() const { return sb_.geometry; }
  Role role() const { return role_; }
  Device& device() { return dev_; }
  const ReplayedState& state() const { return state_; }
  // Problems: superblock warnings first, then replay's, in order found.
  std::vector<Problem> problems() const;
  // The error that stopped replay, if any (the volume then serves what it has).
  const std::optional<Error>& fatal() const { return fatal_; }
  // Header as last read (next_index clamped), for status and fsck.
  const omf::ValidLogHeader& log_header() const { return header_; }
  uint64_t log_entries() const { return cursor_.position(); }
  uint64_t log_capacity() const { return sb_.geometry.last_index() + 1; }

  // The single-writer rule: a host whose system UUID is the superblock's may
  // still be refused the master role by the host registry (another host with
  // that UUID holds it). owns_superblock() says whether the UUID matches.
  bool owns_superblock() const { return owner_; }
  // Writes refused from now on: role client; mutations answer not_master with WHY.
  void refuse_writes(std::string why);
  // Writes allowed again (role master) if this host owns the superblock.
  void allow_writes();
  // CHECK runs before every append (after the role check); its error refuses
  // the append. Empty: none.
  void set_write_check(std::function<Status()> check) { write_check_ = std::move(check); }

  // Replays entries appended since the last call (clients poll this).
  Result<ReplayStats> refresh();
  // The nodes added since the last call, in log order: by open()'s replay,
  // refresh(), and this host's own creates (including entries another
  // writer appended that a create replayed first).
  std::vector<NodeId> take_added_nodes() { return state_.take_added(); }

  // Master only. Allocates and zeroes (unless ZERO is false) space for
  // REQUEST after checking the path against the namespace. Errors:
  // not_master, invalid_argument, exists, not_found, not_directory,
  // no_space, log_full (checked early, nothing allocated), memory_error.
  Result<PendingFile> prepare_file(const FileRequest& request, bool zero);
  // Logs a prepared file (the commit point); its space stays allocated.
  // On failure the space is released and nothing is visible.
  Result<NodeId> commit_file(PendingFile&& pending);
  // Gives a prepared file's space back.
  void abandon_file(PendingFile&& pending);
  // prepare_file + commit_file.
  Result<NodeId> create_file(const FileRequest& request, bool zero = true);
  // Logs a directory. Errors as prepare_file (minus no_space).
  Result<NodeId> make_directory(const DirRequest& request);

  // Batches (master only; volume_batch.cc): many files and directories
  // logged with one append sequence and one header commit. begin_batch()
  // checks writability once (errors as prepare_file's first checks:
  // not_master, log_full, busy, corrupt, memory_error). Each batch_file() /
  // batch_directory() then validates its item as create_file() /
  // make_directory() do, allocates and zeroes, writes the entry into the
  // next slot (not committed) and applies it, so later items see it (a
  // file inside a directory of the same batch; a duplicate path is exists).
  // An item that fails uses no slot and no space; log_full once the slots
  // run out. end_batch() flushes the written slots as one range and commits
  // them all with one header write: before it other hosts see none of
  // them; this host's namespace shows them at once (single-threaded, the
  // event loop runs nothing in between). A memory error while writing or
  // committing makes the volume refuse writes until it is opened again
  // (the commit point is unknown), as for a single append.
  Status begin_batch();
  Result<NodeId> batch_file(const FileRequest& request, bool zero);
  Result<NodeId> batch_directory(const DirRequest& request);
  // A file prepared with prepare_file() (its bytes written meanwhile)
  // logged as the next entry of the batch: checked again as commit_file()
  // does (the path may exist by now), its space kept. On failure the space
  // is released and nothing is logged.
  Result<NodeId> batch_prepared(PendingFile&& pending);
  // Commits the batch; returns how many entries it logged.
  Result<uint64_t> end_batch();

  // Deletion (volume_remove.cc, docs/delete.md). Whether this file system
  // was formatted with deletion enabled (the host area's feature bit, read
  // at open()).
  bool delete_enabled() const { return state_.delete_enabled(); }
  // The host area header's features as read now (nullopt: no valid
  // header): deletion is on with the bit, off without it, unknown without a
  // header until a DELETE entry is replayed; once on it stays on.
  void note_host_area_features(std::optional<uint64_t> features);
  // The nodes removing PATH takes, children before their directory (a
  // directory's subtree in post-order when RECURSIVE). Errors:
  // unsupported (deletion not enabled: says why), invalid_argument (the
  // root, ".meta", path rules), not_found, not_empty (a directory with
  // entries and not RECURSIVE).
  Result<std::vector<NodeId>> removal_plan(const std::string& path, bool recursive) const;
  // Master only: logs one DELETE per node of PLAN (from removal_plan(), in
  // its order) as one batch, and applies them: the nodes leave the
  // namespace, files' space becomes pending release. Errors as
  // begin_batch(), and log_full when the plan needs more slots than are
  // left (nothing logged then). Returns the nodes removed.
  Result<std::vector<RemovedNode>> remove_nodes(const std::vector<NodeId>& plan);
  // The nodes removed since the last call (replay and local removes).
  std::vector<RemovedNode> take_removed_nodes() { return state_.take_removed(); }
  // Frees the space of every DELETE entry below BEFORE (every live host
  // has released past them). Returns the bytes freed.
  uint64_t release_before(uint64_t before) { return state_.allocator().release_before(before); }

 private:
  Volume(Device& dev, omf::ValidSuperblock sb, Role role);
  Status check_writable();
  // The rules of a file request (size at least 1 byte, mode bits within
  // 07777, nstrips 1..16 with a power-of-two multiple of the allocation
  // unit as chunk_size): invalid_argument naming the rule. A size beyond
  // the device is the allocator's no_space.
  Status check_request(const FileRequest& request) const;
  // prepare_file() without the writability check (the batch made it once).
  Result<PendingFile> allocate_for(const FileRequest& request, bool zero);
  Result<NodeId> append_and_apply(omf::LogEntry&& entry);
  // The FILE entry of REQUEST over MAP, with MAP handed back to the
  // allocator: apply() claims it again (one code path with replay), so if
  // the entry is never written the space is free again.
  omf::LogEntry file_entry_to_apply(const FileRequest& request, omf::FileMap map);

  // The batch in progress: its first slot, the next one, and the first
  // write error (which refuses the rest of the batch).
  struct Batch {
    uint64_t first = 0, next = 0;
    std::optional<Error> failed;
  };
  Result<NodeId> batch_entry(omf::LogEntry&& entry);

  Device& dev_;
  std::optional<Batch> batch_;
  omf::ValidSuperblock sb_;
  Role role_;
  bool owner_ = false;
  std::string refused_;
  std::function<Status()> write_check_;
  ReplayedState state_;
  LogCursor cursor_;
  omf::ValidLogHeader header_;
  std::optional<Error> fatal_;
};

}  // namespace famfs

// One famfsd instance: one device, its volume, its state and role. All
// D-Bus-independent logic of the daemon lives here, so it can be tested
// without a bus. Not thread safe: the event loop thread owns it; copy jobs
// only touch device memory of allocations this class handed them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "device/device.h"
#include "engine/volume.h"
#include "service/config.h"
#include "service/device_snapshot.h"
#include "service/host_presence.h"
#include "service/mount_backend.h"
#include "util/result.h"
#include "util/uuid.h"

namespace famfs::service {

enum class InstanceState { starting, unformatted, ready, degraded, failed, stopping };
const char* instance_state_name(InstanceState state);

// What the instance tells the outside world (the D-Bus layer) about.
struct InstanceEvents {
  std::function<void(const std::string& path, uint64_t size)> file_created;
  std::function<void(const std::string& path)> directory_created;
  std::function<void(const std::string& path)> file_removed;
  std::function<void(const std::string& path)> directory_removed;
  std::function<void(InstanceState state, const std::string& reason)> state_changed;
  // Counts, log figures or problems changed.
  std::function<void()> figures_changed;
  // Host registry (issue 12): hosts appearing, going stale, the master's
  // liveness. role_changed is handled by the instance itself.
  PresenceEvents presence;
};

struct InstanceSettings {
  std::string device_path;
  std::string instance_name;
  Uuid system_uuid;
  InstanceConfig config;
  // Who this host is in the host registry besides its system UUID.
  Uuid boot_id = {};
  std::string hostname = {};
};

// How an Instance opens its device (PATH, MODE); open_device() outside
// tests, a fake device in them.
using DeviceFactory = std::function<Result<std::unique_ptr<Device>>(const std::string& path, OpenMode mode)>;
// The device factory famfsd uses: open_device().
DeviceFactory default_device_factory();

// Zeroes the bytes of PENDING's allocation beyond its size (the part a copy
// does not overwrite), on DEV. Touches only the device: safe on a worker.
Status zero_copy_tail(Device& dev, const PendingFile& pending);

class Instance {
 public:
  // BACKEND: the mount backend (make_backend(), or a fake in tests);
  // OPEN_DEVICE: how start() opens settings.device_path.
  Instance(InstanceSettings settings, std::unique_ptr<MountBackend> backend, InstanceEvents events,
           DeviceFactory open_device = default_device_factory());
  ~Instance();

  // Opens the device, validates the superblock, decides the role, replays
  // the log and mounts. Ends in unformatted, ready, degraded or failed;
  // never throws for device trouble.
  void start();
  // Replays entries appended since the last call (clients call this every
  // poll interval). Returns how many entries were new. A device failure
  // moves the instance to failed.
  uint64_t poll();
  // Asks the backend whether the mount still serves; a mount famfs.ko shut
  // down (memory failure, vanished device) moves the instance to failed with
  // the reason. poll() does this too; the master's loop calls it every poll
  // interval while mounted.
  void check_mount();
  // Unmounts; state stopping.
  void stop();
  // The device went away (WHAT: the udev event, e.g. "remove of block device
  // pmem0"): shuts the mount down (FAMFSIOC_SHUTDOWN) and moves the instance
  // to failed with the reason, famfs.ko's too. stop() unmounts afterwards.
  void device_removed(const std::string& what);
  // Host registry heartbeat (every heartbeat_interval_ms): this host's slot,
  // the master record when it holds the master role, the others' liveness.
  void heartbeat();
  // The host registry, or null without a volume.
  const HostPresence* presence() const { return presence_.get(); }
  // Frees a dead host's slots (see HostPresence::forget).
  Result<uint32_t> forget_host(const Uuid& system_uuid);
  // Clears a host slot that does not validate (see HostPresence::forget_slot).
  Result<uint32_t> forget_slot(uint32_t slot);

  InstanceState state() const { return state_; }
  const std::string& state_reason() const { return reason_; }
  const InstanceSettings& settings() const { return settings_; }
  const MountBackend& backend() const { return *backend_; }
  // Null while unformatted or when the superblock was unreadable.
  const Volume* volume() const { return volume_.get(); }
  Device* device() { return device_.get(); }
  uint64_t device_size() const { return device_ ? device_->size() : 0; }
  // The volume's role, nullopt without a volume.
  std::optional<Role> role() const;
  // "master", "client" or "" (no volume): role() as text, for logs and the Role property.
  std::string role_name() const;
  // Volume problems, nodes the mount backend refused (publish_failed, with
  // the errno), plus the failure that made the instance fail (if any).
  std::vector<Problem> problems() const;

  // Master operations. Errors as Volume's, plus not_formatted-like errors:
  // unsupported (no volume), memory_error (device failed: state -> failed).
  // They return once the new nodes exist in the mount; a node the backend
  // refuses is logged already (it stays in the log and in Problems) and the
  // call fails with the backend's error, prefixed "logged, but not
  // published in the mount".
  Status format(uint64_t log_len, bool force, bool enable_delete = false);
  // Removes the nodes of PLAN (Volume::removal_plan(), permissions checked
  // by the caller) with one batch of DELETE entries; returns how many.
  Result<uint32_t> remove(const std::vector<NodeId>& plan);
  // Deletion (docs/delete.md): the removed files whose space is not free
  // yet, and why (one line per host holding each back).
  struct HeldFile {
    std::string path;
    uint64_t delete_index = 0, bytes = 0;
    std::vector<std::string> held_by;
  };
  std::vector<HeldFile> pending_release() const;
  Status create_file(const FileRequest& request, bool zero);
  // PARENTS: create missing parents, succeed if PATH is a directory already.
  Status make_directory(const DirRequest& request, bool parents);
  // One item of a batch: a file (zeroed when ZERO) or a directory.
  struct BatchItem {
    std::optional<FileRequest> file;
    bool zero = true;
    std::optional<DirRequest> directory;
  };
  // Creates COUNT items in one log batch (Volume::begin_batch): ITEM(i)
  // makes item i just before it is created, so its checks (permissions)
  // see the items before it, or returns nullopt to leave it out (the caller
  // recorded why). Returns one status per item (ok for those left out), or
  // the error that kept the whole batch from starting (not_master,
  // log_full, ...). When the commit fails every logged item gets its error.
  Result<std::vector<Status>> create_batch(size_t count, const std::function<std::optional<BatchItem>(size_t)>& item);
  // CopyIn in two steps: space is allocated (and any tail beyond the data
  // zeroed, unless ZERO_TAIL is false: then the caller zeroes it with
  // zero_copy_tail() before the commit, e.g. on a worker) now, committed
  // after the copy. Abandon on any failure.
  Result<PendingFile> prepare_copy(const FileRequest& request, bool zero_tail = true);
  Status commit_copy(PendingFile&& pending);
  void abandon_copy(PendingFile&& pending);
  // Commits FILES (prepared copies whose bytes are complete) with one log
  // append sequence and one header commit (Volume::batch_prepared). One
  // status per file, as create_batch's; a file that fails (its path exists
  // by now, log_full) gets its space back. The error that kept the whole
  // batch from starting gives every file's space back.
  Result<std::vector<Status>> commit_copies(std::vector<PendingFile>&& files);
  // Marks the instance failed because of ERROR seen by a worker (copy, read).
  void report_device_error(const Error& error);

 private:
  Status require_volume() const;
  // The result of a master operation whose entries are logged: STATUS of
  // the publish (see create_file's contract).
  static Status published(Status status);
  // Ends the batch begun by create_batch or commit_copies: commits it,
  // releases the log lock UNLOCKS times, answers OUT for the LOGGED items
  // (index, node) the commit or the mount refused, publishes.
  void finish_batch(std::vector<Status>& out, const std::vector<std::pair<size_t, NodeId>>& logged, int unlocks);
  void set_state(InstanceState state, std::string reason);
  void settle_state();
  // Publishes the nodes the volume added since the last call (to the backend
  // and the events). A node the backend refuses becomes a Problem; the first
  // such error is returned.
  Status publish_new_nodes();
  // Tells the listener that counts, log figures or problems changed.
  void figures_changed();
  // Records ERROR as the failure of the instance, of KIND (see problems()).
  void set_failure(ProblemKind kind, Error error);
  // The backend's log lock, counted: taken by the first of the master
  // operations in progress (a copy holds it from prepare to commit, since
  // its space is allocated but not logged yet), released by the last.
  Status lock_log();
  void unlock_log();
  // Turns memory errors into the failed state; returns ERROR unchanged.
  Error note(Error error);
  Status note(Status status);
  void open_volume();
  void start_presence();
  void note_presence(Status status);
  // Deletion (instance_remove.cc): takes the nodes DELETE entries removed
  // out of the mount and announces them; what this host has released up to
  // (published in its slot); on the master, frees the space every live
  // host has released.
  Status unpublish_removed_nodes();
  uint64_t released_index() const;
  void release_pending();

  InstanceSettings settings_;
  DeviceFactory open_device_;
  std::unique_ptr<MountBackend> backend_;
  InstanceEvents events_;
  std::unique_ptr<Device> device_;
  std::unique_ptr<Volume> volume_;
  std::unique_ptr<HostPresence> presence_;    // refers to volume_ and device_
  std::optional<DeviceSnapshot> log_header_;  // poll()'s last read of volume_'s log header
  std::string presence_error_;                // last registry error logged
  InstanceState state_ = InstanceState::starting;
  std::string reason_;
  // What failed the instance, and where (a memory error is always
  // memory_error; otherwise device, superblock, log_header or mount).
  std::optional<Error> failure_;
  ProblemKind failure_kind_ = ProblemKind::superblock;
  std::vector<Problem> publish_problems_;
  bool mounted_ = false;
  int log_lock_holders_ = 0;
};

}  // namespace famfs::service

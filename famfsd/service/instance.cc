#include "service/instance.h"

#include <unistd.h>

#include "engine/file_layout.h"
#include "engine/format.h"
#include "omf/log_header.h"
#include "omf/path_rules.h"
#include "service/log.h"

namespace famfs::service {

const char* instance_state_name(InstanceState state) {
  switch (state) {
    case InstanceState::starting: return "starting";
    case InstanceState::unformatted: return "unformatted";
    case InstanceState::ready: return "ready";
    case InstanceState::degraded: return "degraded";
    case InstanceState::failed: return "failed";
    case InstanceState::stopping: return "stopping";
  }
  return "unknown";
}

DeviceFactory default_device_factory() {
  return [](const std::string& path, OpenMode mode) { return open_device(path, mode); };
}

Instance::Instance(InstanceSettings settings, std::unique_ptr<MountBackend> backend, InstanceEvents events,
                   DeviceFactory open_device)
    : settings_(std::move(settings)),
      open_device_(std::move(open_device)),
      backend_(std::move(backend)),
      events_(std::move(events)) {}

Instance::~Instance() {
  if (mounted_) (void)backend_->unmount();
  presence_.reset();
  volume_.reset();  // the volume refers to the device
}

std::optional<Role> Instance::role() const {
  if (!volume_) return std::nullopt;
  return volume_->role();
}

std::string Instance::role_name() const { return volume_ ? famfs::role_name(volume_->role()) : ""; }

void Instance::set_failure(ProblemKind kind, Error error) {
  failure_kind_ = kind;
  failure_ = std::move(error);
}

std::vector<Problem> Instance::problems() const {
  std::vector<Problem> all;
  if (volume_) all = volume_->problems();
  all.insert(all.end(), publish_problems_.begin(), publish_problems_.end());
  if (failure_) {
    Problem p;
    p.kind = failure_->code() == Errc::memory_error ? ProblemKind::memory_error : failure_kind_;
    p.message = failure_->message();
    all.push_back(std::move(p));
  }
  return all;
}

void Instance::set_state(InstanceState state, std::string reason) {
  if (state == state_ && reason == reason_) return;
  state_ = state;
  reason_ = std::move(reason);
  LogLevel level = state == InstanceState::failed     ? LogLevel::err
                   : state == InstanceState::degraded ? LogLevel::warning
                                                      : LogLevel::notice;
  log_msg(level, "%s: state %s%s%s", settings_.instance_name.c_str(), instance_state_name(state),
          reason_.empty() ? "" : ": ", reason_.c_str());
  if (events_.state_changed) events_.state_changed(state_, reason_);
}

// ready or degraded from what the volume knows (never leaves failed).
void Instance::settle_state() {
  if (state_ == InstanceState::failed || state_ == InstanceState::stopping || !volume_) return;
  if (volume_->fatal()) {
    set_failure(ProblemKind::log_header,
                Error(volume_->fatal()->code(), "log unreadable: " + volume_->fatal()->message()));
    set_state(InstanceState::failed, failure_->message());
    return;
  }
  if (presence_ && !presence_->refusal().empty()) {  // single writer: another host holds the master role
    set_state(InstanceState::degraded, presence_->refusal());
    return;
  }
  auto problems = volume_->problems();
  problems.insert(problems.end(), publish_problems_.begin(), publish_problems_.end());
  if (problems.empty()) {
    set_state(InstanceState::ready, "");
  } else {
    set_state(InstanceState::degraded,
              std::to_string(problems.size()) + " problem(s) in the metadata, first: " + problems.front().message);
  }
}

Error Instance::note(Error error) {
  if (error.code() == Errc::memory_error && state_ != InstanceState::failed) {
    set_failure(ProblemKind::memory_error, error);
    set_state(InstanceState::failed, "device memory error: " + error.message());
    figures_changed();
  }
  return error;
}

Status Instance::note(Status status) {
  if (!status) return note(status.error());
  return status;
}

void Instance::figures_changed() {
  if (events_.figures_changed) events_.figures_changed();
}

void Instance::report_device_error(const Error& error) { (void)note(error); }

Status Instance::lock_log() {
  if (log_lock_holders_ == 0 && mounted_) FAMFS_TRY(backend_->lock_log());
  ++log_lock_holders_;
  return ok_status();
}

void Instance::unlock_log() {
  if (log_lock_holders_ > 0 && --log_lock_holders_ == 0 && mounted_) backend_->unlock_log();
}

void Instance::start() {
  auto dev = open_device_(settings_.device_path, OpenMode::read_write);
  if (!dev && dev.error().code() == Errc::permission_denied)
    dev = open_device_(settings_.device_path, OpenMode::read_only);
  if (!dev) {
    set_failure(ProblemKind::device, dev.error());
    set_state(InstanceState::failed, dev.error().message());
    return;
  }
  device_ = std::move(dev.value());
  open_volume();
}

void Instance::open_volume() {
  presence_.reset();
  volume_.reset();
  log_header_.reset();
  publish_problems_.clear();
  auto probe = probe_superblock(*device_);
  if (!probe) {
    set_failure(ProblemKind::device, probe.error());
    set_state(InstanceState::failed, probe.error().message());
    return;
  }
  if (probe->what == Probe::What::none) {
    set_state(InstanceState::unformatted, device_->path() + " holds no famfs file system");
    return;
  }
  auto vol = Volume::open(*device_, settings_.system_uuid);
  if (!vol) {
    set_failure(ProblemKind::superblock, vol.error());
    set_state(InstanceState::failed, "invalid superblock: " + vol.error().message());
    return;
  }
  volume_ = std::move(vol.value());
  log_header_.emplace(volume_->geometry().log_offset, omf::kLogHeaderSize);
  log_msg(LogLevel::info, "%s: file system %s, role %s, %llu log entries, %zu files, %zu directories",
          settings_.instance_name.c_str(), volume_->superblock().record.fs_uuid.to_string().c_str(),
          role_name().c_str(), static_cast<unsigned long long>(volume_->log_entries()),
          volume_->state().names().file_count(), volume_->state().names().directory_count());
  Status m = backend_->mount(*volume_);
  if (!m) {
    set_failure(ProblemKind::mount, m.error());
    set_state(InstanceState::failed, "mount failed: " + m.error().message());
    return;
  }
  mounted_ = true;
  if (backend_->mountpoint() != "")
    log_msg(LogLevel::info, "%s: mounted %s on %s (%s backend)", settings_.instance_name.c_str(),
            device_->path().c_str(), backend_->mountpoint().c_str(), backend_->name());
  (void)publish_new_nodes();
  start_presence();
  settle_state();
  figures_changed();
}

Status Instance::publish_new_nodes() {
  if (!volume_) return ok_status();
  // Removals first: a path removed and created again in one replay must end
  // as the new node (a node added and removed since the last call is not
  // published at all).
  Status first = unpublish_removed_nodes();
  const Namespace& ns = volume_->state().names();
  for (NodeId id : volume_->take_added_nodes()) {
    const Node& n = ns.node(id);
    if (n.removed) continue;
    Status s = mounted_ ? backend_->publish(*volume_, n) : ok_status();
    if (!s) {
      log_msg(LogLevel::err, "%s: cannot publish %s in the mount: %s", settings_.instance_name.c_str(), n.path.c_str(),
              s.error().message().c_str());
      publish_problems_.push_back(
          Problem{n.log_index, ProblemKind::publish_failed, "not published in the mount: " + s.error().message()});
      if (first) first = s;
    }
    if (Namespace::implicit(n)) continue;  // .meta: there from the start, created by nobody
    if (n.is_dir) {
      if (events_.directory_created) events_.directory_created(n.path);
    } else if (events_.file_created) {
      events_.file_created(n.path, n.size);
    }
  }
  return first;
}

Status Instance::published(Status status) {
  if (status) return status;
  return Error(status.error().code(), "logged, but not published in the mount: " + status.error().message());
}

void Instance::check_mount() {
  if (!mounted_ || state_ == InstanceState::failed || state_ == InstanceState::stopping) return;
  Status h = backend_->health();
  if (h) return;
  set_failure(ProblemKind::mount, h.error());
  set_state(InstanceState::failed, h.error().message());
  figures_changed();
}

uint64_t Instance::poll() {
  check_mount();
  if (!volume_ || state_ == InstanceState::failed || state_ == InstanceState::stopping) return 0;
  if (presence_) note_presence(presence_->watch());
  if (state_ == InstanceState::failed) return 0;
  // The same log header bytes as after the last refresh: nothing new, and
  // refresh() would find just that (no CRC or decode needed to know it). Any
  // other bytes, or a read error, go to refresh(), which judges them as ever.
  const bool header_read = log_header_ && log_header_->read(volume_->device());
  if (header_read && log_header_->matches_kept()) return 0;
  auto stats = volume_->refresh();
  if (!stats) {
    if (log_header_) log_header_->forget();
    Error e = stats.error();
    if (e.code() != Errc::memory_error) e = Error(e.code(), "log replay stopped: " + e.message());
    set_failure(ProblemKind::log_header, e);
    set_state(InstanceState::failed, e.message());
    figures_changed();
    return 0;
  }
  // Kept: the bytes refresh() validated and replayed to (its own read).
  if (log_header_) log_header_->keep(stats->header_bytes);
  if (stats->entries == 0) return 0;
  (void)publish_new_nodes();
  settle_state();
  figures_changed();
  return stats->entries;
}

void Instance::device_removed(const std::string& what) {
  std::string reason = "the device was removed (" + what + ")";
  if (mounted_) {
    Status s = backend_->shutdown();
    if (!s)
      log_msg(LogLevel::warning, "%s: shutting the mount down: %s", settings_.instance_name.c_str(),
              s.error().message().c_str());
    Status h = backend_->health();
    if (!h) reason += "; " + h.error().message();
  }
  failure_ = Error(Errc::memory_error, reason);
  set_state(InstanceState::failed, reason);
  figures_changed();
}

void Instance::stop() {
  set_state(InstanceState::stopping, "");
  // The mount first: with deletion on, a mount whose files are still in use
  // stays mounted (a lazily detached one would hide its users from every
  // later release), and then this host's slot must keep holding.
  bool left_in_use = false;
  if (mounted_) {
    auto s = backend_->stop_mount(volume_ && volume_->delete_enabled());
    if (!s)
      log_msg(LogLevel::err, "%s: unmount failed: %s", settings_.instance_name.c_str(), s.error().message().c_str());
    left_in_use = s && *s;
    mounted_ = false;
  }
  if (presence_) presence_->stop(!left_in_use);
}

Status Instance::require_volume() const {
  if (state_ == InstanceState::failed)
    return Error(failure_ ? failure_->code() : Errc::io_error,
                 "the instance failed: " + (failure_ ? failure_->message() : reason_));
  if (!volume_)
    return Error(Errc::unsupported, device_ ? device_->path() + " holds no famfs file system" : "no device");
  return ok_status();
}

Status Instance::format(uint64_t log_len, bool force, bool enable_delete) {
  if (!device_) return require_volume();
  if (state_ == InstanceState::failed && failure_ && failure_->code() == Errc::memory_error) return require_volume();
  FormatOptions opts;
  opts.log_len = log_len;
  opts.system_uuid = settings_.system_uuid;
  opts.dev_name = settings_.device_path;
  opts.force = force;
  opts.enable_delete = enable_delete;
  if (mounted_) {
    FAMFS_TRY(backend_->unmount());
    mounted_ = false;
  }
  auto sb = format_device(*device_, opts);
  if (!sb) {
    Error e = note(sb.error());
    if (volume_) {  // nothing was written: keep serving the old file system
      Status m = backend_->mount(*volume_);
      mounted_ = m.ok();
      if (!m) {
        log_msg(LogLevel::err, "%s: mount again after the refused format failed: %s", settings_.instance_name.c_str(),
                m.error().message().c_str());
      } else {
        publish_problems_.clear();
        volume_->state().names().for_each([&](const Node& n) {
          if (Status p = backend_->publish(*volume_, n); !p)
            publish_problems_.push_back(Problem{n.log_index, ProblemKind::publish_failed,
                                                "not published in the mount: " + p.error().message()});
        });
      }
    }
    return e;
  }
  failure_.reset();
  state_ = InstanceState::starting;
  open_volume();
  return ok_status();
}

Status Instance::create_file(const FileRequest& request, bool zero) {
  FAMFS_TRY(require_volume());
  FAMFS_TRY(lock_log());
  auto id = volume_->create_file(request, zero);
  unlock_log();
  if (!id) {
    (void)publish_new_nodes();  // entries of another writer it replayed first
    return note(id.error());
  }
  Status p = publish_new_nodes();
  settle_state();
  figures_changed();
  return published(p);
}

Result<std::vector<Status>> Instance::create_batch(size_t count,
                                                   const std::function<std::optional<BatchItem>(size_t)>& item) {
  FAMFS_TRY(require_volume());
  FAMFS_TRY(lock_log());
  if (Status begun = volume_->begin_batch(); !begun) {
    unlock_log();
    (void)publish_new_nodes();  // entries of another writer it replayed first
    return note(begun.error());
  }
  std::vector<Status> out(count, ok_status());
  std::vector<std::pair<size_t, NodeId>> logged;
  auto finish = [&] { finish_batch(out, logged, 1); };
  try {
    for (size_t i = 0; i < count; ++i) {
      std::optional<BatchItem> it = item(i);
      if (!it) continue;
      auto id = it->file ? volume_->batch_file(*it->file, it->zero) : volume_->batch_directory(*it->directory);
      if (id)
        logged.emplace_back(i, *id);
      else
        out[i] = note(id.error());
    }
  } catch (...) {
    finish();  // what was applied here must be committed, whatever ITEM threw
    throw;
  }
  finish();
  return out;
}

void Instance::finish_batch(std::vector<Status>& out, const std::vector<std::pair<size_t, NodeId>>& logged,
                            int unlocks) {
  auto committed = volume_->end_batch();
  for (int i = 0; i < unlocks; ++i) unlock_log();
  if (!committed) {
    Error e = note(committed.error());
    for (const auto& [i, id] : logged) out[i] = Error(e.code(), "not committed: " + e.message());
  }
  const size_t known = publish_problems_.size();
  (void)publish_new_nodes();
  // An item the mount refused is logged (every host sees it) but answers as CreateFile does then.
  for (size_t k = known; k < publish_problems_.size(); ++k)
    for (const auto& [i, id] : logged)
      if (volume_->state().names().node(id).log_index == publish_problems_[k].index)
        out[i] = Error(Errc::io_error, "logged, but " + publish_problems_[k].message);
  settle_state();
  figures_changed();
}

Status Instance::make_directory(const DirRequest& request, bool parents) {
  FAMFS_TRY(require_volume());
  Volume& vol = *volume_;
  if (auto why = omf::path_problem(request.path)) return Error(Errc::invalid_argument, *why);
  std::vector<std::string> todo;
  if (parents) {
    // Every missing ancestor, outermost first; existing directories are fine.
    for (std::string_view p = request.path; !p.empty(); p = omf::parent_path(p)) {
      const Node* n = vol.state().names().find(p);
      if (n && n->is_dir) break;
      if (n) return Error(Errc::not_directory, std::string(p) + " exists and is a file");
      todo.insert(todo.begin(), std::string(p));
    }
    if (todo.empty()) return ok_status();
  } else {
    todo.push_back(request.path);
  }
  FAMFS_TRY(lock_log());
  for (const std::string& path : todo) {
    DirRequest r = request;
    r.path = path;
    auto id = vol.make_directory(r);
    if (!id) {
      unlock_log();
      (void)publish_new_nodes();
      settle_state();
      figures_changed();
      return note(id.error());
    }
  }
  unlock_log();
  Status p = publish_new_nodes();
  settle_state();
  figures_changed();
  return published(p);
}

}  // namespace famfs::service

// ---- host registry (issue 12) ----

namespace famfs::service {

void Instance::start_presence() {
  PresenceSettings ps;
  ps.me.system_uuid = settings_.system_uuid;
  ps.me.boot_id = settings_.boot_id;
  ps.me.hostname = settings_.hostname.substr(0, omf::kHostnameLen);
  ps.me.pid = static_cast<uint32_t>(getpid());
  ps.interval_ms = settings_.config.heartbeat_interval_ms;
  ps.instance_name = settings_.instance_name;
  ps.released = [this] { return released_index(); };
  PresenceEvents ev = events_.presence;
  ev.role_changed = [this] {
    settle_state();
    figures_changed();
  };
  presence_ = std::make_unique<HostPresence>(*device_, *volume_, std::move(ps), std::move(ev));
  HostPresence* p = presence_.get();
  volume_->set_write_check([p] { return p->confirm_master(); });
  heartbeat();
}

void Instance::note_presence(Status status) {
  if (status) {
    presence_error_.clear();
    return;
  }
  if (status.error().code() == Errc::memory_error) {
    (void)note(status.error());
    return;
  }
  if (status.error().message() != presence_error_)
    log_msg(LogLevel::warning, "%s: host registry: %s", settings_.instance_name.c_str(),
            status.error().message().c_str());
  presence_error_ = status.error().message();
}

void Instance::heartbeat() {
  if (!presence_ || state_ == InstanceState::stopping) return;
  omf::HostState hs = state_ == InstanceState::failed     ? omf::HostState::failed
                      : state_ == InstanceState::degraded ? omf::HostState::degraded
                                                          : omf::HostState::ready;
  note_presence(presence_->beat(hs));
  release_pending();
}

Result<uint32_t> Instance::forget_host(const Uuid& system_uuid) {
  FAMFS_TRY(require_volume());
  if (!presence_) return Error(Errc::unsupported, "no host registry");
  return presence_->forget(system_uuid);
}

Result<uint32_t> Instance::forget_slot(uint32_t slot) {
  FAMFS_TRY(require_volume());
  if (!presence_) return Error(Errc::unsupported, "no host registry");
  return presence_->forget_slot(slot);
}

}  // namespace famfs::service

#include "service/daemon.h"

#include <grp.h>
#include <malloc.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstring>
#include <sdbus-c++/sdbus-c++.h>

#include "device/memory_guard.h"
#include "util/bus_name.h"
#include "service/filesystem_bus.h"
#include "service/job_bus.h"
#include "service/log.h"
#include "util/system_uuid.h"

namespace famfs::service {

namespace {

constexpr size_t kMaxWorkers = 32;               // transfers running at once (threads)
constexpr size_t kMaxQueued = 1024;              // transfers waiting for a worker; beyond: Busy
constexpr uint64_t kPropertiesEveryUs = 20'000;  // PropertiesChanged at most 50 times a second
constexpr uint64_t kJobLingerUs = 5'000'000;     // completed jobs stay visible this long
constexpr size_t kCallerCacheMax = 4096;
constexpr size_t kMaxReservations = 4096;  // finished copies waiting for CommitFiles
// After a burst of requests, idle memory goes back to the system at most this
// often (a 10,000-entry option map alone costs sd-bus ~10 MiB of small
// allocations, which glibc otherwise keeps for the life of the process).
constexpr uint64_t kTrimEveryUs = 1'000'000;

uint64_t now_us() { return monotonic_us(); }

// The loop's descriptors in its EventSet.
enum LoopTag : unsigned { kBusTag, kSignalTag, kWorkersTag, kHeartbeatTag, kWatchdogTag, kDeviceTag };
constexpr uint32_t bit(LoopTag t) { return 1u << t; }

void arm_timer(int fd, uint64_t interval_us) {
  itimerspec its{};
  its.it_interval.tv_sec = static_cast<time_t>(interval_us / 1'000'000);
  its.it_interval.tv_nsec = static_cast<long>((interval_us % 1'000'000) * 1000);
  its.it_value = its.it_interval;
  timerfd_settime(fd, 0, &its, nullptr);
}

// A timerfd hands over its whole count in one read.
void drain_fd(int fd) {
  uint64_t v;
  (void)!read(fd, &v, sizeof v);
}

}  // namespace

Daemon::Daemon(DaemonOptions options) : options_(std::move(options)), jobs_(kJobLingerUs) {
  instance_name_ = options_.instance.empty() ? default_instance_name(options_.device) : options_.instance;
}

Daemon::~Daemon() {
  workers_.reset();  // queued work holds job objects, which need the connection
  jobs_.clear();
  transfers_.reset();
  reservations_.reset();  // their space goes back (nothing of them was logged), before the instance goes
  object_.reset();
  instance_.reset();
  // Match slots and the bus proxy belong to the connection: gone before it.
  owner_watches_.clear();
  watches_.reset();
  connection_.reset();
  events_.reset();
  for (int fd : {signal_fd_, watchdog_fd_, heartbeat_fd_})
    if (fd >= 0) close(fd);
}

Status Daemon::load_configuration() {
  auto cfg = load_config(options_.config_path, options_.config_required);
  if (!cfg) return cfg.error();
  config_file_ = std::move(cfg.value());
  InstanceConfig c = config_file_.for_instance(instance_name_);
  if (options_.system_uuid) c.system_uuid = options_.system_uuid;
  if (options_.mountpoint) c.mountpoint = options_.mountpoint;
  if (options_.backend) c.backend = *options_.backend;
  if (options_.log_level) c.log_level = *options_.log_level;
  config_ = c;
  set_log_level(config_.log_level);
  famfs_gid_ = lookup_group(config_.famfs_group);
  return ok_status();
}

int Daemon::setup() {
  install_sigbus_handler();
  Status loaded = load_configuration();
  if (!loaded) {
    log_msg(LogLevel::err, "%s", loaded.error().message().c_str());
    return 1;
  }
  if (!famfs_gid_)
    log_msg(LogLevel::notice, "group '%s' does not exist: only root may change the file system",
            config_.famfs_group.c_str());
  auto uuid = resolve_system_uuid(config_.system_uuid);
  if (!uuid) {
    log_msg(LogLevel::err, "%s", uuid.error().message().c_str());
    return 1;
  }
  log_msg(LogLevel::info, "%s: device %s, system UUID %s (%s), config %s", instance_name_.c_str(),
          options_.device.c_str(), uuid->uuid.to_string().c_str(), uuid->source_name(), config_file_.source().c_str());

  std::string why;
  std::string mountpoint = config_.mountpoint.value_or("/run/famfs/" + instance_name_);
  BackendRequest request{config_.backend, options_.device, mountpoint, config_.client_files_writable};
  auto backend = make_backend(request, mount::make_linux_kernel_fs(), why);
  if (!backend) {
    log_msg(LogLevel::err, "%s", backend.error().message().c_str());
    return 1;
  }
  log_msg(LogLevel::info, "%s: backend %s (%s)", instance_name_.c_str(), (*backend)->name(), why.c_str());

  InstanceSettings settings{options_.device, instance_name_, uuid->uuid, config_};
  // Host registry identity: the kernel's boot id (or --boot-id) and hostname.
  if (options_.boot_id) {
    auto b = Uuid::parse(*options_.boot_id);
    if (!b) {
      log_msg(LogLevel::err, "--boot-id %s is not a UUID", options_.boot_id->c_str());
      return 1;
    }
    settings.boot_id = *b;
  } else if (auto b = read_boot_id()) {
    settings.boot_id = *b;
  } else {
    log_msg(LogLevel::warning, "%s; the host registry uses a nil boot id", b.error().message().c_str());
  }
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) == 0) settings.hostname = host;
  log_msg(LogLevel::info, "%s: host %s, boot id %s, heartbeat every %u ms", instance_name_.c_str(),
          settings.hostname.c_str(), settings.boot_id.to_string().c_str(), config_.heartbeat_interval_ms);
  // One famfsd per device on this host (this system UUID and boot).
  auto lock = InstanceLock::acquire(kInstanceLockDir, options_.device, uuid->uuid, settings.boot_id);
  if (!lock) {
    log_msg(LogLevel::err, "%s: %s", instance_name_.c_str(), lock.error().message().c_str());
    return 1;
  }
  instance_lock_ = std::move(lock.value());
  InstanceEvents events;
  events.file_created = [this](const std::string& p, uint64_t size) {
    if (object_) object_->file_created(p, size);
  };
  events.file_removed = [this](const std::string& p) {
    if (object_) object_->file_removed(p);
  };
  events.directory_removed = [this](const std::string& p) {
    if (object_) object_->directory_removed(p);
  };
  events.directory_created = [this](const std::string& p) {
    if (object_) object_->directory_created(p);
  };
  events.state_changed = [this](InstanceState s, const std::string& reason) {
    if (object_) object_->state_changed(s, reason);
    notify_status();
  };
  events.figures_changed = [this] { figures_dirty_ = true; };
  // ---- host registry events (issue 12) ----
  events.presence.host_appeared = [this](const HostView& h) {
    if (object_) object_->host_appeared(h);
  };
  events.presence.host_stale = [this](const HostView& h) {
    if (object_) object_->host_stale(h);
  };
  events.presence.master_stopped = [this](const std::string& uuid, const std::string& host, uint64_t last_seen) {
    if (object_) object_->master_stopped(uuid, host, last_seen);
  };
  events.presence.changed = [this] {
    if (object_) object_->presence_changed();
  };
  instance_ = std::make_unique<Instance>(std::move(settings), std::move(backend.value()), std::move(events));
  instance_->start();

  if (instance_->state() == InstanceState::unformatted && !config_.allow_format) {
    log_msg(LogLevel::notice,
            "%s: %s holds no famfs file system and formatting it is not allowed by the configuration "
            "(allow_format): nothing to serve, exiting",
            instance_name_.c_str(), options_.device.c_str());
    // Tell systemd the start succeeded (Type=notify) before the clean exit,
    // or it counts a protocol failure.
    notifier_.state("READY=1\nSTATUS=unformatted, formatting not allowed: nothing to serve");
    return 0;
  }

  try {
    connection_ = sdbus::createSystemBusConnection();
    object_ = std::make_unique<FilesystemObject>(*this);
    connection_->requestName(instance_bus_name(instance_name_));
  } catch (const sdbus::Error& e) {
    const std::string bus_name = instance_bus_name(instance_name_);
    if (e.getName() == "org.freedesktop.DBus.Error.FileExists" ||
        e.getMessage().find("File exists") != std::string::npos)
      log_msg(LogLevel::err,
              "instance %s runs already: another famfsd owns %s (stop it first, or choose another "
              "--instance)",
              instance_name_.c_str(), bus_name.c_str());
    else if (e.getName() == "org.freedesktop.DBus.Error.AccessDenied" ||
             e.getMessage().find("ermission denied") != std::string::npos)
      log_msg(LogLevel::err, "the bus policy does not let this user own %s (famfsd runs as root): %s", bus_name.c_str(),
              e.getMessage().c_str());
    else
      log_msg(LogLevel::err, "D-Bus: %s: %s", e.getName().c_str(), e.getMessage().c_str());
    return 1;
  }
  log_msg(LogLevel::info, "%s: serving as %s", instance_name_.c_str(), instance_bus_name(instance_name_).c_str());

  sigset_t mask;
  sigemptyset(&mask);
  for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&mask, s);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a caller's pipe closing is an error value, not death
  signal_fd_ = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  heartbeat_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (signal_fd_ < 0 || heartbeat_fd_ < 0) {
    log_msg(LogLevel::err, "cannot create the event loop descriptors: %s", strerror(errno));
    return 1;
  }
  auto event_set = EventSet::create();
  if (!event_set) {
    log_msg(LogLevel::err, "cannot create the event loop: %s", event_set.error().message().c_str());
    return 1;
  }
  events_ = std::move(event_set.value());
  auto pool = WorkerPool::create(kMaxWorkers, kMaxQueued);
  if (!pool) {
    log_msg(LogLevel::err, "%s", pool.error().message().c_str());
    return 1;
  }
  workers_ = std::move(pool.value());
  transfers_ = std::make_unique<Transfers>(*instance_, *workers_);
  reservations_ = std::make_unique<Reservations>(*instance_, kMaxReservations);
  watches_ = std::make_unique<CallerWatches>(*connection_, [this](const std::string& sender) {
    callers_.erase(sender);
    if (size_t n = reservations_->drop_owner(sender))
      log_msg(LogLevel::info, "%s left the bus: %zu uncommitted copies dropped, their space is free again",
              sender.c_str(), n);
  });
  update_poll_timer();
  arm_timer(heartbeat_fd_, uint64_t{config_.heartbeat_interval_ms} * 1000);
  uint64_t watchdog_us = 0;
  if (config_.watchdog && sd_watchdog_enabled(0, &watchdog_us) > 0 && watchdog_us > 0) {
    watchdog_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    arm_timer(watchdog_fd_, watchdog_us / 2);
  }
  // famfsd's own watch of its device (a regular file has none)
  if (auto w = DeviceWatch::open(options_.device)) {
    device_watch_ = std::move(w.value());
  } else if (w.error().code() != Errc::unsupported) {
    log_msg(LogLevel::warning,
            "%s: %s; a removal of the device is noticed only through the unit's BindsTo=", instance_name_.c_str(),
            w.error().message().c_str());
  }
  for (auto [tag, fd] : {std::pair{kSignalTag, signal_fd_}, std::pair{kWorkersTag, workers_->fd()},
                         std::pair{kHeartbeatTag, heartbeat_fd_}, std::pair{kWatchdogTag, watchdog_fd_},
                         std::pair{kDeviceTag, device_watch_ ? device_watch_->fd() : -1}}) {
    Status s = events_->watch(tag, fd, EPOLLIN);
    if (!s) {
      log_msg(LogLevel::err, "cannot watch the event loop descriptors: %s", s.error().message().c_str());
      return 1;
    }
  }
  notifier_.state("READY=1");
  notify_status();
  return -1;  // keep running
}

void Daemon::notify_status() {
  if (!instance_) return;
  std::string status = std::string(instance_state_name(instance_->state()));
  if (const Volume* v = instance_->volume())
    status += ", " + instance_->role_name() + ", " + std::to_string(v->state().names().file_count()) + " files";
  if (!instance_->state_reason().empty()) status += ": " + instance_->state_reason();
  notifier_.best_effort("STATUS=" + status);
}

int Daemon::run() {
  int rc = setup();
  if (rc >= 0) return rc;
  loop();
  notifier_.state("STOPPING=1");
  log_msg(LogLevel::info, "%s: stopping", instance_name_.c_str());
  // Copies in flight are cancelled (nothing of them was logged, so nothing is
  // lost); reads get a few seconds. A worker stuck writing to a caller that
  // stopped reading must not keep the service from stopping.
  jobs_.cancel_all();
  if (watches_) watches_->end_all();  // reads to callers end too
  // Transfers still waiting for a worker never started: nothing of them is
  // lost by dropping them (their callers see famfsd go away).
  workers_->stop();
  const uint64_t deadline = now_us() + 10'000'000;
  while (workers_->running() > 0 && now_us() < deadline) {
    pollfd p{workers_->fd(), POLLIN, 0};
    if (poll(&p, 1, 100) > 0) drain_completions();  // answers callers whose work finished
  }
  reservations_->clear();  // uncommitted copies: nothing of them was logged
  instance_->stop();
  if (workers_->running() > 0) {
    log_msg(LogLevel::warning, "%s: %zu transfer(s) still blocked after 10 s; exiting without them",
            instance_name_.c_str(), workers_->running());
    fflush(stderr);
    _exit(exit_status_);  // the threads cannot be joined; exit without running destructors under them
  }
  return exit_status_;
}

void Daemon::update_poll_timer() {
  // Clients look at the log every poll interval, a master with a mount
  // whether famfs.ko shut it down; an unmounted master only needs a tick
  // while jobs report progress (idle, it sleeps).
  uint64_t want = 0;
  const bool watch = instance_->state() != InstanceState::failed &&
                     (instance_->role() == Role::client || !instance_->backend().mountpoint().empty());
  if (watch)
    want = uint64_t{config_.poll_interval_ms} * 1000;
  else if (!jobs_.empty())
    want = 200'000;
  poll_.set_period(want, now_us());
}

void Daemon::loop() {
  bool bus_ready = true;
  while (running_) {
    sdbus::IConnection::PollData pd{};
    try {
      // Handle everything the bus has for us before sleeping (sd-bus reports
      // a zero timeout while it holds queued messages).
      if (bus_ready)
        while (connection_->processPendingRequest()) trim_due_ = true;
      pd = connection_->getEventLoopPollData();
    } catch (const sdbus::Error& e) {
      log_msg(LogLevel::err, "D-Bus connection failed: %s: %s", e.getName().c_str(), e.getMessage().c_str());
      running_ = false;
      break;
    }
    // One wait until the earliest of: the bus's own timeout, the next log
    // poll, a PropertiesChanged held back, the memory trim after a burst.
    uint64_t deadline = std::min(pd.timeout_usec, poll_.deadline());
    if (figures_dirty_) deadline = std::min(deadline, last_flush_us_ + kPropertiesEveryUs);
    if (trim_due_) deadline = std::min(deadline, last_trim_us_ + kTrimEveryUs);
    Status watched = events_->watch(kBusTag, pd.fd, static_cast<uint16_t>(pd.events));
    auto woke = watched ? events_->wait(deadline) : Result<uint32_t>(watched.error());
    if (!woke) {
      log_msg(LogLevel::err, "event loop: %s", woke.error().message().c_str());
      break;
    }
    const uint32_t ready = *woke;
    uint64_t now = now_us();
    // No request waiting (timers may have fired: a client's poll always
    // does) after a burst: give the memory it used back.
    if (trim_due_ && !(ready & bit(kBusTag)) && now >= last_trim_us_ + kTrimEveryUs) {
      malloc_trim(0);
      trim_due_ = false;
      last_trim_us_ = now = now_us();
    }
    bus_ready = (ready & bit(kBusTag)) || (pd.timeout_usec != UINT64_MAX && pd.timeout_usec <= now);
    if (ready & bit(kSignalTag)) handle_signals();
    if (ready & bit(kDeviceTag)) {
      handle_device_removal();
      if (!running_) break;
    }
    if (ready & bit(kWorkersTag)) drain_completions();
    if (poll_.take_due(now)) {
      // Only clients need to look: the master's own appends update its state.
      if (instance_->role() == Role::client)
        instance_->poll();
      else
        instance_->check_mount();
      jobs_.sweep(now);
    }
    if (ready & bit(kHeartbeatTag)) {
      drain_fd(heartbeat_fd_);
      instance_->heartbeat();
    }
    update_poll_timer();
    if (ready & bit(kWatchdogTag)) {
      drain_fd(watchdog_fd_);
      notifier_.best_effort("WATCHDOG=1");
    }
    flush_properties(false);
  }
}

void Daemon::handle_device_removal() {
  std::optional<std::string> what = device_watch_->take_removal();
  if (!what) return;
  log_msg(LogLevel::err, "%s: %s: udev %s; shutting the mount down, unmounting and exiting (status %d)",
          instance_name_.c_str(), options_.device.c_str(), what->c_str(), kExitDeviceRemoved);
  instance_->device_removed("udev " + *what);
  flush_properties(true);
  if (connection_) {
    try {
      connection_->processPendingRequest();  // send StateChanged before the name goes
    } catch (const sdbus::Error&) {}
  }
  exit_status_ = kExitDeviceRemoved;
  running_ = false;
}

void Daemon::handle_signals() {
  signalfd_siginfo si{};
  while (read(signal_fd_, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
    if (si.ssi_signo == SIGHUP) {
      reload_config();
    } else {
      log_msg(LogLevel::info, "%s: signal %u received", instance_name_.c_str(), si.ssi_signo);
      running_ = false;
    }
  }
}

void Daemon::reload_config() {
  notifier_.state("RELOADING=1");
  InstanceConfig before = config_;
  Status s = load_configuration();
  if (!s) {
    log_msg(LogLevel::err, "config reload failed, keeping the old configuration: %s", s.error().message().c_str());
    config_ = before;
    set_log_level(config_.log_level);
  } else {
    if (config_.system_uuid != before.system_uuid || config_.backend != before.backend ||
        config_.mountpoint != before.mountpoint || config_.client_files_writable != before.client_files_writable)
      log_msg(LogLevel::warning,
              "system_uuid, backend, mountpoint and client_files_writable changes take effect at the next start");
    // Settings that take effect now: the rest stays as started.
    config_.system_uuid = before.system_uuid;
    config_.backend = before.backend;
    config_.mountpoint = before.mountpoint;
    config_.client_files_writable = before.client_files_writable;
    if (config_.poll_interval_ms != before.poll_interval_ms) {
      log_msg(LogLevel::info, "poll interval %u ms -> %u ms", before.poll_interval_ms, config_.poll_interval_ms);
      update_poll_timer();
      if (object_) object_->poll_interval_changed();
    }
    config_.heartbeat_interval_ms = before.heartbeat_interval_ms;
    log_msg(LogLevel::info, "configuration reloaded from %s", config_file_.source().c_str());
  }
  notifier_.state("READY=1");
}

void Daemon::flush_properties(bool force) {
  if (!figures_dirty_ || !object_) return;
  uint64_t now = now_us();
  if (!force && now - last_flush_us_ < kPropertiesEveryUs) return;
  figures_dirty_ = false;
  last_flush_us_ = now;
  try {
    object_->emit_figures_changed();
  } catch (const sdbus::Error& e) {
    log_msg(LogLevel::warning, "PropertiesChanged: %s", e.getMessage().c_str());
  }
  jobs_.publish_progress();
  notify_status();
}

void Daemon::keep_job(std::shared_ptr<JobObject> job) { jobs_.keep(std::move(job)); }

Result<uint64_t> Daemon::reserve(const std::string& sender, PendingFile&& file) {
  // Watches of senders that left are inert: drop them here, never inside
  // their own signal handler.
  for (auto it = owner_watches_.begin(); it != owner_watches_.end();) {
    if (it->second.gone->load()) {
      watches_->unwatch(it->second.id);
      it = owner_watches_.erase(it);
    } else {
      ++it;
    }
  }
  auto id = reservations_->add(sender, std::move(file));
  if (id && !owner_watches_.count(sender)) owner_watches_.emplace(sender, watches_->watch(sender));
  return id;
}

void Daemon::drain_completions() {
  workers_->drain([](const char* what) { log_msg(LogLevel::err, "finishing a transfer failed: %s", what); });
}

Caller Daemon::caller_of(const sdbus::Message& msg) {
  std::string sender = msg.getSender();
  auto it = callers_.find(sender);
  if (it != callers_.end()) return it->second;
  Caller c;
  c.uid = msg.getCredsUid();
  c.gid = msg.getCredsGid();
  try {
    c.groups = msg.getCredsSupplementaryGids();
  } catch (const sdbus::Error&) {
    // The bus did not say: ask the user database.
    passwd pw{}, *found = nullptr;
    char buf[4096];
    if (getpwuid_r(c.uid, &pw, buf, sizeof buf, &found) == 0 && found) {
      int n = 64;
      std::vector<gid_t> groups(static_cast<size_t>(n));
      if (getgrouplist(found->pw_name, c.gid, groups.data(), &n) >= 0) {
        groups.resize(static_cast<size_t>(n));
        c.groups = groups;
      }
    }
  }
  if (callers_.size() >= kCallerCacheMax) callers_.clear();
  callers_.emplace(sender, c);
  return c;
}

}  // namespace famfs::service

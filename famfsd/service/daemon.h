// famfsd's process: the bus connection, the instance, the event loop (one
// epoll set of the bus fd, the signalfd, timerfds for the heartbeat and the
// watchdog, an eventfd for work finished on worker threads and the udev
// monitor; the log poll is a deadline of the loop's wait), sd_notify, and
// config reload.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "service/device_watch.h"
#include "service/event_set.h"
#include "service/poll_schedule.h"
#include "service/authorization.h"
#include "service/config.h"
#include "service/instance.h"
#include "service/instance_lock.h"
#include "service/caller_watch.h"
#include "service/job_registry.h"
#include "service/notify.h"
#include "service/reservations.h"
#include "service/transfer.h"
#include "service/worker_pool.h"

namespace sdbus {
class IConnection;
class IProxy;
class Message;
}  // namespace sdbus

namespace famfs::service {

class FilesystemObject;
class JobObject;

struct DaemonOptions {
  std::string device;
  std::string instance;  // "" = device base name
  std::string config_path = kDefaultConfigPath;
  bool config_required = false;            // --config given explicitly
  std::optional<std::string> system_uuid;  // --system-uuid
  std::optional<std::string> mountpoint;   // --mountpoint
  std::optional<BackendChoice> backend;    // --backend
  std::optional<LogLevel> log_level;       // --log-level
  std::optional<std::string> boot_id;      // --boot-id (tests: stands in for the kernel's)
};

class Daemon {
 public:
  explicit Daemon(DaemonOptions options);
  ~Daemon();

  // Runs until SIGTERM/SIGINT (exit code 0) or a fatal start-up error
  // (non-zero, logged). An unformatted device whose config does not allow
  // formatting ends at once with 0, as the life cycle demands.
  int run();

  // For the bus objects (event loop thread only).
  Instance& instance() { return *instance_; }
  const InstanceConfig& config() const { return config_; }
  sdbus::IConnection& connection() { return *connection_; }
  // The credentials of the sender of MSG (cached per unique bus name).
  Caller caller_of(const sdbus::Message& msg);
  std::optional<gid_t> famfs_gid() const { return famfs_gid_; }
  // Runs FN on a worker thread; DONE runs on the loop thread afterwards
  // (WorkerPool::spawn).
  Status spawn(std::function<void()> fn, std::function<void()> done) {
    return workers_->spawn(std::move(fn), std::move(done));
  }
  // Watches of callers leaving the bus (transfers to a caller end then).
  CallerWatches& caller_watches() { return *watches_; }
  // CopyIn and ReadFile.
  Transfers& transfers() { return *transfers_; }
  // Copies waiting for CommitFiles (CopyIn commit=false).
  Reservations& reservations() { return *reservations_; }
  // Keeps FILE as a reservation of SENDER, whose leaving the bus gives its
  // reservations' space back. Errors as Reservations::add.
  Result<uint64_t> reserve(const std::string& sender, PendingFile&& file);
  // Registers a job object; it is dropped some seconds after completing.
  uint64_t next_job_id() { return jobs_.next_id(); }
  void keep_job(std::shared_ptr<JobObject> job);

 private:
  int setup();
  void loop();
  void handle_signals();
  // The device went away: shut down, report, leave the loop (exit 3).
  void handle_device_removal();
  void drain_completions();
  void reload_config();
  void flush_properties(bool force);
  void update_poll_timer();
  void notify_status();
  Status load_configuration();

  DaemonOptions options_;
  std::string instance_name_;
  Config config_file_;
  InstanceConfig config_;
  std::optional<gid_t> famfs_gid_;
  InstanceLock instance_lock_;  // one famfsd per device on this host
  std::unique_ptr<sdbus::IConnection> connection_;
  std::unique_ptr<Instance> instance_;
  std::unique_ptr<FilesystemObject> object_;
  int signal_fd_ = -1, watchdog_fd_ = -1;
  std::unique_ptr<EventSet> events_;  // the loop's one wait
  int heartbeat_fd_ = -1;             // host registry beat, every heartbeat_interval_ms
  bool running_ = true;
  int exit_status_ = 0;                               // run()'s result after the loop
  std::unique_ptr<DeviceWatch> device_watch_;         // udev remove/unbind of the device
  Notifier notifier_ = Notifier::from_environment();  // sd_notify, never blocking the loop
  bool figures_dirty_ = false;
  uint64_t last_flush_us_ = 0;
  bool trim_due_ = false;  // requests were handled since the last malloc_trim
  uint64_t last_trim_us_ = 0;
  PollSchedule poll_;  // the log poll (clients) or mount check (mounted master)
  JobRegistry jobs_;

  std::map<std::string, Caller> callers_;  // unique bus name -> credentials
  std::unique_ptr<CallerWatches> watches_;
  std::unique_ptr<WorkerPool> workers_;  // transfers (copies in and out)
  std::unique_ptr<Transfers> transfers_;
  std::unique_ptr<Reservations> reservations_;
  std::map<std::string, CallerWatches::Watch> owner_watches_;  // senders holding reservations
};

}  // namespace famfs::service

// famfsd's process: the bus connection, the instance, the poll loop (bus fd,
// signalfd, timerfds for log polling and the watchdog, an eventfd for work
// finished on worker threads), sd_notify, and config reload.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <atomic>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "service/device_watch.h"
#include "service/authorization.h"
#include "service/config.h"
#include "service/instance.h"
#include "service/instance_lock.h"
#include "service/notify.h"

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
  // Runs FN on a worker thread; DONE runs on the loop thread afterwards.
  // When every worker is taken the pair waits in a queue (FIFO) for one;
  // busy when that queue is full too (or no thread can be started).
  Status spawn(std::function<void()> fn, std::function<void()> done);
  // A flag that is set when SENDER (a unique bus name) leaves the bus, or
  // when famfsd stops: transfers to a caller watch it so that a caller that
  // went away cannot keep a worker. Call unwatch_caller(ID) when done
  // (loop thread).
  struct CallerWatch {
    uint64_t id = 0;
    std::shared_ptr<std::atomic<bool>> gone;
  };
  CallerWatch watch_caller(const std::string& sender);
  void unwatch_caller(uint64_t id);
  // Registers a job object; it is dropped some seconds after completing.
  uint64_t next_job_id() { return ++job_counter_; }
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
  void sweep_jobs();
  void update_poll_timer();
  void notify_status();
  // Starts copies of FN/DONE on a new worker thread.
  Status start_worker(std::function<void()>& fn, std::function<void()>& done);
  // Starts queued transfers while workers are free.
  void start_queued();
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
  int signal_fd_ = -1, poll_timer_fd_ = -1, watchdog_fd_ = -1, wake_fd_ = -1;
  int heartbeat_fd_ = -1;  // host registry beat, every heartbeat_interval_ms
  bool running_ = true;
  int exit_status_ = 0;                               // run()'s result after the loop
  std::unique_ptr<DeviceWatch> device_watch_;         // udev remove/unbind of the device
  Notifier notifier_ = Notifier::from_environment();  // sd_notify, never blocking the loop
  bool figures_dirty_ = false;
  uint64_t last_flush_us_ = 0;
  bool trim_due_ = false;  // requests were handled since the last malloc_trim
  uint64_t last_trim_us_ = 0;
  uint64_t job_counter_ = 0;
  uint64_t poll_armed_us_ = 0;                                       // current poll timer interval (0: disarmed)
  std::list<std::pair<std::shared_ptr<JobObject>, uint64_t>> jobs_;  // job, completed-at (0: running)

  std::map<std::string, Caller> callers_;  // unique bus name -> credentials
  struct Watch {
    std::shared_ptr<std::atomic<bool>> gone;
    std::unique_ptr<void, std::function<void(void*)>> match;  // sdbus::Slot
  };
  std::map<uint64_t, Watch> watches_;
  uint64_t watch_counter_ = 0;
  std::unique_ptr<sdbus::IProxy> bus_proxy_;  // org.freedesktop.DBus, for NameHasOwner

  std::mutex mu_;
  std::vector<std::function<void()>> completions_;  // guarded by mu_
  std::map<uint64_t, std::thread> workers_;
  std::deque<std::pair<std::function<void()>, std::function<void()>>> queued_;  // waiting for a worker
  bool stopping_ = false;
  uint64_t worker_counter_ = 0;
};

}  // namespace famfs::service

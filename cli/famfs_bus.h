// famfsctl's side of the bus: the connection, the bus daemon's own calls,
// proxies for the Filesystem and Job objects (generated from the contract),
// and waiting for signals beside Ctrl-C.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

#include "famfs1_filesystem_proxy.h"
#include "famfs1_job_proxy.h"
#include "output.h"

namespace famfs::cli {

// The system bus connection (DBUS_SYSTEM_BUS_ADDRESS is honoured).
class FamfsBus {
 public:
  // Connects; throws sdbus::Error when no bus can be reached.
  static std::unique_ptr<FamfsBus> connect_system_bus();

  // Reply timeout for every later call; std::nullopt: libsystemd's default
  // (25 s), 0: no timeout.
  void set_call_timeout(std::optional<double> seconds);

  // org.freedesktop.DBus.ListNames.
  std::vector<std::string> list_names();
  // org.freedesktop.DBus.GetNameOwner: the unique name owning BUS_NAME.
  std::string name_owner(const std::string& bus_name);

  sdbus::IConnection& connection() { return *connection_; }

 private:
  explicit FamfsBus(std::unique_ptr<sdbus::IConnection> connection);
  std::unique_ptr<sdbus::IConnection> connection_;
  std::unique_ptr<sdbus::IProxy> bus_daemon_;
};

// org.famfs.Famfs1.Filesystem of one instance. Its generated signal handlers
// are never registered (the generated matches do not filter by sender, so
// they would hear every instance): monitor and cp add their own matches.
class FilesystemProxy final : public sdbus::ProxyInterfaces<org::famfs::Famfs1::Filesystem_proxy> {
 public:
  FilesystemProxy(sdbus::IConnection& connection, std::string bus_name);
  ~FilesystemProxy();
  // org.freedesktop.DBus.Properties.GetAll of the Filesystem interface.
  PropertyMap get_all();
  // The underlying proxy, for asynchronous calls (cp's pipelined CopyIn).
  sdbus::IProxy& proxy() { return getProxy(); }

 private:
  void onFileCreated(const std::string&, const uint64_t&) override {}
  void onDirectoryCreated(const std::string&) override {}
  void onFileRemoved(const std::string&) override {}
  void onDirectoryRemoved(const std::string&) override {}
  void onStateChanged(const std::string&, const std::string&) override {}
  void onHostAppeared(const std::string&, const std::string&, const std::string&) override {}
  void onHostStale(const std::string&, const std::string&, const uint64_t&) override {}
  void onMasterStopped(const std::string&, const std::string&, const uint64_t&) override {}
};

// org.famfs.Famfs1.Job at one path of one instance.
class JobProxy final : public sdbus::ProxyInterfaces<org::famfs::Famfs1::Job_proxy> {
 public:
  JobProxy(sdbus::IConnection& connection, std::string bus_name, std::string path);
  ~JobProxy();
  // org.freedesktop.DBus.Properties.GetAll of the Job interface.
  PropertyMap get_all();

 private:
  void onCompleted(const bool&, const std::string&, const std::string&) override {}
};

// SIGINT, SIGTERM and SIGHUP as a file descriptor for the time it lives
// (the signals are blocked meanwhile and restored after).
class InterruptWatch {
 public:
  InterruptWatch();
  ~InterruptWatch();
  InterruptWatch(const InterruptWatch&) = delete;
  InterruptWatch& operator=(const InterruptWatch&) = delete;
  int fd() const { return fd_; }
  // The signal that arrived (and is consumed now), or 0.
  int take();

 private:
  int fd_ = -1;
  sigset_t old_mask_{};
};

enum class WaitResult { activity, interrupted, timed_out };

// Dispatches whatever the connection has queued (signal handlers run here),
// then waits up to TIMEOUT_MS for bus traffic or an interrupt and dispatches
// again. -1 waits without limit.
WaitResult wait_for_bus(sdbus::IConnection& connection, InterruptWatch& interrupts, int timeout_ms);

}  // namespace famfs::cli

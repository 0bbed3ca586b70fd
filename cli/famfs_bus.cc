#include "famfs_bus.h"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <limits>

#include "instance_name.h"

namespace famfs::cli {
namespace {

constexpr const char* kPropertiesInterface = "org.freedesktop.DBus.Properties";

PropertyMap get_all_of(sdbus::IProxy& proxy, const char* interface) {
  PropertyMap result;
  proxy.callMethod("GetAll")
      .onInterface(kPropertiesInterface)
      .withArguments(std::string(interface))
      .storeResultsTo(result);
  return result;
}

}  // namespace

FamfsBus::FamfsBus(std::unique_ptr<sdbus::IConnection> connection)
    : connection_(std::move(connection)),
      bus_daemon_(sdbus::createProxy(*connection_, "org.freedesktop.DBus", "/org/freedesktop/DBus")) {}

std::unique_ptr<FamfsBus> FamfsBus::connect_system_bus() {
  return std::unique_ptr<FamfsBus>(new FamfsBus(sdbus::createSystemBusConnection()));
}

void FamfsBus::set_call_timeout(std::optional<double> seconds) {
  if (!seconds) return;
  if (*seconds == 0) {
    connection_->setMethodCallTimeout(std::numeric_limits<uint64_t>::max());  // libsystemd: infinity
    return;
  }
  auto usec = static_cast<uint64_t>(std::ceil(*seconds * 1e6));
  connection_->setMethodCallTimeout(usec == 0 ? 1 : usec);
}

std::vector<std::string> FamfsBus::list_names() {
  std::vector<std::string> names;
  bus_daemon_->callMethod("ListNames").onInterface("org.freedesktop.DBus").storeResultsTo(names);
  return names;
}

std::string FamfsBus::name_owner(const std::string& bus_name) {
  std::string owner;
  bus_daemon_->callMethod("GetNameOwner")
      .onInterface("org.freedesktop.DBus")
      .withArguments(bus_name)
      .storeResultsTo(owner);
  return owner;
}

FilesystemProxy::FilesystemProxy(sdbus::IConnection& connection, std::string bus_name)
    : ProxyInterfaces(connection, std::move(bus_name), kFilesystemObjectPath) {}

FilesystemProxy::~FilesystemProxy() { unregisterProxy(); }

PropertyMap FilesystemProxy::get_all() { return get_all_of(getProxy(), INTERFACE_NAME); }

JobProxy::JobProxy(sdbus::IConnection& connection, std::string bus_name, std::string path)
    : ProxyInterfaces(connection, std::move(bus_name), std::move(path)) {}

JobProxy::~JobProxy() { unregisterProxy(); }

PropertyMap JobProxy::get_all() { return get_all_of(getProxy(), INTERFACE_NAME); }

InterruptWatch::InterruptWatch() {
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGHUP);
  sigprocmask(SIG_BLOCK, &mask, &old_mask_);
  fd_ = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
}

InterruptWatch::~InterruptWatch() {
  if (fd_ >= 0) close(fd_);
  sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
}

int InterruptWatch::take() {
  signalfd_siginfo info{};
  if (fd_ < 0 || read(fd_, &info, sizeof info) != sizeof info) return 0;
  return static_cast<int>(info.ssi_signo);
}

WaitResult wait_for_bus(sdbus::IConnection& connection, InterruptWatch& interrupts, int timeout_ms) {
  bool dispatched = false;
  while (connection.processPendingRequest()) dispatched = true;
  if (dispatched) return WaitResult::activity;

  auto data = connection.getEventLoopPollData();
  int bus_timeout = data.getPollTimeout();
  int timeout = timeout_ms;
  if (bus_timeout >= 0 && (timeout < 0 || bus_timeout < timeout)) timeout = bus_timeout;
  pollfd fds[2] = {{data.fd, data.events, 0}, {interrupts.fd(), POLLIN, 0}};
  int n = poll(fds, 2, timeout);
  if (n < 0 && errno != EINTR) throw sdbus::Error("org.freedesktop.DBus.Error.Failed", "poll failed");
  if (fds[1].revents & POLLIN) return WaitResult::interrupted;
  // Also after a bus timeout: libsystemd handles expired calls in process.
  while (connection.processPendingRequest()) dispatched = true;
  return dispatched ? WaitResult::activity : WaitResult::timed_out;
}

}  // namespace famfs::cli

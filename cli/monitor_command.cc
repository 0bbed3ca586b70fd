// monitor: the instance's signals, one line each, until interrupted.
#include <chrono>
#include <cstdio>

#include "commands.h"
#include "famfs1_filesystem_proxy.h"
#include "instance_name.h"
#include "views.h"

namespace famfs::cli {
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr const char* kFilesystemInterface = org::famfs::Famfs1::Filesystem_proxy::INTERFACE_NAME;

class Monitor {
 public:
  explicit Monitor(Session& s) : s_(s), json_(s.request.global.json) {}

  ExitCode run() {
    sdbus::IConnection& connection = s_.bus.connection();
    // Owner changes first, so a restart between the two calls is not missed.
    owner_slot_ = connection.addMatch(
        "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged',"
        "arg0='" + s_.bus_name + "'",
        [this](sdbus::Message& m) { on_owner_changed(m); });
    follow(s_.bus.name_owner(s_.bus_name));
    InterruptWatch interrupts;
    while (wait_for_bus(connection, interrupts, -1) != WaitResult::interrupted) {
      if (resubscribe_) {
        resubscribe_ = false;
        follow(new_owner_);
      }
    }
    return ExitCode::ok;
  }

 private:
  // Listens to every signal of OWNER's file system object (one match: the
  // Filesystem signals and PropertiesChanged). libsystemd matches the sender
  // literally, so the rule names the unique name, not the bus name.
  void follow(const std::string& owner) {
    signals_slot_.reset();
    if (owner.empty()) return;
    signals_slot_ = s_.bus.connection().addMatch(
        "type='signal',sender='" + owner + "',path='" + kFilesystemObjectPath + "'",
        [this](sdbus::Message& m) { on_signal(m); });
  }

  void on_signal(sdbus::Message& m) noexcept {
    try {
      MonitorEvent event{now_ms(), m.getMemberName(), {}};
      std::string interface = m.getInterfaceName();
      if (interface == kFilesystemInterface && event.signal == "FileCreated") {
        std::string path;
        uint64_t size = 0;
        m >> path >> size;
        event.fields = {{"path", path}, {"size", size}};
      } else if (interface == kFilesystemInterface && event.signal == "DirectoryCreated") {
        std::string path;
        m >> path;
        event.fields = {{"path", path}};
      } else if (interface == kFilesystemInterface && event.signal == "StateChanged") {
        std::string state, reason;
        m >> state >> reason;
        event.fields = {{"state", state}, {"reason", reason}};
      } else if (interface == kFilesystemInterface && event.signal == "HostAppeared") {
        std::string uuid, host, role;
        m >> uuid >> host >> role;
        event.fields = {{"system_uuid", uuid}, {"hostname", host}, {"role", role}};
      } else if (interface == kFilesystemInterface && (event.signal == "HostStale" || event.signal == "MasterStopped")) {
        std::string uuid, host;
        uint64_t last_seen = 0;
        m >> uuid >> host >> last_seen;
        event.fields = {{"system_uuid", uuid}, {"hostname", host}, {"last_seen_us", last_seen}};
      } else if (interface == "org.freedesktop.DBus.Properties" && event.signal == "PropertiesChanged") {
        std::string changed_interface;
        PropertyMap changed;
        std::vector<std::string> invalidated;
        m >> changed_interface >> changed >> invalidated;
        if (changed_interface != kFilesystemInterface) return;
        event.fields = {{"changed", map_to_json(changed)}};
        if (!invalidated.empty()) event.fields.emplace_back("invalidated", invalidated);
      } else {
        return;
      }
      emit(event);
    } catch (const sdbus::Error& e) {
      print_error("monitor: cannot decode a " + m.getMemberName() + " signal: " + e.getMessage());
    } catch (...) {
    }
  }

  void on_owner_changed(sdbus::Message& m) noexcept {
    try {
      std::string name, old_owner, new_owner;
      m >> name >> old_owner >> new_owner;
      if (name != s_.bus_name) return;
      if (!old_owner.empty()) emit({now_ms(), "InstanceStopped", {{"instance", std::string(instance_suffix(name))}}});
      if (!new_owner.empty()) emit({now_ms(), "InstanceStarted", {{"instance", std::string(instance_suffix(name))}}});
      // Matches cannot be changed from inside a match callback; the loop does it.
      new_owner_ = new_owner;
      resubscribe_ = true;
    } catch (...) {
    }
  }

  void emit(const MonitorEvent& event) {
    std::string line = (json_ ? render_event_json(event) : render_event_text(event)) + "\n";
    fwrite(line.data(), 1, line.size(), stdout);
    fflush(stdout);
  }

  Session& s_;
  bool json_;
  sdbus::Slot owner_slot_;
  sdbus::Slot signals_slot_;
  bool resubscribe_ = false;
  std::string new_owner_;
};

}  // namespace

ExitCode run_monitor(Session& s) {
  Monitor monitor(s);
  return monitor.run();
}

}  // namespace famfs::cli

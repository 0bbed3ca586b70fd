// monitor: the instance's signals, one line each, until interrupted.
#include <chrono>
#include <cstdio>
#include <map>

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

// Watches one instance (-d) or, without -d, every famfs instance on the bus,
// including those that start later; then each line names its instance.
class Monitor {
 public:
  explicit Monitor(Session& s) : s_(s), json_(s.request.global.json), all_(s.bus_name.empty()) {}

  ExitCode run() {
    sdbus::IConnection& connection = s_.bus.connection();
    // Owner changes first, so a restart between the two calls is not missed.
    std::string rule =
        "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',"
        "member='NameOwnerChanged',";
    rule += all_ ? "arg0namespace='" + std::string(kBusNamePrefix.substr(0, kBusNamePrefix.size() - 1)) + "'"
                 : "arg0='" + s_.bus_name + "'";
    owner_slot_ = connection.addMatch(rule, [this](sdbus::Message& m) { on_owner_changed(m); });
    if (all_) {
      for (const auto& name : famfs_bus_names(s_.bus.list_names())) follow(name, owner_of(name));
    } else {
      follow(s_.bus_name, s_.bus.name_owner(s_.bus_name));
    }
    InterruptWatch interrupts;
    while (wait_for_bus(connection, interrupts, -1) != WaitResult::interrupted) {
      auto changes = std::move(pending_);
      pending_.clear();
      for (const auto& [name, owner] : changes) follow(name, owner);
    }
    return ExitCode::ok;
  }

 private:
  struct Watched {
    std::string owner;     // unique name
    std::string instance;  // as famfsd names it (the Instance property)
    sdbus::Slot slot;
  };

  std::string owner_of(const std::string& name) {
    try {
      return s_.bus.name_owner(name);
    } catch (const sdbus::Error&) {
      return "";  // gone meanwhile
    }
  }

  // Listens to every signal of OWNER's file system object (one match: the
  // Filesystem signals and PropertiesChanged). libsystemd matches the sender
  // literally, so the rule names the unique name, not the bus name.
  void follow(const std::string& name, const std::string& owner) {
    auto& w = watched_[name];
    w.slot.reset();
    w.owner = owner;
    if (owner.empty()) return;
    w.instance = std::string(instance_suffix(name));
    try {
      FilesystemProxy fs(s_.bus.connection(), name);
      w.instance = fs.Instance();
    } catch (const sdbus::Error&) {}
    w.slot = s_.bus.connection().addMatch("type='signal',sender='" + owner + "',path='" + kFilesystemObjectPath + "'",
                                          [this, name](sdbus::Message& m) { on_signal(name, m); });
  }

  void on_signal(const std::string& name, sdbus::Message& m) noexcept {
    try {
      MonitorEvent event{now_ms(), m.getMemberName(), {}};
      if (all_) event.fields.emplace_back("instance", watched_[name].instance);
      std::string interface = m.getInterfaceName();
      if (interface == kFilesystemInterface && event.signal == "FileCreated") {
        std::string path;
        uint64_t size = 0;
        m >> path >> size;
        event.fields.emplace_back("path", path);
        event.fields.emplace_back("size", size);
      } else if (interface == kFilesystemInterface &&
                 (event.signal == "DirectoryCreated" || event.signal == "FileRemoved" ||
                  event.signal == "DirectoryRemoved")) {
        std::string path;
        m >> path;
        event.fields.emplace_back("path", path);
      } else if (interface == kFilesystemInterface && event.signal == "StateChanged") {
        std::string state, reason;
        m >> state >> reason;
        event.fields.emplace_back("state", state);
        event.fields.emplace_back("reason", reason);
      } else if (interface == kFilesystemInterface && event.signal == "HostAppeared") {
        std::string uuid, host, role;
        m >> uuid >> host >> role;
        event.fields.emplace_back("system_uuid", uuid);
        event.fields.emplace_back("hostname", host);
        event.fields.emplace_back("role", role);
      } else if (interface == kFilesystemInterface &&
                 (event.signal == "HostStale" || event.signal == "MasterStopped")) {
        std::string uuid, host;
        uint64_t last_seen = 0;
        m >> uuid >> host >> last_seen;
        event.fields.emplace_back("system_uuid", uuid);
        event.fields.emplace_back("hostname", host);
        event.fields.emplace_back("last_seen_us", last_seen);
      } else if (interface == "org.freedesktop.DBus.Properties" && event.signal == "PropertiesChanged") {
        std::string changed_interface;
        PropertyMap changed;
        std::vector<std::string> invalidated;
        m >> changed_interface >> changed >> invalidated;
        if (changed_interface != kFilesystemInterface) return;
        event.fields.emplace_back("changed", map_to_json(changed));
        if (!invalidated.empty()) event.fields.emplace_back("invalidated", invalidated);
      } else {
        return;
      }
      emit(event);
    } catch (const sdbus::Error& e) {
      print_warning("monitor: cannot decode a " + m.getMemberName() + " signal: " + e.getMessage());
    } catch (...) {}
  }

  void on_owner_changed(sdbus::Message& m) noexcept {
    try {
      std::string name, old_owner, new_owner;
      m >> name >> old_owner >> new_owner;
      if (all_ ? famfs_bus_names({name}).empty() : name != s_.bus_name) return;
      auto it = watched_.find(name);
      std::string instance = it != watched_.end() && !it->second.instance.empty() ? it->second.instance
                                                                                  : std::string(instance_suffix(name));
      if (!old_owner.empty()) emit({now_ms(), "InstanceStopped", {{"instance", instance}}});
      if (!new_owner.empty()) emit({now_ms(), "InstanceStarted", {{"instance", instance}}});
      // Matches cannot be changed from inside a match callback; the loop does it.
      pending_.emplace_back(name, new_owner);
    } catch (...) {}
  }

  void emit(const MonitorEvent& event) {
    std::string line = (json_ ? render_event_json(event) : render_event_text(event)) + "\n";
    fwrite(line.data(), 1, line.size(), stdout);
    fflush(stdout);
  }

  Session& s_;
  bool json_;
  bool all_;
  sdbus::Slot owner_slot_;
  std::map<std::string, Watched> watched_;                    // bus name -> what is followed
  std::vector<std::pair<std::string, std::string>> pending_;  // owner changes for the loop
};

}  // namespace

ExitCode run_monitor(Session& s) {
  Monitor monitor(s);
  return monitor.run();
}

}  // namespace famfs::cli

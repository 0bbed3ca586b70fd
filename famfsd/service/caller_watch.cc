#include "service/caller_watch.h"

#include <sdbus-c++/sdbus-c++.h>

#include "service/log.h"

namespace famfs::service {

CallerWatches::CallerWatches(sdbus::IConnection& connection, std::function<void(const std::string&)> on_left)
    : connection_(connection), on_left_(std::move(on_left)) {}

// Match slots and the bus proxy belong to the connection: the owner destroys
// this before the connection.
CallerWatches::~CallerWatches() = default;

CallerWatches::Watch CallerWatches::watch(const std::string& sender) {
  Watch w{++counter_, std::make_shared<std::atomic<bool>>(false)};
  if (ended_ || sender.empty() || sender.find('\'') != std::string::npos) {
    w.gone->store(ended_);
    return w;
  }
  Entry entry{w.gone, nullptr};
  auto gone = w.gone;
  try {
    entry.match = connection_.addMatch(
        "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
        "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='" +
            sender + "'",
        [this, gone, sender](sdbus::Message& m) {
          std::string name, old_owner, new_owner;
          m >> name >> old_owner >> new_owner;
          if (name == sender && new_owner.empty() && !gone->exchange(true) && on_left_) on_left_(sender);
        });
    // The caller may have left before the match existed: ask once, without
    // blocking the loop.
    if (!bus_proxy_) bus_proxy_ = sdbus::createProxy(connection_, "org.freedesktop.DBus", "/org/freedesktop/DBus");
    bus_proxy_->callMethodAsync("NameHasOwner")
        .onInterface("org.freedesktop.DBus")
        .withArguments(sender)
        .uponReplyInvoke([this, gone, sender](const sdbus::Error* error, bool has_owner) {
          if (error == nullptr && !has_owner && !gone->exchange(true) && on_left_) on_left_(sender);
        });
  } catch (const sdbus::Error& e) {
    log_msg(LogLevel::warning, "cannot watch caller %s: %s", sender.c_str(), e.getMessage().c_str());
  }
  entries_.emplace(w.id, std::move(entry));
  return w;
}

void CallerWatches::unwatch(uint64_t id) { entries_.erase(id); }

void CallerWatches::end_all() {
  ended_ = true;
  for (auto& [id, e] : entries_) e.gone->store(true);
}

}  // namespace famfs::service

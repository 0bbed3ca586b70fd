// Watches of callers that hold something in famfsd (a transfer, a
// reservation): a flag set when the caller's unique bus name leaves the bus
// (NameOwnerChanged), or when famfsd stops, so a caller that went away
// cannot keep a worker or space.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace sdbus {
class IConnection;
class IProxy;
}  // namespace sdbus

namespace famfs::service {

class CallerWatches {
 public:
  // ON_LEFT(sender) runs on the loop thread when a watched SENDER leaves
  // the bus (once per watch).
  CallerWatches(sdbus::IConnection& connection, std::function<void(const std::string& sender)> on_left);
  ~CallerWatches();

  struct Watch {
    uint64_t id = 0;
    std::shared_ptr<std::atomic<bool>> gone;
  };
  // A watch of SENDER (a unique bus name). Its flag is set at once when
  // famfsd is stopping, or when SENDER has left already (asked without
  // blocking the loop). Call unwatch(ID) when done (loop thread).
  Watch watch(const std::string& sender);
  void unwatch(uint64_t id);
  // famfsd stops: every flag is set, and watches made from now on start set.
  void end_all();

 private:
  struct Entry {
    std::shared_ptr<std::atomic<bool>> gone;
    std::unique_ptr<void, std::function<void(void*)>> match;  // sdbus::Slot
  };
  sdbus::IConnection& connection_;
  std::function<void(const std::string&)> on_left_;
  std::map<uint64_t, Entry> entries_;
  uint64_t counter_ = 0;
  bool ended_ = false;
  std::unique_ptr<sdbus::IProxy> bus_proxy_;  // org.freedesktop.DBus, for NameHasOwner
};

}  // namespace famfs::service

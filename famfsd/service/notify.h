// The service manager notification protocol (sd_notify(3)), sent without
// ever blocking famfsd's event loop.
//
// libsystemd's sd_notify() writes on a blocking socket: when the manager
// does not read its notification socket (hung, or a test harness that
// stopped draining it), the datagram queue fills and every later call waits
// for room, and with it the loop that answers D-Bus and handles SIGTERM.
// Here a message is sent on a non-blocking socket. A message that only
// repeats what the manager will hear again anyway (WATCHDOG=1, STATUS=) is
// dropped when there is no room; a state change (READY=1, STOPPING=1,
// RELOADING=1) waits a bounded time for room, then is dropped with a
// warning. Dropped messages are counted.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace famfs::service {

class Notifier {
 public:
  // NOTIFY_SOCKET as the manager set it: "/path" or "@abstract". Empty or
  // unset: every send is a no-op that succeeds (famfsd run by hand).
  explicit Notifier(std::string address, int state_patience_ms = 1000);
  static Notifier from_environment(int state_patience_ms = 1000);

  enum class Kind { best_effort, state_change };
  enum class Outcome { sent, dropped, no_manager, error };

  // Sends MESSAGE (newline-separated VAR=value assignments).
  Outcome send(Kind kind, std::string_view message);
  Outcome state(std::string_view message) { return send(Kind::state_change, message); }
  Outcome best_effort(std::string_view message) { return send(Kind::best_effort, message); }

  uint64_t dropped() const { return dropped_; }
  bool enabled() const { return !address_.empty(); }

 private:
  std::string address_;
  int state_patience_ms_;
  uint64_t dropped_ = 0;
  bool warned_drop_ = false;
  bool warned_error_ = false;
};

}  // namespace famfs::service

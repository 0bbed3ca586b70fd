#include "service/notify.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <cstring>

#include "service/log.h"

namespace famfs::service {

namespace {

// Closes the descriptor on every path out.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

}  // namespace

Notifier::Notifier(std::string address, int state_patience_ms)
    : address_(std::move(address)), state_patience_ms_(state_patience_ms) {}

Notifier Notifier::from_environment(int state_patience_ms) {
  const char* e = getenv("NOTIFY_SOCKET");
  return Notifier(e ? e : "", state_patience_ms);
}

Notifier::Outcome Notifier::send(Kind kind, std::string_view message) {
  if (address_.empty()) return Outcome::no_manager;
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if ((address_[0] != '/' && address_[0] != '@') || address_.size() >= sizeof sa.sun_path) {
    if (!warned_error_)
      log_msg(LogLevel::warning, "NOTIFY_SOCKET=%s is not a unix socket address famfsd can use: no notifications",
              address_.c_str());
    warned_error_ = true;
    return Outcome::error;
  }
  memcpy(sa.sun_path, address_.data(), address_.size());
  if (sa.sun_path[0] == '@') sa.sun_path[0] = '\0';  // abstract namespace: no trailing NUL
  socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size() + (address_[0] == '/'));

  Fd s{socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)};
  // Connected, so that poll() reports room in the manager's queue.
  if (s.fd < 0 || connect(s.fd, reinterpret_cast<const sockaddr*>(&sa), len) != 0) {
    if (!warned_error_)
      log_msg(LogLevel::warning, "cannot reach the service manager at %s: %s", address_.c_str(), strerror(errno));
    warned_error_ = true;
    return Outcome::error;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(state_patience_ms_);
  for (;;) {
    ssize_t n = ::send(s.fd, message.data(), message.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n == static_cast<ssize_t>(message.size())) {
      warned_drop_ = false;
      warned_error_ = false;
      return Outcome::sent;
    }
    if (n >= 0 || (errno != EAGAIN && errno != EINTR)) {
      if (!warned_error_)
        log_msg(LogLevel::warning, "sending to the service manager at %s: %s", address_.c_str(),
                n >= 0 ? "short datagram" : strerror(errno));
      warned_error_ = true;
      return Outcome::error;
    }
    if (errno == EINTR) continue;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (kind == Kind::best_effort || left.count() <= 0) break;
    pollfd p{s.fd, POLLOUT, 0};
    poll(&p, 1, static_cast<int>(left.count()));
  }
  ++dropped_;
  if (kind == Kind::state_change || !warned_drop_) {
    std::string first(message.substr(0, message.find('\n')));
    log_msg(kind == Kind::state_change ? LogLevel::warning : LogLevel::notice,
            "the service manager does not read its notification socket %s (queue full): dropped %s%s", address_.c_str(),
            first.c_str(), kind == Kind::best_effort ? " (and any further ones like it)" : "");
  }
  if (kind == Kind::best_effort) warned_drop_ = true;
  return Outcome::dropped;
}

}  // namespace famfs::service

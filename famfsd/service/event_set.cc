#include "service/event_set.h"

#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace famfs::service {

namespace {

uint64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000 + static_cast<uint64_t>(ts.tv_nsec);
}

Error errno_error(const char* what) { return Error(Errc::io_error, std::string(what) + ": " + strerror(errno)); }

// epoll_pwait2 (Linux 5.11) takes a timespec; older kernels get epoll_wait's
// milliseconds, rounded up so the deadline is never missed by an early wake.
bool g_have_pwait2 = true;

}  // namespace

uint64_t monotonic_us() { return monotonic_ns() / 1000; }

Result<std::unique_ptr<EventSet>> EventSet::create() {
  int fd = epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) return errno_error("epoll_create1");
  return std::unique_ptr<EventSet>(new EventSet(fd));
}

EventSet::~EventSet() { close(epfd_); }

Status EventSet::watch(unsigned tag, int fd, uint32_t events) {
  if (tag >= kMaxTags) return Error(Errc::invalid_argument, "event tag " + std::to_string(tag) + " out of range");
  Watched& w = watched_[tag];
  if (w.fd == fd && (fd < 0 || w.events == events)) return ok_status();
  epoll_event ev{};
  ev.events = events;
  ev.data.u32 = tag;
  if (w.fd >= 0 && w.fd != fd) {
    // The old descriptor may be closed already (then the kernel dropped it).
    (void)epoll_ctl(epfd_, EPOLL_CTL_DEL, w.fd, nullptr);
    w.fd = -1;
  }
  if (fd >= 0) {
    int rc = epoll_ctl(epfd_, w.fd == fd ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev);
    // A descriptor closed and opened again under the same number left the set.
    if (rc != 0 && errno == ENOENT && w.fd == fd) rc = epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev);
    if (rc != 0) return errno_error("epoll_ctl");
  }
  w.fd = fd;
  w.events = events;
  return ok_status();
}

Result<uint32_t> EventSet::wait(uint64_t deadline_us) {
  epoll_event ready[kMaxTags];
  int n;
  if (deadline_us == kNoDeadline) {
    n = epoll_wait(epfd_, ready, kMaxTags, -1);
  } else {
    const uint64_t now = monotonic_ns();
    const uint64_t due = deadline_us >= UINT64_MAX / 1000 ? UINT64_MAX : deadline_us * 1000;
    const uint64_t left = due > now ? due - now : 0;
    n = -1;
    if (g_have_pwait2) {
      timespec ts{static_cast<time_t>(left / 1'000'000'000), static_cast<long>(left % 1'000'000'000)};
      n = epoll_pwait2(epfd_, ready, kMaxTags, &ts, nullptr);
      if (n < 0 && errno == ENOSYS) g_have_pwait2 = false;
    }
    if (!g_have_pwait2) {
      const uint64_t ms = (left + 999'999) / 1'000'000;
      n = epoll_wait(epfd_, ready, kMaxTags, ms > INT32_MAX ? INT32_MAX : static_cast<int>(ms));
    }
  }
  if (n < 0) {
    if (errno == EINTR) return 0u;
    return errno_error("epoll_wait");
  }
  uint32_t mask = 0;
  for (int i = 0; i < n; ++i) mask |= 1u << ready[i].data.u32;
  return mask;
}

}  // namespace famfs::service

// The event loop's one wait: an epoll set of the loop's descriptors (the bus,
// the signalfd, timerfds, the workers' eventfd, the udev monitor), registered
// once, and a deadline with microsecond precision. Unlike poll(2), waking up
// costs nothing per watched descriptor, and the deadline replaces a timer
// descriptor that would have to be read after every expiry.
#pragma once

#include <cstdint>
#include <memory>

#include "util/result.h"

namespace famfs::service {

class EventSet {
 public:
  static constexpr uint64_t kNoDeadline = UINT64_MAX;
  static constexpr unsigned kMaxTags = 16;

  // A new, empty set. io_error when the kernel refuses an epoll descriptor.
  static Result<std::unique_ptr<EventSet>> create();
  ~EventSet();
  EventSet(const EventSet&) = delete;
  EventSet& operator=(const EventSet&) = delete;

  // Watches FD for EVENTS (POLLIN/POLLOUT bits; errors and hang-ups are
  // always reported) as TAG (< kMaxTags). Watching TAG again with the same fd
  // and events costs nothing; other events change the registration, another
  // fd replaces it. FD < 0 stops watching TAG. invalid_argument for a bad
  // tag, io_error when epoll_ctl fails.
  Status watch(unsigned tag, int fd, uint32_t events);
  // Waits until a watched descriptor is ready or the CLOCK_MONOTONIC time
  // DEADLINE_US has come (kNoDeadline: no limit; a past one: no sleep).
  // Returns the ready tags as a bit mask (bit TAG), 0 at the deadline or on
  // EINTR; io_error when the wait fails otherwise.
  Result<uint32_t> wait(uint64_t deadline_us);

 private:
  explicit EventSet(int epfd) : epfd_(epfd) {}
  struct Watched {
    int fd = -1;
    uint32_t events = 0;
  };
  int epfd_;
  Watched watched_[kMaxTags];
};

// CLOCK_MONOTONIC now, in microseconds (the loop's clock).
uint64_t monotonic_us();

}  // namespace famfs::service

// idle_floor INTERVAL_MS: the floor of service_bench part 4. Sleeps the way
// famfsd's event loop does while idle (EventSet: one epoll set holding a
// signalfd, woken by PollSchedule's deadlines every INTERVAL_MS) and does
// nothing at each wake-up, so its CPU is what the wake-ups alone cost on this
// machine. Runs until SIGTERM or SIGINT (exit 0).
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "service/event_set.h"
#include "service/poll_schedule.h"

int main(int argc, char** argv) {
  using famfs::service::EventSet;
  using famfs::service::PollSchedule;
  char* end = nullptr;
  const long ms = argc == 2 ? strtol(argv[1], &end, 10) : 0;
  if (argc != 2 || *end != '\0' || ms < 1 || ms > 60'000) {
    fprintf(stderr, "Usage: idle_floor INTERVAL_MS (1..60000)\n");
    return 2;
  }
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  const int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  auto set = EventSet::create();
  if (sfd < 0 || !set || !(*set)->watch(0, sfd, EPOLLIN)) {
    fprintf(stderr, "idle_floor: cannot set up the wait\n");
    return 1;
  }
  PollSchedule tick;
  tick.set_period(static_cast<uint64_t>(ms) * 1000, famfs::service::monotonic_us());
  uint64_t wakes = 0;
  for (;;) {
    auto ready = (*set)->wait(tick.deadline());
    if (!ready) {
      fprintf(stderr, "idle_floor: %s\n", ready.error().message().c_str());
      return 1;
    }
    if (*ready & 1u) break;
    wakes += tick.take_due(famfs::service::monotonic_us());
  }
  printf("idle_floor: %llu wake-ups every %ld ms\n", static_cast<unsigned long long>(wakes), ms);
  close(sfd);
  return 0;
}

// The log poll's clock: deadlines on a fixed grid (like a periodic timerfd,
// which counts overruns and fires once), kept by the event loop itself so an
// idle poll costs one wake-up of the loop's wait and nothing else (no timer
// descriptor to read or re-arm).
#pragma once

#include <cstdint>

namespace famfs::service {

class PollSchedule {
 public:
  static constexpr uint64_t kNever = UINT64_MAX;

  // Sets the period in microseconds (0 disarms). A different period starts a
  // new grid whose first deadline is NOW_US + period; the same period keeps
  // the grid (and its phase) as it is.
  void set_period(uint64_t period_us, uint64_t now_us);
  // The period (0: disarmed).
  uint64_t period() const { return period_us_; }
  // The next deadline (CLOCK_MONOTONIC microseconds), kNever when disarmed.
  uint64_t deadline() const { return period_us_ == 0 ? kNever : next_us_; }
  // True when a deadline has passed at NOW_US; the deadline then moves to the
  // first grid point after NOW_US (periods missed while busy are skipped).
  bool take_due(uint64_t now_us);

 private:
  uint64_t period_us_ = 0;
  uint64_t next_us_ = 0;
};

}  // namespace famfs::service

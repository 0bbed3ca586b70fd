#include "service/poll_schedule.h"

namespace famfs::service {

void PollSchedule::set_period(uint64_t period_us, uint64_t now_us) {
  if (period_us == period_us_) return;
  period_us_ = period_us;
  next_us_ = period_us == 0 ? 0 : now_us + period_us;
}

bool PollSchedule::take_due(uint64_t now_us) {
  if (period_us_ == 0 || now_us < next_us_) return false;
  // One step, or (behind by more than a period) the grid point after NOW_US.
  next_us_ += period_us_;
  if (next_us_ <= now_us) next_us_ += (now_us - next_us_) / period_us_ * period_us_ + period_us_;
  return true;
}

}  // namespace famfs::service

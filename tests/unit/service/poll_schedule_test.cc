// PollSchedule: the log poll's deadlines on a fixed grid, as a periodic
// timerfd would expire (times are given, never measured).
#include "service/poll_schedule.h"

#include <gtest/gtest.h>

namespace famfs::service {
namespace {

TEST(PollScheduleTest, DisarmedHasNoDeadlineAndIsNeverDue) {
  PollSchedule s;
  EXPECT_EQ(s.deadline(), PollSchedule::kNever);
  EXPECT_FALSE(s.take_due(0));
  EXPECT_FALSE(s.take_due(UINT64_MAX - 1));
  s.set_period(1000, 50);
  s.set_period(0, 60);
  EXPECT_EQ(s.period(), 0u);
  EXPECT_EQ(s.deadline(), PollSchedule::kNever);
  EXPECT_FALSE(s.take_due(10'000));
}

TEST(PollScheduleTest, FirstDeadlineIsOnePeriodAfterArmingAndEachTakeMovesOnePeriod) {
  PollSchedule s;
  s.set_period(1000, 5'000);
  EXPECT_EQ(s.deadline(), 6'000u);
  EXPECT_FALSE(s.take_due(5'999));
  EXPECT_EQ(s.deadline(), 6'000u);
  EXPECT_TRUE(s.take_due(6'000));
  EXPECT_EQ(s.deadline(), 7'000u);
  EXPECT_FALSE(s.take_due(6'000));  // once per deadline
  // A late wake-up keeps the grid: the next deadline is not pushed back.
  EXPECT_TRUE(s.take_due(7'400));
  EXPECT_EQ(s.deadline(), 8'000u);
}

TEST(PollScheduleTest, MissedPeriodsAreSkippedNotReplayed) {
  PollSchedule s;
  s.set_period(1000, 0);
  EXPECT_TRUE(s.take_due(5'500));  // 1000..5000 all passed: one poll
  EXPECT_EQ(s.deadline(), 6'000u);
  EXPECT_FALSE(s.take_due(5'999));
  EXPECT_TRUE(s.take_due(9'000));  // exactly on a grid point: the next one is after it
  EXPECT_EQ(s.deadline(), 10'000u);
}

TEST(PollScheduleTest, TheSamePeriodKeepsThePhaseAndAnotherStartsAfresh) {
  PollSchedule s;
  s.set_period(1000, 0);
  s.set_period(1000, 700);  // the loop sets the period after every wake-up
  EXPECT_EQ(s.deadline(), 1'000u);
  s.set_period(5000, 700);  // a reload with another poll_interval_ms
  EXPECT_EQ(s.period(), 5000u);
  EXPECT_EQ(s.deadline(), 5'700u);
  EXPECT_TRUE(s.take_due(5'700));
  EXPECT_EQ(s.deadline(), 10'700u);
}

}  // namespace
}  // namespace famfs::service

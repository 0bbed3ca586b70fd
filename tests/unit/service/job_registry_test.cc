// JobRegistry: numbering, lingering of completed jobs, progress, cancel.
#include "service/job_registry.h"

#include <gtest/gtest.h>

#include <memory>

namespace famfs::service {
namespace {

struct FakeJob : TrackedJob {
  bool done = false;
  int published = 0;
  bool cancelled = false;
  bool completed() const override { return done; }
  void publish_progress() override { ++published; }
  void request_cancel() override { cancelled = true; }
};

TEST(JobRegistryTest, JobNumbersStartAtOneAndNeverRepeat) {
  JobRegistry r(1000);
  EXPECT_EQ(r.next_id(), 1u);
  EXPECT_EQ(r.next_id(), 2u);
  EXPECT_EQ(r.next_id(), 3u);
}

TEST(JobRegistryTest, CompletedJobStaysForTheLingerTimeThenGoes) {
  JobRegistry r(5000);
  auto job = std::make_shared<FakeJob>();
  r.keep(job);
  r.sweep(100);
  EXPECT_EQ(r.size(), 1u);
  job->done = true;
  r.sweep(1000);  // first seen completed: the linger time starts here
  EXPECT_EQ(r.size(), 1u);
  r.sweep(6000);
  EXPECT_EQ(r.size(), 1u) << "5000 us after 1000 is not past the linger time yet";
  r.sweep(6001);
  EXPECT_TRUE(r.empty());
}

TEST(JobRegistryTest, SweepPublishesProgressOfRunningJobsOnly) {
  JobRegistry r(5000);
  auto running = std::make_shared<FakeJob>();
  auto finished = std::make_shared<FakeJob>();
  finished->done = true;
  r.keep(running);
  r.keep(finished);
  r.sweep(10);
  EXPECT_EQ(running->published, 1);
  EXPECT_EQ(finished->published, 0);
  r.publish_progress();
  EXPECT_EQ(running->published, 2);
  EXPECT_EQ(finished->published, 1) << "publish_progress covers every job";
}

TEST(JobRegistryTest, CancelAllAsksEveryJobToStop) {
  JobRegistry r(5000);
  auto a = std::make_shared<FakeJob>();
  auto b = std::make_shared<FakeJob>();
  r.keep(a);
  r.keep(b);
  r.cancel_all();
  EXPECT_TRUE(a->cancelled);
  EXPECT_TRUE(b->cancelled);
}

}  // namespace
}  // namespace famfs::service

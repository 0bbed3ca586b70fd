// EventSet: the loop's epoll set and its deadline, on real descriptors
// (eventfds and a pipe). No timing thresholds: a deadline is checked only in
// the direction the loop relies on (never woken before it).
#include "service/event_set.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>

namespace famfs::service {
namespace {

class EventSetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = EventSet::create();
    ASSERT_TRUE(s);
    set_ = std::move(s.value());
    a_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    b_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    ASSERT_GE(a_, 0);
    ASSERT_GE(b_, 0);
    ASSERT_EQ(pipe2(pipe_, O_NONBLOCK | O_CLOEXEC), 0);
  }
  void TearDown() override {
    set_.reset();
    for (int fd : {a_, b_, pipe_[0], pipe_[1]})
      if (fd >= 0) close(fd);
  }
  static void signal(int fd) {
    uint64_t one = 1;
    ASSERT_EQ(write(fd, &one, sizeof one), static_cast<ssize_t>(sizeof one));
  }
  // What is ready now (a deadline already past: no sleep).
  uint32_t ready_now() {
    auto r = set_->wait(0);
    EXPECT_TRUE(r);
    return r ? *r : ~0u;
  }

  std::unique_ptr<EventSet> set_;
  int a_ = -1, b_ = -1;
  int pipe_[2] = {-1, -1};
};

TEST_F(EventSetTest, APastDeadlineReturnsNothingReady) {
  ASSERT_TRUE(set_->watch(1, a_, POLLIN));
  EXPECT_EQ(ready_now(), 0u);
}

TEST_F(EventSetTest, NeverReturnsBeforeItsDeadline) {
  ASSERT_TRUE(set_->watch(1, a_, POLLIN));
  for (uint64_t wait_us : {1u, 300u, 2'000u}) {
    const uint64_t deadline = monotonic_us() + wait_us;
    auto r = set_->wait(deadline);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, 0u);
    EXPECT_GE(monotonic_us(), deadline);
  }
}

TEST_F(EventSetTest, ReadyDescriptorsAreReportedByTheirTags) {
  ASSERT_TRUE(set_->watch(3, a_, POLLIN));
  ASSERT_TRUE(set_->watch(9, b_, POLLIN));
  signal(b_);
  EXPECT_EQ(ready_now(), 1u << 9);
  signal(a_);
  auto r = set_->wait(EventSet::kNoDeadline);  // something is ready: no sleep
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (1u << 3) | (1u << 9));  // level-triggered: b_ was not read
}

TEST_F(EventSetTest, WatchingAgainChangesTheEventsAndMinusOneStops) {
  ASSERT_TRUE(set_->watch(2, pipe_[1], POLLIN));
  EXPECT_EQ(ready_now(), 0u);  // a pipe's write end is never readable
  ASSERT_TRUE(set_->watch(2, pipe_[1], POLLIN | POLLOUT));
  EXPECT_EQ(ready_now(), 1u << 2);                          // but writable
  ASSERT_TRUE(set_->watch(2, pipe_[1], POLLIN | POLLOUT));  // unchanged: no-op
  EXPECT_EQ(ready_now(), 1u << 2);
  ASSERT_TRUE(set_->watch(2, -1, POLLIN));
  EXPECT_EQ(ready_now(), 0u);
}

TEST_F(EventSetTest, AnotherDescriptorReplacesTheTagsOld) {
  ASSERT_TRUE(set_->watch(0, a_, POLLIN));
  signal(a_);
  ASSERT_TRUE(set_->watch(0, b_, POLLIN));
  EXPECT_EQ(ready_now(), 0u);  // a_ is ready but no longer watched
  signal(b_);
  EXPECT_EQ(ready_now(), 1u << 0);
}

TEST_F(EventSetTest, ADescriptorClosedAndReopenedUnderItsNumberIsWatchedAgain) {
  ASSERT_TRUE(set_->watch(4, a_, POLLIN));
  const int number = a_;
  close(a_);  // the kernel drops it from the set
  a_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  ASSERT_EQ(a_, number);
  signal(a_);
  ASSERT_TRUE(set_->watch(4, a_, POLLIN | POLLOUT));
  EXPECT_EQ(ready_now(), 1u << 4);
}

TEST_F(EventSetTest, ATagOutOfRangeIsInvalid) {
  Status s = set_->watch(EventSet::kMaxTags, a_, POLLIN);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Errc::invalid_argument);
}

}  // namespace
}  // namespace famfs::service

// WorkerPool: work on threads, completions on the polling thread, the queue
// beyond the workers, stop().
#include "service/worker_pool.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace famfs::service {
namespace {

// Polls the pool's fd and drains until PRED holds (at most ~10 s, so a bug fails instead of hanging).
template <typename Pred>
bool drain_until(WorkerPool& pool, Pred pred) {
  for (int i = 0; i < 1000 && !pred(); ++i) {
    pollfd p{pool.fd(), POLLIN, 0};
    if (poll(&p, 1, 10) > 0) pool.drain();
  }
  return pred();
}

// A gate the work waits at until the test opens it.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  void wait() {
    std::unique_lock<std::mutex> l(mu);
    cv.wait(l, [&] { return open; });
  }
  void release() {
    std::lock_guard<std::mutex> l(mu);
    open = true;
    cv.notify_all();
  }
};

TEST(WorkerPoolTest, CompletionRunsOnTheDrainingThreadAfterTheWork) {
  auto pool = WorkerPool::create(4, 4);
  ASSERT_TRUE(pool.ok());
  std::thread::id worker, completion;
  bool done = false;
  ASSERT_TRUE((*pool)
                  ->spawn([&] { worker = std::this_thread::get_id(); },
                          [&] {
                            completion = std::this_thread::get_id();
                            done = true;
                          })
                  .ok());
  ASSERT_TRUE(drain_until(**pool, [&] { return done; }));
  EXPECT_NE(worker, std::this_thread::get_id()) << "the work runs on a worker thread";
  EXPECT_EQ(completion, std::this_thread::get_id()) << "the completion runs in drain()";
  EXPECT_EQ((*pool)->running(), 0u) << "the finished worker is joined";
}

TEST(WorkerPoolTest, WorkBeyondTheWorkersWaitsInOrderAndAFullQueueIsBusy) {
  auto pool = WorkerPool::create(1, 2);
  ASSERT_TRUE(pool.ok());
  Gate gate;
  std::vector<int> order;
  ASSERT_TRUE((*pool)->spawn([&] { gate.wait(); }, [&] { order.push_back(0); }).ok());
  ASSERT_TRUE((*pool)->spawn([] {}, [&] { order.push_back(1); }).ok());
  ASSERT_TRUE((*pool)->spawn([] {}, [&] { order.push_back(2); }).ok());
  EXPECT_EQ((*pool)->running(), 1u);
  EXPECT_EQ((*pool)->queued(), 2u);
  Status full = (*pool)->spawn([] {}, [] {});
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code(), Errc::busy);
  EXPECT_NE(full.error().message().find("1 running, 2 waiting"), std::string::npos) << full.error().message();
  gate.release();
  ASSERT_TRUE(drain_until(**pool, [&] { return order.size() == 3; }));
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2})) << "queued work starts first in, first out";
}

TEST(WorkerPoolTest, StopDropsQueuedWorkButRunningWorkStillCompletes) {
  auto pool = WorkerPool::create(1, 4);
  ASSERT_TRUE(pool.ok());
  Gate gate;
  bool first = false, second_ran = false, second_done = false;
  ASSERT_TRUE((*pool)->spawn([&] { gate.wait(); }, [&] { first = true; }).ok());
  ASSERT_TRUE((*pool)->spawn([&] { second_ran = true; }, [&] { second_done = true; }).ok());
  (*pool)->stop();
  EXPECT_EQ((*pool)->queued(), 0u);
  gate.release();
  ASSERT_TRUE(drain_until(**pool, [&] { return first; }));
  EXPECT_EQ((*pool)->running(), 0u);
  EXPECT_FALSE(second_ran);
  EXPECT_FALSE(second_done);
}

TEST(WorkerPoolTest, AThrowingCompletionIsReportedAndTheOthersStillRun) {
  auto pool = WorkerPool::create(2, 2);
  ASSERT_TRUE(pool.ok());
  std::atomic<int> finished{0};
  bool other = false;
  std::vector<std::string> errors;
  ASSERT_TRUE((*pool)->spawn([&] { ++finished; }, [] { throw std::runtime_error("reply failed"); }).ok());
  ASSERT_TRUE((*pool)->spawn([&] { ++finished; }, [&] { other = true; }).ok());
  for (int i = 0; i < 1000 && (!other || errors.empty()); ++i) {
    pollfd p{(*pool)->fd(), POLLIN, 0};
    if (poll(&p, 1, 10) > 0) (*pool)->drain([&](const char* what) { errors.emplace_back(what); });
  }
  EXPECT_TRUE(other);
  EXPECT_EQ(errors, std::vector<std::string>{"reply failed"});
}

TEST(WorkerPoolTest, DestructionJoinsRunningWorkWithoutRunningItsCompletion) {
  std::atomic<bool> ran{false};
  bool completed = false;
  {
    auto pool = WorkerPool::create(1, 1);
    ASSERT_TRUE(pool.ok());
    ASSERT_TRUE((*pool)
                    ->spawn(
                        [&] {
                          std::this_thread::sleep_for(std::chrono::milliseconds(20));
                          ran = true;
                        },
                        [&] { completed = true; })
                    .ok());
  }
  EXPECT_TRUE(ran.load()) << "the destructor waited for the worker";
  EXPECT_FALSE(completed);
}

}  // namespace
}  // namespace famfs::service

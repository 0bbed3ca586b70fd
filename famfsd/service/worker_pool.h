// Worker threads for transfers (copies in and out of the device): the work
// runs on a thread, its completion on the event loop thread. The pool owns
// the eventfd the loop polls to learn that completions wait.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "util/result.h"

namespace famfs::service {

class WorkerPool {
 public:
  // MAX_WORKERS threads at once; MAX_QUEUED pairs wait beyond them. Errors:
  // io_error (no eventfd).
  static Result<std::unique_ptr<WorkerPool>> create(size_t max_workers, size_t max_queued);
  // Drops what is queued and joins every running worker (their completions
  // are dropped, not run).
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Readable while completions wait for drain() (the loop polls it).
  int fd() const { return wake_fd_; }
  // Runs FN on a worker thread; DONE runs on the loop thread afterwards (in
  // drain()). When every worker is taken the pair waits in a queue (FIFO)
  // for one; busy when that queue is full too (or no thread can be started).
  Status spawn(std::function<void()> fn, std::function<void()> done);
  // Runs the completions of finished work, starting queued work on the
  // freed workers first (loop thread). An exception of a completion is
  // reported to ON_ERROR and does not stop the others.
  void drain(const std::function<void(const char* what)>& on_error = {});
  // No more work starts: what is queued is dropped (it never started, so
  // nothing of it is lost); running work goes on and still completes.
  void stop();
  // Work running on threads (whose completion has not run yet).
  size_t running() const { return workers_.size(); }
  size_t queued() const { return queued_.size(); }

 private:
  WorkerPool(int wake_fd, size_t max_workers, size_t max_queued);
  using Work = std::pair<std::function<void()>, std::function<void()>>;
  // Starts FN/DONE on a new thread (busy if none can be started).
  Status start(std::function<void()>& fn, std::function<void()>& done);
  // Starts queued work while workers are free.
  void start_queued();

  int wake_fd_;
  size_t max_workers_, max_queued_;
  bool stopping_ = false;
  uint64_t counter_ = 0;
  std::map<uint64_t, std::thread> workers_;
  std::deque<Work> queued_;
  std::mutex mu_;
  std::vector<std::function<void()>> completions_;  // guarded by mu_
};

}  // namespace famfs::service

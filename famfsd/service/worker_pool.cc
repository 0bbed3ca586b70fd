#include "service/worker_pool.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <string>
#include <system_error>

namespace famfs::service {

Result<std::unique_ptr<WorkerPool>> WorkerPool::create(size_t max_workers, size_t max_queued) {
  int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) return Error(Errc::io_error, std::string("cannot create the worker eventfd: ") + strerror(errno));
  return std::unique_ptr<WorkerPool>(new WorkerPool(fd, max_workers, max_queued));
}

WorkerPool::WorkerPool(int wake_fd, size_t max_workers, size_t max_queued)
    : wake_fd_(wake_fd), max_workers_(max_workers), max_queued_(max_queued) {}

WorkerPool::~WorkerPool() {
  queued_.clear();
  for (auto& [id, t] : workers_)
    if (t.joinable()) t.join();
  completions_.clear();
  close(wake_fd_);
}

Status WorkerPool::spawn(std::function<void()> fn, std::function<void()> done) {
  start_queued();
  if (workers_.size() < max_workers_ && queued_.empty()) return start(fn, done);
  if (queued_.size() >= max_queued_)
    return Error(Errc::busy, "too many transfers in progress (" + std::to_string(workers_.size()) + " running, " +
                                 std::to_string(queued_.size()) + " waiting); try again");
  queued_.emplace_back(std::move(fn), std::move(done));
  return ok_status();
}

Status WorkerPool::start(std::function<void()>& fn, std::function<void()>& done) {
  uint64_t id = ++counter_;
  auto body = [this, id, fn, done]() mutable {
    fn();
    fn = nullptr;  // what the work holds is released before the caller hears of it
    {
      std::lock_guard<std::mutex> lock(mu_);
      completions_.push_back([this, id, done = std::move(done)] {
        auto it = workers_.find(id);
        if (it != workers_.end()) {
          it->second.join();
          workers_.erase(it);
        }
        start_queued();
        done();
      });
    }
    uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof one);
  };
  auto slot = workers_.try_emplace(id).first;  // allocated before the thread exists
  try {
    slot->second = std::thread(std::move(body));
  } catch (const std::system_error& e) {
    workers_.erase(slot);
    return Error(Errc::busy, std::string("cannot start a transfer thread: ") + e.what() + "; try again");
  }
  return ok_status();
}

void WorkerPool::start_queued() {
  while (!stopping_ && workers_.size() < max_workers_ && !queued_.empty()) {
    auto& [fn, done] = queued_.front();
    // On failure it stays queued: the next completion or spawn tries again.
    if (!start(fn, done)) return;
    queued_.pop_front();
  }
}

void WorkerPool::stop() {
  stopping_ = true;
  queued_.clear();
}

void WorkerPool::drain(const std::function<void(const char* what)>& on_error) {
  uint64_t count;
  (void)!read(wake_fd_, &count, sizeof count);  // the eventfd hands over its whole count
  std::vector<std::function<void()>> ready;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ready.swap(completions_);
  }
  for (auto& fn : ready) {
    try {
      fn();
    } catch (const std::exception& e) {
      if (on_error) on_error(e.what());
    }
  }
}

}  // namespace famfs::service

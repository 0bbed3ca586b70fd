// The job objects famfsd keeps (large copies): running ones, and completed
// ones for a while after, so a client that looks late still finds them.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <utility>

namespace famfs::service {

// What the registry needs of a job (JobObject on the bus; fakes in tests).
class TrackedJob {
 public:
  virtual ~TrackedJob() = default;
  // Whether the job has reported its outcome.
  virtual bool completed() const = 0;
  // Announces its progress if it moved (PropertiesChanged).
  virtual void publish_progress() = 0;
  // Asks the job's work to stop (it completes with a failure soon after).
  virtual void request_cancel() = 0;
};

class JobRegistry {
 public:
  // LINGER_US: how long a completed job stays listed.
  explicit JobRegistry(uint64_t linger_us) : linger_us_(linger_us) {}

  // The number of the next job (1, 2, ...), for its object path.
  uint64_t next_id() { return ++counter_; }
  // Keeps JOB until LINGER_US after sweep() first sees it completed.
  void keep(std::shared_ptr<TrackedJob> job) { jobs_.emplace_back(std::move(job), 0); }
  // At NOW_US: drops the jobs completed more than LINGER_US ago, publishes
  // the progress of the running ones.
  void sweep(uint64_t now_us);
  // Publishes the progress of every job (running or not).
  void publish_progress();
  // Asks every job to stop (famfsd is stopping).
  void cancel_all();
  bool empty() const { return jobs_.empty(); }
  size_t size() const { return jobs_.size(); }
  // Drops every job (before the bus connection goes).
  void clear() { jobs_.clear(); }

 private:
  uint64_t linger_us_;
  uint64_t counter_ = 0;
  std::list<std::pair<std::shared_ptr<TrackedJob>, uint64_t>> jobs_;  // job, completed-at (0: running)
};

}  // namespace famfs::service

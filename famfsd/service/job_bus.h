// org.famfs.Famfs1.Job objects: a long copy with Progress and Completed.
#pragma once

#include <sdbus-c++/sdbus-c++.h>

#include <atomic>
#include <memory>
#include <string>

#include "famfs1_job_adaptor.h"
#include "service/job_registry.h"
#include "service/transfer.h"

namespace famfs::service {

class Daemon;

class JobObject final : public sdbus::AdaptorInterfaces<org::famfs::Famfs1::Job_adaptor, sdbus::Properties_adaptor,
                                                        sdbus::ManagedObject_adaptor>,
                        public TrackedJob {
 public:
  // PROGRESS: the counters of the transfer the job follows.
  JobObject(Daemon& daemon, std::string object_path, std::string operation, std::string path, uint64_t total,
            uid_t started_by, std::shared_ptr<TransferProgress> progress);
  ~JobObject();

  bool completed() const override { return completed_; }
  // Emits Completed once (loop thread).
  void complete(bool success, const std::string& error, const std::string& message);
  // Emits PropertiesChanged(BytesDone, Progress) if they moved.
  void publish_progress() override;
  void request_cancel() override { progress_->cancel.store(true); }

 private:
  void Cancel(const std::map<std::string, sdbus::Variant>& options) override;
  std::string GetPath(const std::map<std::string, sdbus::Variant>& options) override;
  std::string Operation() override { return operation_; }
  // The path when every caller may stat it, else "" (see job_bus.cc).
  std::string Path() override;
  uint64_t BytesTotal() override { return total_; }
  uint64_t BytesDone() override { return progress_->done.load(std::memory_order_relaxed); }
  double Progress() override;
  uint32_t StartedByUid() override { return started_by_; }
  bool Finished() override { return completed_; }
  bool Success() override { return success_; }
  std::string Error() override { return error_; }
  std::string Message() override { return message_; }

  Daemon& daemon_;
  std::string operation_, path_;
  uint64_t total_;
  uid_t started_by_;
  std::shared_ptr<TransferProgress> progress_;  // bytes done (workers add to it), the cancel request
  uint64_t published_done_ = 0;
  bool completed_ = false, success_ = false;
  std::string error_, message_;
};

}  // namespace famfs::service

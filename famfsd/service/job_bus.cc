#include "service/job_bus.h"

#include "omf/path_rules.h"
#include "service/bus_errors.h"
#include "service/bus_options.h"
#include "service/daemon.h"
#include "service/permissions.h"

namespace famfs::service {

JobObject::JobObject(Daemon& daemon, std::string object_path, std::string operation, std::string path, uint64_t total,
                     uid_t started_by, std::shared_ptr<TransferProgress> progress)
    : AdaptorInterfaces(daemon.connection(), std::move(object_path)),
      daemon_(daemon),
      operation_(std::move(operation)),
      path_(std::move(path)),
      total_(total),
      started_by_(started_by),
      progress_(std::move(progress)) {
  registerAdaptor();
  emitInterfacesAddedSignal({org::famfs::Famfs1::Job_adaptor::INTERFACE_NAME});
}

JobObject::~JobObject() {
  try {
    emitInterfacesRemovedSignal({org::famfs::Famfs1::Job_adaptor::INTERFACE_NAME});
  } catch (const sdbus::Error&) {  // the connection may be going away
  }
  unregisterAdaptor();
}

std::string JobObject::Path() {
  // sdbus-c++ 1.2 does not tell a property getter who asks (the message
  // being processed is known only inside method handlers), so the path is
  // shown only when every caller may stat it: the "other" class has search
  // on every directory on the way. The
  // file appears only when the copy commits, so what decides is the way to
  // its parent. GetPath answers for the calling user.
  const Volume* vol = daemon_.instance().volume();
  if (vol == nullptr) return "";
  return everyone_may_search(vol->state().names(), omf::parent_path(path_)) ? path_ : "";
}

double JobObject::Progress() {
  if (total_ == 0) return 1.0;
  return static_cast<double>(progress_->done.load(std::memory_order_relaxed)) / static_cast<double>(total_);
}

std::string JobObject::GetPath(const std::map<std::string, sdbus::Variant>& options) {
  try {
    Options o(options, {});
    Caller c = daemon_.caller_of(*getObject().getCurrentlyProcessedMessage());
    const Volume* vol = daemon_.instance().volume();
    if (vol == nullptr) throw named_error("NotFormatted", "the file system is gone");
    // The walk a stat(2) of the path would make, up to its parent.
    auto parent = resolve(vol->state().names(), c, omf::parent_path(path_), kMayExec);
    if (!parent) throw to_dbus_error(parent.error());
    return path_;
  } catch (const sdbus::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw named_error("Failed", e.what());
  }
}

void JobObject::Cancel(const std::map<std::string, sdbus::Variant>& options) {
  try {
    Options o(options, {});
    Caller c = daemon_.caller_of(*getObject().getCurrentlyProcessedMessage());
    if (c.uid != 0 && c.uid != started_by_)
      throw named_error("AccessDenied",
                        "only root or the job's starter (uid " + std::to_string(started_by_) + ") may cancel it");
    if (completed_) throw named_error("Busy", "the job has completed already");
    progress_->cancel.store(true);
  } catch (const sdbus::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw named_error("Failed", e.what());
  }
}

void JobObject::publish_progress() {
  uint64_t now = progress_->done.load(std::memory_order_relaxed);
  if (now == published_done_) return;
  published_done_ = now;
  emitPropertiesChangedSignal(org::famfs::Famfs1::Job_adaptor::INTERFACE_NAME, {"BytesDone", "Progress"});
}

void JobObject::complete(bool success, const std::string& error, const std::string& message) {
  if (completed_) return;
  completed_ = true;
  success_ = success;
  error_ = error;
  message_ = message;
  publish_progress();
  emitPropertiesChangedSignal(org::famfs::Famfs1::Job_adaptor::INTERFACE_NAME,
                              {"Finished", "Success", "Error", "Message"});
  emitCompleted(success, error, message);
}

}  // namespace famfs::service

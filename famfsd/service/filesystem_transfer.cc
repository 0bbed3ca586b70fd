// org.famfs.Famfs1.Filesystem transfer members: CopyIn, CommitFiles and
// ReadFile. They parse, check and reply; service/transfer.h does the work.
#include <fcntl.h>

#include <memory>
#include <string>
#include <vector>

#include "service/bus_errors.h"
#include "service/bus_options.h"
#include "service/daemon.h"
#include "service/filesystem_bus.h"
#include "service/job_bus.h"
#include "service/permissions.h"
#include "service/transfer.h"
#include "util/bus_name.h"

namespace famfs::service {

void FilesystemObject::CopyIn(sdbus::Result<sdbus::ObjectPath>&& result, std::string path, sdbus::UnixFd source,
                              OptionMap options) {
  try {
    guard_handler("CopyIn", [&] {
      Options o(options, {{"mode", "u"},
                          {"uid", "u"},
                          {"gid", "u"},
                          {"nstrips", "u"},
                          {"chunk_size", "t"},
                          {"job", "b"},
                          {"commit", "b"}});
      Caller c = authorized(Action::mutate);
      require_valid_path(path);
      volume();
      const bool commit = o.boolean("commit").value_or(true);
      if (!commit && o.boolean("job").value_or(false))
        throw named_error("InvalidArgument", "commit=false copies are never jobs (job=true)");
      auto size = copy_source_size(source.get());
      if (!size) throw to_dbus_error(size.error());
      FileRequest r = file_request(path, *size, o, c);
      throw_if(may_create(volume().state().names(), c, path));
      if (!commit) throw_if(daemon_.reservations().admit(path));
      int fd = fcntl(source.get(), F_DUPFD_CLOEXEC, 3);
      if (fd < 0) throw named_error("Failed", "cannot keep the source descriptor");
      auto copy = daemon_.transfers().prepare_copy_in(r, fd);
      if (!copy) throw to_dbus_error(copy.error());

      auto progress = std::make_shared<TransferProgress>();
      if (!commit) {
        // Copied and flushed, then kept as a reservation of this caller until CommitFiles.
        auto reply = std::make_shared<sdbus::Result<sdbus::ObjectPath>>(std::move(result));
        Daemon* daemon = &daemon_;
        std::string sender = getObject().getCurrentlyProcessedMessage()->getSender();
        Status spawned = daemon_.transfers().start_reserved_copy(
            std::move(copy.value()), progress, [reply, daemon, sender](Result<PendingFile>&& file) {
              Result<uint64_t> id = file ? daemon->reserve(sender, std::move(file.value())) : file.error();
              if (id)
                reply->returnResults(sdbus::ObjectPath(Reservations::handle(*id)));
              else
                reply->returnError(to_dbus_error(id.error()));
            });
        if (!spawned) reply->returnError(to_dbus_error(spawned.error()));
        return;
      }
      std::function<void(const Status&)> done;
      std::string job_path;
      std::shared_ptr<JobObject> job;
      std::shared_ptr<sdbus::Result<sdbus::ObjectPath>> reply;
      if (o.boolean("job").value_or(false) || r.size > daemon_.config().copy_job_threshold) {
        job_path = kJobPathPrefix + std::to_string(daemon_.next_job_id());
        job = std::make_shared<JobObject>(daemon_, job_path, "copy-in", r.path, r.size, c.uid, progress);
        daemon_.keep_job(job);
        done = [job](const Status& s) {
          job->complete(s.ok(), s ? "" : dbus_error_name(s.error().code()), s ? "" : s.error().message());
        };
      } else {
        // Small copies answer when done.
        reply = std::make_shared<sdbus::Result<sdbus::ObjectPath>>(std::move(result));
        done = [reply](const Status& s) {
          if (s)
            reply->returnResults(sdbus::ObjectPath("/"));
          else
            reply->returnError(to_dbus_error(s.error()));
        };
      }
      Status spawned = daemon_.transfers().start_copy_in(std::move(copy.value()), progress, std::move(done));
      if (!spawned) {
        if (reply) {  // the reply moved into the completion
          reply->returnError(to_dbus_error(spawned.error()));
          return;
        }
        job->complete(false, dbus_error_name(spawned.error().code()), spawned.error().message());
        throw to_dbus_error(spawned.error());
      }
      if (job) result.returnResults(sdbus::ObjectPath(job_path));
    });
  } catch (const sdbus::Error& e) {
    // Errors before the reply moved into the copy (a job's reply went out).
    try {
      result.returnError(e);
    } catch (...) {}
  }
}

std::vector<sdbus::Struct<std::string, std::string>> FilesystemObject::CommitFiles(
    const std::vector<sdbus::ObjectPath>& handles, const OptionMap& options) {
  return guard_handler("CommitFiles", [&] {
    Options o(options, {});
    Caller c = authorized(Action::mutate);
    if (handles.size() > kMaxBatchItems)
      throw named_error("InvalidArgument", "a batch holds at most " + std::to_string(kMaxBatchItems) +
                                               " reservations, not " + std::to_string(handles.size()));
    volume();
    const std::string sender = getObject().getCurrentlyProcessedMessage()->getSender();
    std::vector<sdbus::Struct<std::string, std::string>> results(handles.size());
    auto fail = [&](size_t i, const Error& e) { results[i] = {dbus_error_name(e.code()), e.message()}; };
    std::vector<PendingFile> batch;
    std::vector<size_t> index;  // results entry of each batch item
    for (size_t i = 0; i < handles.size(); ++i) {
      auto id = Reservations::parse_handle(handles[i]);
      if (!id) {
        fail(i, id.error());
        continue;
      }
      auto file = daemon_.reservations().take(*id, sender);
      if (!file) {
        fail(i, file.error());
        continue;
      }
      // The same checks as at CopyIn, against the file system as it is now.
      if (Status may = may_create(volume().state().names(), c, file->request.path); !may) {
        fail(i, may.error());
        daemon_.instance().abandon_copy(std::move(file.value()));
        continue;
      }
      batch.push_back(std::move(file.value()));
      index.push_back(i);
    }
    if (batch.empty()) return results;
    auto made = daemon_.instance().commit_copies(std::move(batch));
    if (!made) throw to_dbus_error(made.error());
    for (size_t k = 0; k < index.size(); ++k)
      if (!(*made)[k]) fail(index[k], (*made)[k].error());
    return results;
  });
}

void FilesystemObject::ReadFile(sdbus::Result<uint64_t>&& result, std::string path, sdbus::UnixFd dest,
                                OptionMap options) {
  try {
    guard_handler("ReadFile", [&] {
      Options o(options, {{"offset", "t"}, {"length", "t"}});
      Caller c = authorized(Action::read);
      const Node& n = file_node(c, path, kMayRead);
      auto range = read_range(n.size, o.u64("offset"), o.u64("length"));
      if (!range) throw to_dbus_error(range.error());
      throw_if(check_destination(dest.get()));
      int fd = fcntl(dest.get(), F_DUPFD_CLOEXEC, 3);
      if (fd < 0) throw named_error("Failed", "cannot keep the destination descriptor");
      // A caller that leaves the bus (famfsctl killed while its reader sleeps)
      // ends the transfer, full pipe or not.
      CallerWatches& watches = daemon_.caller_watches();
      CallerWatches::Watch watch = watches.watch(getObject().getCurrentlyProcessedMessage()->getSender());
      auto reply = std::make_shared<sdbus::Result<uint64_t>>(std::move(result));
      Status spawned = daemon_.transfers().read_out(n.map, *range, fd, watch.gone,
                                                    [reply, &watches, id = watch.id](const Result<uint64_t>& outcome) {
                                                      watches.unwatch(id);
                                                      if (outcome)
                                                        reply->returnResults(*outcome);
                                                      else
                                                        reply->returnError(to_dbus_error(outcome.error()));
                                                    });
      if (!spawned) {
        watches.unwatch(watch.id);
        reply->returnError(to_dbus_error(spawned.error()));
      }
    });
  } catch (const sdbus::Error& e) {
    try {
      result.returnError(e);
    } catch (...) {}
  }
}

}  // namespace famfs::service

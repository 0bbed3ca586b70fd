// cp: directories with Mkdir and CreateFiles; small files of a tree copied
// several at a time and committed together (CopyIn commit=false +
// CommitFiles), other files one CopyIn each; watching the copy jobs famfsd
// starts for large files.
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <algorithm>
#include <cstring>
#include <map>
#include <optional>

#include "commands.h"
#include "copy_plan.h"
#include "instance_name.h"
#include "method_options.h"
#include "progress_bar.h"

namespace famfs::cli {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Completed signals of every job object, recorded as they are dispatched.
// Subscribed before the first CopyIn so a job that ends at once is not missed.
// The match has no sender: libsystemd compares senders literally and the
// signal carries famfsd's unique name, which is looked up only when a job
// actually starts; the recorded sender is checked then.
class JobCompletions {
 public:
  struct Outcome {
    bool success;
    std::string error;
    std::string message;
  };

  explicit JobCompletions(sdbus::IConnection& connection) {
    slot_ = connection.addMatch("type='signal',interface='org.famfs.Famfs1.Job',member='Completed',path_namespace='" +
                                    std::string(kJobsObjectPath) + "'",
                                [this](sdbus::Message& message) { record(message); });
  }

  // The outcome of job PATH of SENDER (a unique name), once it is known.
  std::optional<Outcome> find(const std::string& sender, const std::string& path) const {
    auto it = done_.find({sender, path});
    if (it == done_.end()) return std::nullopt;
    return it->second;
  }

 private:
  void record(sdbus::Message& message) noexcept {
    try {
      Outcome outcome{};
      message >> outcome.success >> outcome.error >> outcome.message;
      done_[{message.getSender(), message.getPath()}] = std::move(outcome);
    } catch (...) {
      // A malformed signal is not ours to fail on; the job poll still sees the job end.
    }
  }

  sdbus::Slot slot_;
  std::map<std::pair<std::string, std::string>, Outcome> done_;
};

int terminal_width() {
  winsize ws{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

void draw(const std::string& line, bool final_line) {
  std::string out = "\r\033[K" + line + (final_line ? "\n" : "");
  fwrite(out.data(), 1, out.size(), stderr);
  fflush(stderr);
}

void clear_line() {
  fputs("\r\033[K", stderr);
  fflush(stderr);
}

class Copier {
 public:
  explicit Copier(Session& s) : s_(s), fs_(s.bus.connection(), s.bus_name), tty_(isatty(STDERR_FILENO) == 1) {}

  ExitCode run(const CopyPlan& plan) {
    const OptionMap file_options = copy_options(s_.request);
    std::vector<std::string> created;
    make_directories(plan, created);
    // Several files: the small ones are copied several at a time and
    // committed together (CopyIn commit=false, then CommitFiles); the
    // others, and a single file, one CopyIn each (copy, then commit).
    std::vector<const CopyStep*> batched;
    size_t files = 0;
    for (const auto& step : plan.steps) files += step.kind == CopyStep::Kind::copy_file;
    if (files > 1) {
      for (const auto& step : plan.steps) {
        struct stat st {};
        if (step.kind == CopyStep::Kind::copy_file && stat(step.local.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
            static_cast<uint64_t>(st.st_size) <= kBatchedFileMax)
          batched.push_back(&step);
      }
    }
    if (!batched.empty())
      if (ExitCode code = copy_batched(batched, file_options, created); code != ExitCode::ok) return code;
    for (const auto& step : plan.steps) {
      if (step.kind == CopyStep::Kind::make_directory) continue;                        // made above
      if (std::find(batched.begin(), batched.end(), &step) != batched.end()) continue;  // copied above
      try {
        int fd = open(step.local.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
          print_error("cp: cannot open \"" + step.local + "\": " + strerror(errno) + created_so_far(created));
          return ExitCode::failed;
        }
        sdbus::UnixFd source(fd, sdbus::adopt_fd);
        if (!completions_) completions_.emplace(s_.bus.connection());
        sdbus::ObjectPath job = fs_.CopyIn(step.target, source, file_options);
        if (job != "/") {
          if (ExitCode code = watch(job, step.target); code != ExitCode::ok) return code;
        }
      } catch (const sdbus::Error& e) {
        // Name the step that failed and what exists because of this command.
        throw sdbus::Error(e.getName(), "cp: \"" + step.local + "\" -> \"" + step.target +
                                            "\": " + one_line(e.getMessage()) + created_so_far(created));
      }
      created.push_back(step.target);
      if (s_.request.verbose) printf("'%s' -> 'famfs:%s'\n", step.local.c_str(), step.target.c_str());
    }
    return ExitCode::ok;
  }

 private:
  // Files up to this size go through the batch; a larger file is one
  // CopyIn (its copy time dwarfs its commit, and it may run as a job).
  static constexpr uint64_t kBatchedFileMax = 16ull << 20;
  static constexpr size_t kInFlight = 16;       // CopyIn calls on the way at once
  static constexpr size_t kCommitEvery = 1024;  // reservations per CommitFiles (famfsd's bound)

  // FILES copied with CopyIn commit=false, KINFLIGHT at a time, then
  // committed with CommitFiles. After a failure nothing new starts; what
  // was copied already is committed (it stays, as with cp) and the failure
  // is thrown naming its file. On Ctrl-C nothing more is committed: the
  // copies not committed are dropped by famfsd when famfsctl leaves the bus.
  ExitCode copy_batched(const std::vector<const CopyStep*>& files, const OptionMap& file_options,
                        std::vector<std::string>& created) {
    OptionMap options = file_options;
    options["commit"] = sdbus::Variant(false);
    struct Failure {
      const CopyStep* step;
      std::string name, message;
    };
    std::optional<Failure> failure;
    std::vector<std::pair<const CopyStep*, sdbus::ObjectPath>> ready;  // copied, not committed
    size_t next = 0, in_flight = 0;
    InterruptWatch interrupts;
    auto commit = [&] {
      for (size_t begin = 0; begin < ready.size(); begin += kCommitEvery) {
        const size_t end = std::min(ready.size(), begin + kCommitEvery);
        std::vector<sdbus::ObjectPath> handles;
        for (size_t i = begin; i < end; ++i) handles.push_back(ready[i].second);
        std::vector<sdbus::Struct<std::string, std::string>> results;
        try {
          results = fs_.CommitFiles(handles, {});
        } catch (const sdbus::Error& e) {
          if (!failure) failure = Failure{ready[begin].first, e.getName(), e.getMessage()};
          break;
        }
        for (size_t i = begin; i < end; ++i) {
          const CopyStep& step = *ready[i].first;
          const std::string name = i - begin < results.size() ? std::get<0>(results[i - begin]) : "";
          if (!name.empty()) {
            if (!failure) failure = Failure{&step, name, std::get<1>(results[i - begin])};
            continue;
          }
          created.push_back(step.target);
          if (s_.request.verbose) printf("'%s' -> 'famfs:%s'\n", step.local.c_str(), step.target.c_str());
        }
      }
      ready.clear();
    };
    while ((next < files.size() && !failure) || in_flight > 0) {
      while (!failure && in_flight < kInFlight && next < files.size() && ready.size() < kCommitEvery) {
        const CopyStep* step = files[next++];
        int fd = open(step->local.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
          failure = Failure{step, "", std::string("cannot open: ") + strerror(errno)};
          break;
        }
        sdbus::UnixFd source(fd, sdbus::adopt_fd);
        fs_.proxy()
            .callMethodAsync("CopyIn")
            .onInterface(org::famfs::Famfs1::Filesystem_proxy::INTERFACE_NAME)
            .withArguments(step->target, source, options)
            .uponReplyInvoke([&, step](const sdbus::Error* error, sdbus::ObjectPath handle) {
              --in_flight;
              if (error) {
                if (!failure) failure = Failure{step, error->getName(), error->getMessage()};
                return;
              }
              ready.emplace_back(step, std::move(handle));
            });
        ++in_flight;
      }
      if (in_flight == 0) {
        commit();  // every copy answered: a full batch, or the end
        continue;
      }
      if (wait_for_bus(s_.bus.connection(), interrupts, -1) == WaitResult::interrupted) {
        while (interrupts.take() != 0) {}
        print_error("interrupted; " + std::to_string(ready.size() + in_flight) +
                    " copied file(s) were not committed (nothing of them is visible)" + created_so_far(created));
        return ExitCode::interrupted;
      }
    }
    commit();
    if (failure) {
      const CopyStep& step = *failure->step;
      if (failure->name.empty()) {
        print_error("cp: cannot open \"" + step.local + "\": " + failure->message + created_so_far(created));
        return ExitCode::failed;
      }
      throw sdbus::Error(failure->name, "cp: \"" + step.local + "\" -> \"" + step.target +
                                            "\": " + one_line(failure->message) + created_so_far(created));
    }
    return ExitCode::ok;
  }

  // The directories of the plan, before any file: the first (the top of the
  // tree, whose missing parents are made too) with Mkdir, the others with
  // CreateFiles, 1024 per call, one log commit each. A directory that exists
  // already is fine (cp -r merges into it); anything else throws as Mkdir
  // would, naming the step. Files are not created this way: a file must
  // become visible only when its bytes are complete, so each one is still
  // a CopyIn (copy, flush, then commit).
  void make_directories(const CopyPlan& plan, std::vector<std::string>& created) {
    const OptionMap dir_options = copy_mkdir_options(s_.request);
    OptionMap item_options = dir_options;
    item_options.erase("parents");
    item_options["directory"] = sdbus::Variant(true);
    std::vector<const CopyStep*> dirs;
    for (const auto& step : plan.steps)
      if (step.kind == CopyStep::Kind::make_directory) dirs.push_back(&step);
    auto failed = [&](const CopyStep& step, const std::string& name, const std::string& message) {
      return sdbus::Error(name, "cp: \"" + step.local + "\" -> \"" + step.target + "\": " + one_line(message) +
                                    created_so_far(created));
    };
    constexpr size_t kBatch = 1024;
    for (size_t begin = 0; begin < dirs.size();) {
      if (begin == 0) {
        bool existed = false;
        try {
          PropertyMap info = fs_.Stat(dirs[0]->target, {});
          existed = get_string(info, "type").value_or("") == "dir";
        } catch (const sdbus::Error&) {
          // Missing (or not visible): Mkdir below makes it or names why not.
        }
        try {
          if (!existed) fs_.Mkdir(dirs[0]->target, dir_options);
        } catch (const sdbus::Error& e) {
          throw failed(*dirs[0], e.getName(), e.getMessage());
        }
        if (!existed) created.push_back(dirs[0]->target);
        if (s_.request.verbose) printf("'%s' -> 'famfs:%s'\n", dirs[0]->local.c_str(), dirs[0]->target.c_str());
        begin = 1;
        continue;
      }
      size_t end = std::min(dirs.size(), begin + kBatch);
      std::vector<sdbus::Struct<std::string, uint64_t, OptionMap>> items;
      for (size_t i = begin; i < end; ++i) items.emplace_back(dirs[i]->target, uint64_t{0}, item_options);
      std::vector<sdbus::Struct<std::string, std::string>> results;
      try {
        results = fs_.CreateFiles(items, {});
      } catch (const sdbus::Error& e) {
        throw failed(*dirs[begin], e.getName(), e.getMessage());
      }
      // Every item of the batch has its answer: list what was made, then name the first failure.
      const CopyStep* bad = nullptr;
      std::string bad_name, bad_message;
      for (size_t i = begin; i < end; ++i) {
        const CopyStep& step = *dirs[i];
        const std::string name = i - begin < results.size() ? std::get<0>(results[i - begin]) : "";
        if (!name.empty()) {
          bool merged = false;
          if (name == "org.famfs.Famfs1.Error.Exists") {
            PropertyMap info = fs_.Stat(step.target, {});
            merged = get_string(info, "type").value_or("") == "dir";
          }
          if (!merged && !bad) {
            bad = &step;
            bad_name = name;
            bad_message = std::get<1>(results[i - begin]);
          }
          if (merged && s_.request.verbose) printf("'%s' -> 'famfs:%s'\n", step.local.c_str(), step.target.c_str());
          continue;  // an existing directory is used, not created by this command
        }
        created.push_back(step.target);
        if (s_.request.verbose) printf("'%s' -> 'famfs:%s'\n", step.local.c_str(), step.target.c_str());
      }
      if (bad) throw failed(*bad, bad_name, bad_message);
      begin = end;
    }
  }

  // Follows job JOB until its Completed signal; draws progress on a terminal
  // and cancels the job on Ctrl-C.
  ExitCode watch(const std::string& job, const std::string& target) {
    if (owner_.empty()) owner_ = s_.bus.name_owner(s_.bus_name);
    JobProxy proxy(s_.bus.connection(), s_.bus_name, job);
    InterruptWatch interrupts;
    const auto start = Clock::now();
    const auto poll_every = std::chrono::milliseconds(tty_ ? 200 : 1000);
    RateMeter meter;
    ProgressSnapshot snapshot{target, 0, 0, 0};
    auto next_poll = start;
    bool drawn = false;

    while (true) {
      if (auto outcome = completions_->find(owner_, job)) {
        if (!outcome->success) {
          if (drawn) clear_line();
          throw sdbus::Error(outcome->error.empty() ? "org.famfs.Famfs1.Error.Failed" : outcome->error,
                             outcome->message);
        }
        if (drawn) {
          snapshot.done = snapshot.total;
          double elapsed = seconds_since(start);
          if (elapsed > 0) snapshot.rate = static_cast<double>(snapshot.total) / elapsed;
          draw(render_progress(snapshot, terminal_width()), true);
        }
        return ExitCode::ok;
      }
      if (Clock::now() >= next_poll) {
        if (!poll_job(proxy, snapshot)) {
          // The job object is gone: its Completed signal may be queued still.
          if (wait_for_bus(s_.bus.connection(), interrupts, 0) == WaitResult::activity) continue;
          if (completions_->find(owner_, job)) continue;
          if (drawn) clear_line();
          throw sdbus::Error("org.famfs.Famfs1.Error.Failed",
                             "the copy job for \"" + target + "\" vanished without reporting its result");
        }
        meter.add(seconds_since(start), snapshot.done);
        snapshot.rate = meter.rate();
        if (tty_) {
          draw(render_progress(snapshot, terminal_width()), false);
          drawn = true;
        }
        next_poll = Clock::now() + poll_every;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next_poll - Clock::now()).count();
      if (wait_for_bus(s_.bus.connection(), interrupts, static_cast<int>(std::max<int64_t>(left, 0)) + 1) ==
          WaitResult::interrupted) {
        if (drawn) clear_line();
        return cancel(proxy, job, target, interrupts);
      }
    }
  }

  // Reads BytesDone/BytesTotal; false when the job object no longer exists.
  bool poll_job(JobProxy& proxy, ProgressSnapshot& snapshot) {
    try {
      PropertyMap props = proxy.get_all();
      if (auto total = get_u64(props, "BytesTotal")) snapshot.total = *total;
      if (auto done = get_u64(props, "BytesDone")) snapshot.done = *done;
      return true;
    } catch (const sdbus::Error& e) {
      if (e.getName() == "org.freedesktop.DBus.Error.UnknownObject" ||
          e.getName() == "org.freedesktop.DBus.Error.UnknownInterface" ||
          e.getName() == "org.freedesktop.DBus.Error.UnknownMethod")
        return false;
      throw;
    }
  }

  ExitCode cancel(JobProxy& proxy, const std::string& job, const std::string& target, InterruptWatch& interrupts) {
    interrupts.take();
    try {
      proxy.Cancel({});
    } catch (const sdbus::Error&) {
      // Finished meanwhile, or already gone: the Completed signal tells.
    }
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < deadline && !completions_->find(owner_, job)) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (wait_for_bus(s_.bus.connection(), interrupts, static_cast<int>(left) + 1) == WaitResult::interrupted) break;
    }
    while (interrupts.take() != 0) {}  // consumed here, so none is delivered when the signals are unblocked
    auto outcome = completions_->find(owner_, job);
    if (outcome && outcome->success)
      print_error("interrupted; the copy to \"" + target + "\" had completed already");
    else if (outcome)
      print_error("interrupted; the copy to \"" + target + "\" was cancelled and nothing was created");
    else
      print_error("interrupted; cancellation of the copy to \"" + target + "\" was requested (job " + job + ")");
    return ExitCode::interrupted;
  }

  Session& s_;
  FilesystemProxy fs_;
  std::optional<JobCompletions> completions_;  // subscribed before the first CopyIn
  bool tty_;
  std::string owner_;
};

// Copy out: famfs:PATH sources into a local file or directory.
class Exporter {
 public:
  explicit Exporter(Session& s) : s_(s), fs_(s.bus.connection(), s.bus_name) {}

  ExitCode run(const std::vector<std::string>& sources, const std::string& local) {
    struct stat st {};
    const bool local_is_dir = stat(local.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    if (sources.size() > 1 && !local_is_dir) {
      print_error("cp: target \"" + local + "\" is not a local directory");
      return ExitCode::failed;
    }
    for (const auto& operand : sources) {
      const std::string path = famfs_operand_path(operand);
      PropertyMap info = fs_.Stat(path, {});
      const bool is_dir = get_string(info, "type").value_or("") == "dir";
      if (is_dir && !s_.request.recursive) {
        print_error("cp: \"" + operand + "\" is a directory (use cp -r)");
        return ExitCode::failed;
      }
      std::string target = local_is_dir ? copy_out_target(path.empty() ? "famfs" : path, local) : local;
      if (ExitCode code = is_dir ? export_dir(path, target) : export_file(path, target); code != ExitCode::ok)
        return code;
    }
    return ExitCode::ok;
  }

 private:
  // Written into a temporary file beside TARGET and renamed over it once
  // complete: a failure (permission, device) never leaves TARGET truncated
  // or half written.
  ExitCode export_file(const std::string& path, const std::string& target) {
    std::string temp = target + ".famfsctl-XXXXXX";
    int fd = mkostemp(temp.data(), O_CLOEXEC);
    if (fd < 0) {
      print_error("cp: cannot create \"" + target + "\": " + strerror(errno) + created_so_far(created_));
      return ExitCode::failed;
    }
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    try {
      sdbus::UnixFd dest(fd, sdbus::adopt_fd);
      fs_.ReadFile(path, dest, {});
    } catch (const sdbus::Error& e) {
      unlink(temp.c_str());
      throw sdbus::Error(e.getName(), "cp: \"famfs:" + path + "\" -> \"" + target + "\": " + one_line(e.getMessage()) +
                                          created_so_far(created_));
    }
    if (rename(temp.c_str(), target.c_str()) != 0) {
      int err = errno;
      unlink(temp.c_str());
      print_error("cp: cannot create \"" + target + "\": " + strerror(err) + created_so_far(created_));
      return ExitCode::failed;
    }
    created_.push_back(target);
    if (s_.request.verbose) printf("'famfs:%s' -> '%s'\n", path.c_str(), target.c_str());
    return ExitCode::ok;
  }

  ExitCode export_dir(const std::string& path, const std::string& target) {
    if (mkdir(target.c_str(), 0777) != 0 && errno != EEXIST) {
      print_error("cp: cannot create directory \"" + target + "\": " + strerror(errno) + created_so_far(created_));
      return ExitCode::failed;
    }
    created_.push_back(target + "/");
    if (s_.request.verbose) printf("'famfs:%s' -> '%s'\n", path.c_str(), target.c_str());
    for (const auto& e : fs_.ListDirectory(path, {})) {
      const std::string& name = std::get<0>(e);
      const std::string child = path.empty() ? name : path + "/" + name;
      const std::string local = target + "/" + name;
      ExitCode code = std::get<1>(e) == "dir" ? export_dir(child, local) : export_file(child, local);
      if (code != ExitCode::ok) return code;
    }
    return ExitCode::ok;
  }

  Session& s_;
  FilesystemProxy fs_;
  std::vector<std::string> created_;
};

// What DEST is in famfs: one Stat (NotFound: missing).
DestKind famfs_dest_kind(Session& s, const std::string& dest) {
  FilesystemProxy fs(s.bus.connection(), s.bus_name);
  try {
    PropertyMap info = fs.Stat(famfs_path(dest), {});
    return get_string(info, "type").value_or("") == "dir" ? DestKind::directory : DestKind::file;
  } catch (const sdbus::Error& e) {
    if (e.getName() == "org.famfs.Famfs1.Error.NotFound") return DestKind::missing;
    throw;
  }
}

}  // namespace

std::string created_so_far(const std::vector<std::string>& created) {
  if (created.empty()) return "; nothing was created";
  constexpr size_t kShown = 5;
  std::string out = "; created before the failure (they stay): ";
  for (size_t i = 0; i < created.size() && i < kShown; ++i) out += (i ? ", " : "") + created[i];
  if (created.size() > kShown) out += " and " + std::to_string(created.size() - kShown) + " more";
  return out;
}

ExitCode run_copy(Session& s) {
  const auto& ops = s.request.operands;
  std::vector<std::string> sources(ops.begin(), ops.end() - 1);
  if (is_famfs_operand(sources.front())) return Exporter(s).run(sources, ops.back());
  const std::string dest_path = famfs_path(ops.back());
  auto plan = plan_copy(sources, ops.back(), s.request.recursive,
                        dest_path.empty() ? DestKind::directory : famfs_dest_kind(s, ops.back()));
  if (!plan) {
    print_error("cp: " + plan.error().message());
    return ExitCode::failed;
  }
  for (const auto& skipped : plan->skipped)
    print_warning("cp: warning: skipping \"" + skipped + "\": not a regular file or directory");
  Copier copier(s);
  return copier.run(*plan);
}

}  // namespace famfs::cli

#include "commands.h"

#include <poll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <utility>

#include "instance_name.h"
#include "method_options.h"
#include "views.h"

namespace famfs::cli {
namespace {

void print(const std::string& text) { fwrite(text.data(), 1, text.size(), stdout); }

void print_json(const nlohmann::json& j) { print(dump_json(j, true) + "\n"); }

int64_t now_unix_ms() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

ExitCode run_list(Session& s) {
  std::vector<InstanceRow> rows;
  for (const auto& name : famfs_bus_names(s.bus.list_names())) {
    InstanceRow row{name, {}, {}};
    try {
      FilesystemProxy proxy(s.bus.connection(), name);
      row.properties = proxy.get_all();
    } catch (const sdbus::Error& e) {
      row.error = e.getMessage().empty() ? e.getName() : e.getMessage();
    }
    rows.push_back(std::move(row));
  }
  if (s.request.global.json) {
    print_json(render_list_json(rows));
  } else if (rows.empty()) {
    fputs("no famfsd instance is running\n", stderr);
  } else {
    print(render_list_text(rows));
  }
  return ExitCode::ok;
}

std::vector<DirEntry> to_entries(
    const std::vector<sdbus::Struct<std::string, std::string, uint64_t, uint32_t, uint32_t, uint32_t>>& raw) {
  std::vector<DirEntry> entries;
  entries.reserve(raw.size());
  for (const auto& e : raw)
    entries.push_back({std::get<0>(e), std::get<1>(e), std::get<2>(e), std::get<3>(e), std::get<4>(e), std::get<5>(e)});
  return entries;
}

// Whether standard output is a pipe or socket whose reader has gone (as
// after `famfsctl cat big | head -c 10`): the error then is the reader's
// choice, and famfsctl ends quietly with 0 as cat(1) does on EPIPE.
bool stdout_reader_gone() {
  struct stat st {};
  if (fstat(STDOUT_FILENO, &st) != 0 || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) return false;
  pollfd p{STDOUT_FILENO, POLLOUT, 0};
  return poll(&p, 1, 0) > 0 && (p.revents & (POLLERR | POLLHUP)) != 0;
}

// Items per CreateFiles call (famfsd takes at most 1024).
constexpr size_t kCreateBatch = 1024;

// create with several paths: CreateFiles in batches, one line (or JSON
// object) per path that failed; the exit code is the first failure's.
ExitCode create_many(FilesystemProxy& fs, const Request& r) {
  const OptionMap options = create_options(r);
  ExitCode first = ExitCode::ok;
  for (size_t begin = 0; begin < r.operands.size(); begin += kCreateBatch) {
    size_t end = std::min(r.operands.size(), begin + kCreateBatch);
    std::vector<sdbus::Struct<std::string, uint64_t, OptionMap>> items;
    items.reserve(end - begin);
    for (size_t i = begin; i < end; ++i) items.emplace_back(famfs_path(r.operands[i]), *r.size, options);
    auto results = fs.CreateFiles(items, {});
    for (size_t i = 0; i < results.size() && begin + i < end; ++i) {
      const std::string& name = std::get<0>(results[i]);
      if (name.empty()) continue;
      ExitCode code = exit_code_for_error(name);
      if (first == ExitCode::ok) first = code;
      report_failure(code, "create: " + std::get<0>(items[i]) + ": " + one_line(std::get<1>(results[i])), name);
    }
  }
  return first;
}

}  // namespace

namespace {
bool json_errors = false;
std::string pending_json_error;  // the last print_error() text in JSON mode
}  // namespace

void set_json_errors(bool on) { json_errors = on; }

void print_error(const std::string& message) {
  if (json_errors) {
    pending_json_error = message;  // famfsctl.cc prints it with the exit code
    return;
  }
  std::string line = "famfsctl: " + message + "\n";
  fflush(stdout);
  fwrite(line.data(), 1, line.size(), stderr);
}

void print_warning(const std::string& message) {
  fflush(stdout);
  std::string line = json_errors ? dump_json({{"warning", message}}, false) + "\n" : "famfsctl: " + message + "\n";
  fwrite(line.data(), 1, line.size(), stderr);
}

void report_failure(ExitCode code, const std::string& message, const std::string& error_name) {
  if (!json_errors) {
    print_error(message);
    return;
  }
  std::string name = error_name.empty() ? std::string(exit_code_name(code)) : error_name;
  std::string line = dump_json({{"error", name}, {"message", message}, {"exit_code", to_int(code)}}, false) + "\n";
  fflush(stdout);
  fwrite(line.data(), 1, line.size(), stderr);
}

std::string take_pending_error() { return std::exchange(pending_json_error, std::string()); }

ExitCode run_command(Session& s) {
  const Request& r = s.request;
  bool json = r.global.json;
  Command command = *r.command;
  if (command == Command::list) return run_list(s);
  if (command == Command::cp) return run_copy(s);
  if (command == Command::monitor) return run_monitor(s);

  FilesystemProxy fs(s.bus.connection(), s.bus_name);
  std::string path = r.operands.empty() ? "" : famfs_path(r.operands[0]);
  switch (command) {
    case Command::status: {
      PropertyMap props = fs.get_all();
      if (json)
        print_json(render_status_json(s.bus_name, props));
      else
        print(render_status_text(s.bus_name, props));
      return ExitCode::ok;
    }
    case Command::format: fs.Format(format_options(r)); return ExitCode::ok;
    case Command::create:
      if (r.operands.size() == 1) {
        fs.CreateFile(path, *r.size, create_options(r));
        return ExitCode::ok;
      }
      return create_many(fs, r);
    case Command::mkdir: fs.Mkdir(path, mkdir_options(r)); return ExitCode::ok;
    case Command::cat: {
      fflush(stdout);
      OptionMap part;
      if (r.offset) part["offset"] = sdbus::Variant(*r.offset);
      if (r.length) part["length"] = sdbus::Variant(*r.length);
      try {
        fs.ReadFile(path, sdbus::UnixFd(STDOUT_FILENO), part);
      } catch (const sdbus::Error&) {
        if (stdout_reader_gone()) return ExitCode::ok;
        throw;
      }
      return ExitCode::ok;
    }
    case Command::ls: {
      auto entries = to_entries(fs.ListDirectory(path, {}));
      if (json)
        print_json(render_ls_json(path, entries));
      else
        print(render_ls_text(entries, r.long_listing));
      return ExitCode::ok;
    }
    case Command::stat: {
      PropertyMap info = fs.Stat(path, {});
      if (json)
        print_json(map_to_json(info));
      else
        print(render_stat_text(info));
      return ExitCode::ok;
    }
    case Command::getmap: {
      PropertyMap map = fs.GetFileMap(path, {});
      if (json) {
        nlohmann::json j = map_to_json(map);
        j["path"] = path;
        print_json(j);
      } else {
        print(render_getmap_text(path, map));
      }
      return ExitCode::ok;
    }
    case Command::check: {
      PropertyMap report = fs.Check({});
      if (json)
        print_json(map_to_json(report));
      else
        print(render_check_text(report));
      return check_is_clean(report) ? ExitCode::ok : ExitCode::problems_found;
    }
    case Command::jobs: return run_jobs(s);
    case Command::rm: {
      OptionMap options;
      if (r.recursive) options["recursive"] = sdbus::Variant(true);
      uint32_t total = 0;
      for (const std::string& typed : r.operands) total += fs.Remove(famfs_path(typed), options);
      if (json) print_json({{"removed", total}});
      return ExitCode::ok;
    }
    case Command::hosts: {
      if (!r.operands.empty()) {  // hosts forget UUID|SLOT
        const std::string& what = r.operands[1];
        if (!what.empty() && what.size() <= 9 && what.find_first_not_of("0123456789") == std::string::npos) {
          OptionMap options;  // a slot number: a damaged slot (DamagedHostSlots)
          options["slot"] = sdbus::Variant(static_cast<uint32_t>(std::stoul(what)));
          uint32_t n = fs.ForgetHost("", options);
          if (!json)
            print("cleared host slot " + what + "\n");
          else
            print_json({{"slot", std::stoul(what)}, {"slots", n}});
          return ExitCode::ok;
        }
        uint32_t n = fs.ForgetHost(what, {});
        if (!json)
          print("forgot " + std::to_string(n) + " host slot(s) of " + r.operands[1] + "\n");
        else
          print_json({{"system_uuid", r.operands[1]}, {"slots", n}});
        return ExitCode::ok;
      }
      PropertyMap props = fs.get_all();
      int64_t now = now_unix_ms();
      if (json)
        print_json(render_hosts_json(props, now));
      else
        print(render_hosts_text(props, now));
      return ExitCode::ok;
    }
    case Command::list:
    case Command::cp:
    case Command::monitor:
    case Command::help: break;
  }
  return ExitCode::failed;
}

}  // namespace famfs::cli

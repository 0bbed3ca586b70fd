// Running one parsed command against the bus. Each command is one call on
// the instance (cp: one per file or directory); D-Bus errors propagate as
// sdbus::Error for famfsctl.cc to report.
#pragma once

#include <string>
#include <vector>

#include "command_line.h"
#include "exit_codes.h"
#include "famfs_bus.h"

namespace famfs::cli {

// What a command runs with: the bus, the request and the chosen instance's
// bus name (empty for list).
struct Session {
  FamfsBus& bus;
  const Request& request;
  std::string bus_name;
};

// Runs SESSION.request.command. Output goes to stdout; warnings to stderr.
ExitCode run_command(Session& session);

// cp, in copy_command.cc.
ExitCode run_copy(Session& session);
// monitor, in monitor_command.cc.
ExitCode run_monitor(Session& session);
// jobs, in jobs_command.cc.
ExitCode run_jobs(Session& session);

// "; created before the failure (they stay): a, b and 3 more", or
// "; nothing was created": what a failing cp says it left behind.
std::string created_so_far(const std::vector<std::string>& created);

// Prints "famfsctl: MESSAGE" on stderr; with --json (set_json_errors) the
// message is kept for report_failure, which prints it as JSON with the exit
// code once the command has returned.
void print_error(const std::string& message);
// A warning: "famfsctl: MESSAGE", or {"warning": MESSAGE} with --json.
void print_warning(const std::string& message);
void set_json_errors(bool on);
// The failure famfsctl ends with: one line, or with --json
// {"error": NAME, "message": ..., "exit_code": N} on stderr (NAME: the D-Bus
// error name, else exit_code_name(CODE)).
void report_failure(ExitCode code, const std::string& message, const std::string& error_name = "");
// The text print_error() kept in JSON mode (and forgets it).
std::string take_pending_error();

}  // namespace famfs::cli

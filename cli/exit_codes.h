// famfsctl's exit codes and the mapping from D-Bus error names to them. Each
// failure a script may want to tell apart has its own code; `famfsctl --help`
// prints the table from kExitCodeTable.
#pragma once

#include <span>
#include <string_view>

namespace famfs::cli {

enum class ExitCode : int {
  ok = 0,
  failed = 1,            // Error.Failed, IoError, unknown errors, local failures
  usage = 2,             // bad command line
  no_instance = 3,       // no bus, no instance, instance not found, ambiguous
  invalid_argument = 4,  // InvalidArgument, InvalidPath
  not_found = 5,         // NotFound, NotDirectory
  exists = 6,            // Exists, NotEmpty
  no_space = 7,
  log_full = 8,
  not_master = 9,
  access_denied = 10,  // famfsd's AccessDenied and the bus policy's
  not_formatted = 11,
  device_failed = 12,   // DeviceFailed, Corrupt
  busy = 13,            // Busy, Unsupported
  problems_found = 14,  // `check` found problems
  timeout = 15,         // no reply in time
  interrupted = 130,    // Ctrl-C (a running copy job was cancelled)
};

// "failed", "usage", "no_instance", ...: the code's name in JSON errors.
std::string_view exit_code_name(ExitCode code);

// The exit code for a D-Bus error NAME (org.famfs.Famfs1.Error.* or a bus error).
ExitCode exit_code_for_error(std::string_view name);

// One row of the documented table: the code and what it means.
struct ExitCodeDoc {
  ExitCode code;
  const char* meaning;
};

// Every exit code famfsctl uses, in ascending order, for --help.
std::span<const ExitCodeDoc> exit_code_table();

inline int to_int(ExitCode code) { return static_cast<int>(code); }

}  // namespace famfs::cli

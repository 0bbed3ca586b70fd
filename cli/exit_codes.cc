#include "exit_codes.h"

#include <array>

namespace famfs::cli {
namespace {

struct NameCode {
  std::string_view name;
  ExitCode code;
};

constexpr std::string_view kFamfsErrorPrefix = "org.famfs.Famfs1.Error.";
constexpr std::string_view kBusErrorPrefix = "org.freedesktop.DBus.Error.";

constexpr std::array kFamfsErrors = {
    NameCode{"Failed", ExitCode::failed},
    NameCode{"IoError", ExitCode::failed},
    NameCode{"InvalidArgument", ExitCode::invalid_argument},
    NameCode{"InvalidPath", ExitCode::invalid_argument},
    NameCode{"NotFound", ExitCode::not_found},
    NameCode{"NotDirectory", ExitCode::not_found},
    NameCode{"Exists", ExitCode::exists},
    NameCode{"NotEmpty", ExitCode::exists},
    NameCode{"NoSpace", ExitCode::no_space},
    NameCode{"LogFull", ExitCode::log_full},
    NameCode{"NotMaster", ExitCode::not_master},
    NameCode{"AccessDenied", ExitCode::access_denied},
    NameCode{"NotFormatted", ExitCode::not_formatted},
    NameCode{"DeviceFailed", ExitCode::device_failed},
    NameCode{"Corrupt", ExitCode::device_failed},
    NameCode{"Busy", ExitCode::busy},
    NameCode{"Unsupported", ExitCode::busy},
};

// Errors the bus itself (dbus-daemon or libsystemd on our side) can answer with.
constexpr std::array kBusErrors = {
    NameCode{"AccessDenied", ExitCode::access_denied},
    NameCode{"NoReply", ExitCode::timeout},
    NameCode{"Timeout", ExitCode::timeout},
    NameCode{"TimedOut", ExitCode::timeout},
    // The instance's bus name has no owner: it is not running (any more).
    NameCode{"ServiceUnknown", ExitCode::no_instance},
    NameCode{"NameHasNoOwner", ExitCode::no_instance},
    NameCode{"Disconnected", ExitCode::no_instance},
    NameCode{"NoServer", ExitCode::no_instance},
    // Wrong argument types can only come from a daemon speaking another API version.
    NameCode{"InvalidArgs", ExitCode::invalid_argument},
};

constexpr std::array kTable = {
    ExitCodeDoc{ExitCode::ok, "success"},
    ExitCodeDoc{ExitCode::failed, "other failure (Failed, IoError, unknown errors, local file errors)"},
    ExitCodeDoc{ExitCode::usage, "usage error (bad command line)"},
    ExitCodeDoc{ExitCode::no_instance,
                "no instance running, cannot connect to the bus, instance not found or ambiguous"},
    ExitCodeDoc{ExitCode::invalid_argument, "InvalidArgument or InvalidPath"},
    ExitCodeDoc{ExitCode::not_found, "NotFound or NotDirectory"},
    ExitCodeDoc{ExitCode::exists, "Exists, or NotEmpty (a directory removed without recursive)"},
    ExitCodeDoc{ExitCode::no_space, "NoSpace"},
    ExitCodeDoc{ExitCode::log_full, "LogFull"},
    ExitCodeDoc{ExitCode::not_master, "NotMaster (this host is a client)"},
    ExitCodeDoc{ExitCode::access_denied, "AccessDenied (by famfsd or by the bus policy)"},
    ExitCodeDoc{ExitCode::not_formatted, "NotFormatted"},
    ExitCodeDoc{ExitCode::device_failed, "DeviceFailed or Corrupt"},
    ExitCodeDoc{ExitCode::busy, "Busy or Unsupported"},
    ExitCodeDoc{ExitCode::problems_found, "check found problems"},
    ExitCodeDoc{ExitCode::timeout, "timeout (no reply in time, or famfsd went away without replying)"},
    ExitCodeDoc{ExitCode::interrupted, "interrupted by Ctrl-C (a running copy job was cancelled)"},
};

template <size_t N>
const NameCode* find(const std::array<NameCode, N>& table, std::string_view name) {
  for (const auto& entry : table)
    if (entry.name == name) return &entry;
  return nullptr;
}

}  // namespace

ExitCode exit_code_for_error(std::string_view name) {
  if (name.starts_with(kFamfsErrorPrefix)) {
    if (auto* e = find(kFamfsErrors, name.substr(kFamfsErrorPrefix.size()))) return e->code;
  } else if (name.starts_with(kBusErrorPrefix)) {
    if (auto* e = find(kBusErrors, name.substr(kBusErrorPrefix.size()))) return e->code;
  }
  return ExitCode::failed;
}

std::span<const ExitCodeDoc> exit_code_table() { return kTable; }

std::string_view exit_code_name(ExitCode code) {
  switch (code) {
    case ExitCode::ok: return "ok";
    case ExitCode::failed: return "failed";
    case ExitCode::usage: return "usage";
    case ExitCode::no_instance: return "no_instance";
    case ExitCode::invalid_argument: return "invalid_argument";
    case ExitCode::not_found: return "not_found";
    case ExitCode::exists: return "exists";
    case ExitCode::no_space: return "no_space";
    case ExitCode::log_full: return "log_full";
    case ExitCode::not_master: return "not_master";
    case ExitCode::access_denied: return "access_denied";
    case ExitCode::not_formatted: return "not_formatted";
    case ExitCode::device_failed: return "device_failed";
    case ExitCode::busy: return "busy";
    case ExitCode::problems_found: return "problems_found";
    case ExitCode::timeout: return "timeout";
    case ExitCode::interrupted: return "interrupted";
  }
  return "failed";
}

}  // namespace famfs::cli

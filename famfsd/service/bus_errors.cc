#include "service/bus_errors.h"

#include "omf/path_rules.h"
#include "service/log.h"
#include "util/bus_name.h"

namespace famfs::service {

std::string dbus_error_name(Errc code) {
  const char* name = "Failed";
  switch (code) {
    case Errc::invalid_argument: name = "InvalidArgument"; break;
    case Errc::io_error: name = "IoError"; break;
    case Errc::memory_error: name = "DeviceFailed"; break;
    case Errc::not_famfs: name = "NotFormatted"; break;
    case Errc::corrupt: name = "Corrupt"; break;
    case Errc::log_full: name = "LogFull"; break;
    case Errc::no_space: name = "NoSpace"; break;
    case Errc::exists: name = "Exists"; break;
    case Errc::not_found: name = "NotFound"; break;
    case Errc::not_directory: name = "NotDirectory"; break;
    case Errc::not_master: name = "NotMaster"; break;
    case Errc::permission_denied: name = "AccessDenied"; break;
    case Errc::unsupported: name = "Unsupported"; break;
    case Errc::busy: name = "Busy"; break;
    case Errc::not_empty: name = "NotEmpty"; break;
  }
  return std::string(kErrorPrefix) + name;
}

void log_unexpected(const char* method, const char* what) {
  if (what)
    log_msg(LogLevel::err, "%s failed unexpectedly: %s", method, what);
  else
    log_msg(LogLevel::err, "%s failed unexpectedly", method);
}

sdbus::Error to_dbus_error(const Error& error) { return sdbus::Error(dbus_error_name(error.code()), error.message()); }

sdbus::Error named_error(const char* name, const std::string& message) {
  return sdbus::Error(std::string(kErrorPrefix) + name, message);
}

void require_valid_path(const std::string& path, bool allow_root) {
  if (allow_root && path.empty()) return;
  if (auto why = omf::path_problem(path)) throw named_error("InvalidPath", *why);
}

}  // namespace famfs::service

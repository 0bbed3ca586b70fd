// The boundary between famfs errors and D-Bus errors (a method's a{sv}
// options are read by bus_options.h).
#pragma once

#include <sdbus-c++/sdbus-c++.h>

#include <string>

#include "util/result.h"

namespace famfs::service {

// org.famfs.Famfs1.Error.<Name> for an error category.
std::string dbus_error_name(Errc code);

// ERROR as the sdbus::Error a handler throws.
sdbus::Error to_dbus_error(const Error& error);

// An org.famfs.Famfs1.Error.<NAME> error.
sdbus::Error named_error(const char* name, const std::string& message);

// Throws InvalidPath unless PATH obeys the famfs path rules. ALLOW_ROOT
// accepts "" (the root directory).
void require_valid_path(const std::string& path, bool allow_root = false);

// Throws STATUS's error as its named D-Bus error.
inline void throw_if(const Status& s) {
  if (!s) throw to_dbus_error(s.error());
}

// Runs BODY; anything but an sdbus::Error becomes org.famfs.Famfs1.Error.Failed
// (logged with METHOD's name).
void log_unexpected(const char* method, const char* what);
template <typename Fn>
auto guard_handler(const char* method, Fn&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const sdbus::Error&) {
    throw;
  } catch (const std::exception& e) {
    log_unexpected(method, e.what());
    throw named_error("Failed", std::string(method) + ": " + e.what());
  } catch (...) {
    log_unexpected(method, nullptr);
    throw named_error("Failed", std::string(method) + ": unexpected failure");
  }
}

}  // namespace famfs::service

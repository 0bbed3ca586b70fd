// The boundary between famfs errors and D-Bus errors, and typed access to a
// method's a{sv} options.
#pragma once

#include <sdbus-c++/sdbus-c++.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

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

// Reads a method's options, rejecting unknown keys and wrong types with
// InvalidArgument. Construct with the keys the method knows and their D-Bus
// type signatures ("u", "t", "b", "s").
class Options {
 public:
  Options(const std::map<std::string, sdbus::Variant>& options,
          std::initializer_list<std::pair<const char*, const char*>> known);

  std::optional<uint32_t> u32(const char* key) const;
  std::optional<uint64_t> u64(const char* key) const;
  std::optional<bool> boolean(const char* key) const;

 private:
  const sdbus::Variant* find(const char* key) const;
  const std::map<std::string, sdbus::Variant>& options_;
};

}  // namespace famfs::service

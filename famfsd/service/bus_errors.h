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

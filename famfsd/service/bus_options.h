// Typed access to a D-Bus method's a{sv} options: unknown keys and wrong
// types are refused with InvalidArgument before the method does anything.
#pragma once

#include <sdbus-c++/sdbus-c++.h>

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace famfs::service {

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

#include "instance_name.h"

#include <algorithm>

namespace famfs::cli {

std::string escape_instance(std::string_view instance) { return escape_bus_element(instance); }

Result<std::string> bus_name_for(std::string_view arg) {
  if (arg.starts_with(kBusNamePrefix) && arg.size() > kBusNamePrefix.size())
    return std::string(kBusNamePrefix) + escape_instance(arg.substr(kBusNamePrefix.size()));
  std::string name = default_instance_name(arg);
  if (name.empty() || name == "/")
    return Error(Errc::invalid_argument, "invalid instance \"" + std::string(arg) + "\": no name in it");
  return std::string(kBusNamePrefix) + escape_instance(name);
}

std::string_view instance_suffix(std::string_view bus_name) {
  if (bus_name.starts_with(kBusNamePrefix)) bus_name.remove_prefix(kBusNamePrefix.size());
  return bus_name;
}

std::vector<std::string> famfs_bus_names(const std::vector<std::string>& all_names) {
  std::vector<std::string> out;
  for (const auto& name : all_names)
    if (name.size() > kBusNamePrefix.size() && name.starts_with(kBusNamePrefix)) out.push_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::string> choose_instance(const std::vector<std::string>& names) {
  if (names.empty()) return Error(Errc::not_found, "no famfsd instance is running");
  if (names.size() == 1) return names[0];
  std::string list;
  for (const auto& name : names) {
    if (!list.empty()) list += ", ";
    list += instance_suffix(name);
  }
  return Error(Errc::invalid_argument,
               std::to_string(names.size()) + " famfsd instances are running (" + list + "): choose one with -d");
}

}  // namespace famfs::cli

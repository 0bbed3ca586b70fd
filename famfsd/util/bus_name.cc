#include "util/bus_name.h"

namespace famfs {

std::string escape_bus_element(std::string_view instance) {
  std::string out;
  out.reserve(instance.size() + 1);
  if (instance.empty() || (instance[0] >= '0' && instance[0] <= '9')) out.push_back('_');
  for (char c : instance) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    out.push_back(ok ? c : '_');
  }
  return out;
}

std::string instance_bus_name(std::string_view instance) {
  return std::string(kBusNamePrefix) + escape_bus_element(instance);
}

std::string default_instance_name(std::string_view device_path) {
  while (device_path.size() > 1 && device_path.back() == '/') device_path.remove_suffix(1);
  size_t slash = device_path.rfind('/');
  return std::string(slash == std::string_view::npos ? device_path : device_path.substr(slash + 1));
}

}  // namespace famfs

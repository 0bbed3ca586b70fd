// D-Bus names of famfs: the contract of dbus/org.famfs.Famfs1.xml, shared by
// famfsd and famfsctl so both escape instance names the same way.
#pragma once

#include <string>
#include <string_view>

namespace famfs {

inline constexpr std::string_view kBusNamePrefix = "org.famfs.Famfs1.";
inline constexpr const char* kObjectPath = "/org/famfs/Famfs1";
inline constexpr const char* kJobPathPrefix = "/org/famfs/Famfs1/jobs/";
inline constexpr const char* kErrorPrefix = "org.famfs.Famfs1.Error.";

// INSTANCE as one bus name element: every character outside [A-Za-z0-9_]
// becomes '_', and a leading digit (or an empty name) gets a '_' prefix.
// "dax0.0" -> "dax0_0".
std::string escape_bus_element(std::string_view instance);

// The instance's well-known bus name: kBusNamePrefix + escaped instance.
std::string instance_bus_name(std::string_view instance);

// The default instance name for a device path: its base name
// ("/dev/dax0.0" -> "dax0.0").
std::string default_instance_name(std::string_view device_path);

}  // namespace famfs

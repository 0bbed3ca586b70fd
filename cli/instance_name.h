// Instance names and bus names: org.famfs.Famfs1.<instance escaped for D-Bus>,
// and choosing the instance a command talks to.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/bus_name.h"
#include "util/result.h"

namespace famfs::cli {

// "org.famfs.Famfs1." (util/bus_name.h holds the names famfsd uses too).
using famfs::kBusNamePrefix;
// Where the Filesystem interface lives in every instance.
inline constexpr const char* kFilesystemObjectPath = famfs::kObjectPath;
// Where job objects live.
inline constexpr const char* kJobsObjectPath = "/org/famfs/Famfs1/jobs";

// Escapes an instance name as famfsd does: every character outside
// [A-Za-z0-9_] becomes '_', and a leading digit gets a '_' prefix
// ("dax0.0" -> "dax0_0"). Escaping an escaped name changes nothing.
std::string escape_instance(std::string_view instance);

// The bus name for what the user gave to -d: an instance name ("dax0.0"), its
// escaped form ("dax0_0"), a device path ("/dev/dax0.0": its base name) or a
// full bus name. invalid_argument when nothing usable is left.
Result<std::string> bus_name_for(std::string_view user_argument);

// The instance suffix of BUS_NAME ("org.famfs.Famfs1.dax0_0" -> "dax0_0").
std::string_view instance_suffix(std::string_view bus_name);

// The famfs instances among the names listed on the bus, sorted.
std::vector<std::string> famfs_bus_names(const std::vector<std::string>& all_names);

// The one instance to talk to when -d was not given: not_found "no famfsd
// instance is running" for none, invalid_argument listing them for several.
Result<std::string> choose_instance(const std::vector<std::string>& famfs_names);

}  // namespace famfs::cli

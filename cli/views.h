// What each command prints: human-readable text or one JSON document, built
// from the D-Bus replies. Pure functions, so tests need no daemon.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "output.h"

namespace famfs::cli {

// One row of `list`: an instance and what GetAll told about it (or why not).
struct InstanceRow {
  std::string bus_name;
  PropertyMap properties;  // empty when the call failed
  std::string error;       // the failure, if any
};

// One ListDirectory entry (name, type, size, mode, uid, gid).
struct DirEntry {
  std::string name;
  std::string type;
  uint64_t size;
  uint32_t mode, uid, gid;
};

// JSON text with invalid UTF-8 replaced (file names are bytes), pretty or compact.
std::string dump_json(const nlohmann::json& j, bool pretty);

std::string render_list_text(const std::vector<InstanceRow>& rows);
nlohmann::json render_list_json(const std::vector<InstanceRow>& rows);

// `status` of BUS_NAME from its Filesystem properties.
std::string render_status_text(const std::string& bus_name, const PropertyMap& props);
nlohmann::json render_status_json(const std::string& bus_name, const PropertyMap& props);

// ls; -l: a header line, then mode, uid, gid, size (IEC units; "-" for a
// directory) and name per entry.
std::string render_ls_text(const std::vector<DirEntry>& entries, bool long_listing);
nlohmann::json render_ls_json(const std::string& path, const std::vector<DirEntry>& entries);

// One org.famfs.Famfs1.Job object, as `jobs` shows it.
struct JobRow {
  uint64_t number = 0;                       // N of /org/famfs/Famfs1/jobs/N
  std::string object_path, operation, path;  // path "" when hidden
  uint64_t bytes_done = 0, bytes_total = 0;
  double progress = 0;
  uint32_t started_by_uid = 0;
  bool finished = false, success = false;
  std::string error, error_message;
};
std::string render_jobs_text(const std::vector<JobRow>& jobs);
nlohmann::json render_jobs_json(const std::vector<JobRow>& jobs);

std::string render_stat_text(const PropertyMap& info);
std::string render_getmap_text(const std::string& path, const PropertyMap& map);
std::string render_check_text(const PropertyMap& report);
// Whether a Check report says the file system is clean (clean=true and no problems).
bool check_is_clean(const PropertyMap& report);

// `hosts`: whether the master beats and every registered host, with how far
// behind the log each is (against the largest of LogEntries and every
// host's applied count). NOW_MS: wall clock, for "last seen" ages.
std::string render_hosts_text(const PropertyMap& props, int64_t now_ms);
nlohmann::json render_hosts_json(const PropertyMap& props, int64_t now_ms);

// A signal seen by `monitor`: its name and arguments as JSON fields in order.
struct MonitorEvent {
  int64_t unix_ms;
  std::string signal;                                          // FileCreated, PropertiesChanged, ...
  std::vector<std::pair<std::string, nlohmann::json>> fields;  // path, size, ...
};
// "12:34:56.789 FileCreated path=a/b size=4194304 (4 MiB)".
std::string render_event_text(const MonitorEvent& event);
// {"time": ISO 8601, "signal": ..., fields...} on one line.
std::string render_event_json(const MonitorEvent& event);

}  // namespace famfs::cli

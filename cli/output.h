// Formatting shared by the commands: sizes, modes, times, tables, and
// sdbus::Variant values as text or JSON. Pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <sdbus-c++/Types.h>

namespace famfs::cli {

using PropertyMap = std::map<std::string, sdbus::Variant>;

// "0 B", "1023 B", "4 KiB", "1.5 MiB", "123 GiB": exact multiples without
// decimals, otherwise one decimal below 100 units.
std::string human_size(uint64_t bytes);
// "4194304 (4 MiB)"; just "512" below 1 KiB.
std::string bytes_and_human(uint64_t bytes);
// "850 MiB/s".
std::string human_rate(double bytes_per_second);
// "-rw-r--r--" / "drwxr-xr-x" from the type ("file"|"dir") and mode bits
// (setuid/setgid/sticky shown as s/S, t/T).
std::string mode_string(std::string_view type, uint32_t mode);
// "0644".
std::string octal_mode(uint32_t mode);
// "12:34:56.789" (local time) and "2024-05-01T12:34:56.789+02:00".
std::string clock_time(int64_t unix_ms);
std::string iso_time(int64_t unix_ms);

// A JSON value for V. Arrays of (ttt) become {devindex, offset, length}
// objects and arrays of (xss) {index, kind, message} (the only meanings those
// signatures have in the famfs API); unknown signatures become a string.
nlohmann::json variant_to_json(const sdbus::Variant& v);
// A one-line text rendering of V for generic "key: value" output.
std::string variant_to_text(const sdbus::Variant& v);
// All of MAP as one JSON object.
nlohmann::json map_to_json(const PropertyMap& map);
// A D-Bus property name as a JSON key: snake_case, as ndctl and daxctl
// write theirs ("MasterSystemUuid" -> "master_system_uuid"); names that are
// snake_case already stay.
std::string json_key(std::string_view name);
// MAP as one JSON object with json_key() names.
nlohmann::json properties_to_json(const PropertyMap& map);

// Typed lookups in an a{sv} map: std::nullopt when missing or of another type.
std::optional<std::string> get_string(const PropertyMap& map, const std::string& key);
std::optional<uint64_t> get_u64(const PropertyMap& map, const std::string& key);  // t, u or x >= 0
std::optional<bool> get_bool(const PropertyMap& map, const std::string& key);

// A (log index, kind, message) problem as the API carries it.
struct Problem {
  int64_t index;
  std::string kind;
  std::string message;
};
std::vector<Problem> get_problems(const PropertyMap& map, const std::string& key);
// "  [log 12] bad_crc: message" or "  bad_crc: message" (index -1).
std::string problem_line(const Problem& p);

// One host of the Hosts property (system_uuid, hostname, role, state,
// applied log entries, last seen in us since the epoch, released index;
// an older famfsd's a(sssstt) has no released index: nullopt).
struct HostRow {
  std::string system_uuid, hostname, role, state;
  uint64_t applied, last_seen_us;
  std::optional<uint64_t> released;
};
std::vector<HostRow> get_hosts_of(const sdbus::Variant& v);  // V must hold a(ssssttt) or a(sssstt)
std::vector<HostRow> get_hosts(const PropertyMap& map, const std::string& key);
// DamagedHostSlots (a(us)): slot and why; empty when absent (an older famfsd).
std::vector<std::pair<uint32_t, std::string>> get_damaged_slots(const PropertyMap& map);

// One row of PendingRelease (a(sttas)): a removed file whose space is held.
struct PendingRow {
  std::string path;
  uint64_t delete_index = 0, bytes = 0;
  std::vector<std::string> held_by;
};
std::vector<PendingRow> get_pending(const PropertyMap& map, const std::string& key);

// An extent or strip (devindex, offset, length).
struct Extent {
  uint64_t devindex, offset, length;
};
std::vector<Extent> get_extents(const PropertyMap& map, const std::string& key);

// Lays ROWS out in columns separated by two spaces; columns listed in
// RIGHT_ALIGNED are right-aligned (numbers). Each line ends with '\n'; no
// trailing spaces.
std::string render_table(const std::vector<std::vector<std::string>>& rows, const std::vector<size_t>& right_aligned);

// Replaces control characters (newlines included) so a message stays one line.
std::string one_line(std::string_view text);

}  // namespace famfs::cli

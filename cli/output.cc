#include "output.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "util/extent_json.h"

namespace famfs::cli {

std::string human_size(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  unsigned unit = 0;
  uint64_t scale = 1;
  while (unit < 6 && bytes / scale >= 1024) {
    scale *= 1024;
    ++unit;
  }
  char buf[48];
  if (bytes % scale == 0) {
    snprintf(buf, sizeof buf, "%" PRIu64 " %s", bytes / scale, kUnits[unit]);
  } else {
    double value = static_cast<double>(bytes) / static_cast<double>(scale);
    if (value < 99.95)
      snprintf(buf, sizeof buf, "%.1f %s", value, kUnits[unit]);
    else
      snprintf(buf, sizeof buf, "%.0f %s", value, kUnits[unit]);
  }
  return buf;
}

std::string bytes_and_human(uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes);
  return std::to_string(bytes) + " (" + human_size(bytes) + ")";
}

std::string human_rate(double bytes_per_second) {
  if (!(bytes_per_second > 0)) return "0 B/s";
  double capped = std::min(bytes_per_second, 1.8e19);
  // Rates rarely divide exactly: always show one decimal above bytes.
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  unsigned unit = 0;
  while (unit < 6 && capped >= 1024) {
    capped /= 1024;
    ++unit;
  }
  char buf[48];
  if (unit == 0)
    snprintf(buf, sizeof buf, "%.0f B/s", capped);
  else if (capped < 99.95)
    snprintf(buf, sizeof buf, "%.1f %s/s", capped, kUnits[unit]);
  else
    snprintf(buf, sizeof buf, "%.0f %s/s", capped, kUnits[unit]);
  return buf;
}

std::string mode_string(std::string_view type, uint32_t mode) {
  std::string s = type == "dir" ? "d" : "-";
  static constexpr char kRwx[] = "rwx";
  for (int shift = 6; shift >= 0; shift -= 3) {
    for (int bit = 0; bit < 3; ++bit) s += (mode >> (shift + 2 - bit)) & 1 ? kRwx[bit] : '-';
  }
  auto special = [&](size_t pos, uint32_t flag, char set_exec, char set_noexec) {
    if (mode & flag) s[pos] = s[pos] == 'x' ? set_exec : set_noexec;
  };
  special(3, 04000, 's', 'S');
  special(6, 02000, 's', 'S');
  special(9, 01000, 't', 'T');
  return s;
}

std::string octal_mode(uint32_t mode) {
  char buf[16];
  snprintf(buf, sizeof buf, "%04o", mode);
  return buf;
}

namespace {

struct tm local_tm(int64_t unix_ms) {
  time_t seconds = static_cast<time_t>(unix_ms >= 0 ? unix_ms / 1000 : (unix_ms - 999) / 1000);
  struct tm tm {};
  localtime_r(&seconds, &tm);
  return tm;
}

int millis(int64_t unix_ms) { return static_cast<int>(((unix_ms % 1000) + 1000) % 1000); }

}  // namespace

std::string clock_time(int64_t unix_ms) {
  struct tm tm = local_tm(unix_ms);
  char buf[32];
  snprintf(buf, sizeof buf, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec, millis(unix_ms));
  return buf;
}

std::string iso_time(int64_t unix_ms) {
  struct tm tm = local_tm(unix_ms);
  char date[32], zone[8];
  strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
  strftime(zone, sizeof zone, "%z", &tm);  // +0200
  std::string z = zone;
  if (z.size() == 5) z.insert(3, ":");
  char ms[8];
  snprintf(ms, sizeof ms, ".%03d", millis(unix_ms));
  return std::string(date) + ms + z;
}

namespace {

using ExtentStruct = sdbus::Struct<uint64_t, uint64_t, uint64_t>;
using ProblemStruct = sdbus::Struct<int64_t, std::string, std::string>;

}  // namespace

nlohmann::json variant_to_json(const sdbus::Variant& v) {
  const std::string sig = v.peekValueType();
  if (sig == "s" || sig == "o" || sig == "g") return v.get<std::string>();
  if (sig == "b") return v.get<bool>();
  if (sig == "y") return v.get<uint8_t>();
  if (sig == "n") return v.get<int16_t>();
  if (sig == "q") return v.get<uint16_t>();
  if (sig == "i") return v.get<int32_t>();
  if (sig == "u") return v.get<uint32_t>();
  if (sig == "x") return v.get<int64_t>();
  if (sig == "t") return v.get<uint64_t>();
  if (sig == "d") return v.get<double>();
  if (sig == "as") return v.get<std::vector<std::string>>();
  if (sig == "a(ttt)") {
    auto out = nlohmann::json::array();
    for (const auto& e : v.get<std::vector<ExtentStruct>>())
      out.push_back(extent_json(std::get<0>(e), std::get<1>(e), std::get<2>(e)));
    return out;
  }
  if (sig == "a(xss)") {
    auto out = nlohmann::json::array();
    for (const auto& p : v.get<std::vector<ProblemStruct>>())
      out.push_back({{"index", std::get<0>(p)}, {"kind", std::get<1>(p)}, {"message", std::get<2>(p)}});
    return out;
  }
  if (sig == "a(sssstt)" || sig == "a(ssssttt)") {
    auto out = nlohmann::json::array();
    for (const auto& h : get_hosts_of(v)) {
      out.push_back({{"system_uuid", h.system_uuid},
                     {"hostname", h.hostname},
                     {"role", h.role},
                     {"state", h.state},
                     {"applied", h.applied},
                     {"last_seen_us", h.last_seen_us}});
      if (h.released) out.back()["released"] = *h.released;
    }
    return out;
  }
  if (sig == "a(us)") {
    auto out = nlohmann::json::array();
    for (const auto& d : v.get<std::vector<sdbus::Struct<uint32_t, std::string>>>())
      out.push_back({{"slot", std::get<0>(d)}, {"problem", std::get<1>(d)}});
    return out;
  }
  if (sig == "a(sttas)") {
    auto out = nlohmann::json::array();
    PropertyMap one{{"p", v}};
    for (const auto& r : get_pending(one, "p"))
      out.push_back({{"path", r.path}, {"delete_index", r.delete_index}, {"bytes", r.bytes}, {"held_by", r.held_by}});
    return out;
  }
  if (sig == "a{sv}") return map_to_json(v.get<PropertyMap>());
  return "<" + sig + ">";
}

std::string variant_to_text(const sdbus::Variant& v) {
  const std::string sig = v.peekValueType();
  if (sig == "s" || sig == "o" || sig == "g") return one_line(v.get<std::string>());
  if (sig == "b") return v.get<bool>() ? "yes" : "no";
  if (sig == "a(ttt)") {
    std::string out;
    for (const auto& e : v.get<std::vector<ExtentStruct>>()) {
      if (!out.empty()) out += ", ";
      out += "(" + std::to_string(std::get<0>(e)) + ", " + std::to_string(std::get<1>(e)) + ", " +
             std::to_string(std::get<2>(e)) + ")";
    }
    return out.empty() ? "none" : out;
  }
  if (sig == "a(xss)") {
    std::string out;
    for (const auto& p : v.get<std::vector<ProblemStruct>>()) {
      if (!out.empty()) out += "; ";
      out += std::get<1>(p) + ": " + one_line(std::get<2>(p));
    }
    return out.empty() ? "none" : out;
  }
  nlohmann::json j = variant_to_json(v);
  if (j.is_string()) return one_line(j.get<std::string>());
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json map_to_json(const PropertyMap& map) {
  auto out = nlohmann::json::object();
  for (const auto& [key, value] : map) out[key] = variant_to_json(value);
  return out;
}

std::optional<std::string> get_string(const PropertyMap& map, const std::string& key) {
  auto it = map.find(key);
  if (it == map.end()) return std::nullopt;
  const std::string sig = it->second.peekValueType();
  if (sig != "s" && sig != "o") return std::nullopt;
  return it->second.get<std::string>();
}

std::optional<uint64_t> get_u64(const PropertyMap& map, const std::string& key) {
  auto it = map.find(key);
  if (it == map.end()) return std::nullopt;
  const std::string sig = it->second.peekValueType();
  if (sig == "t") return it->second.get<uint64_t>();
  if (sig == "u") return it->second.get<uint32_t>();
  if (sig == "q") return it->second.get<uint16_t>();
  if (sig == "y") return it->second.get<uint8_t>();
  if (sig == "x") {
    int64_t value = it->second.get<int64_t>();
    if (value >= 0) return static_cast<uint64_t>(value);
  }
  if (sig == "i") {
    int32_t value = it->second.get<int32_t>();
    if (value >= 0) return static_cast<uint64_t>(value);
  }
  return std::nullopt;
}

std::optional<bool> get_bool(const PropertyMap& map, const std::string& key) {
  auto it = map.find(key);
  if (it == map.end() || it->second.peekValueType() != "b") return std::nullopt;
  return it->second.get<bool>();
}

std::vector<Problem> get_problems(const PropertyMap& map, const std::string& key) {
  std::vector<Problem> out;
  auto it = map.find(key);
  if (it == map.end() || it->second.peekValueType() != "a(xss)") return out;
  for (const auto& p : it->second.get<std::vector<ProblemStruct>>())
    out.push_back({std::get<0>(p), std::get<1>(p), std::get<2>(p)});
  return out;
}

std::string problem_line(const Problem& p) {
  std::string where = p.index >= 0 ? "[log " + std::to_string(p.index) + "] " : "";
  return "  " + where + one_line(p.kind) + ": " + one_line(p.message);
}

std::vector<Extent> get_extents(const PropertyMap& map, const std::string& key) {
  std::vector<Extent> out;
  auto it = map.find(key);
  if (it == map.end() || it->second.peekValueType() != "a(ttt)") return out;
  for (const auto& e : it->second.get<std::vector<ExtentStruct>>())
    out.push_back({std::get<0>(e), std::get<1>(e), std::get<2>(e)});
  return out;
}

std::string render_table(const std::vector<std::vector<std::string>>& rows, const std::vector<size_t>& right_aligned) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  auto is_right = [&](size_t c) {
    return std::find(right_aligned.begin(), right_aligned.end(), c) != right_aligned.end();
  };
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      if (c > 0) line += "  ";
      size_t pad = widths[c] - row[c].size();
      if (is_right(c)) line.append(pad, ' ');
      line += row[c];
      if (!is_right(c) && c + 1 < row.size()) line.append(pad, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string one_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '\n' || c == '\r' || c == '\t')
      out += ' ';
    else if (u < 0x20 || u == 0x7f)
      out += '?';
    else
      out += c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::vector<HostRow> get_hosts_of(const sdbus::Variant& v) {
  using OldHost = sdbus::Struct<std::string, std::string, std::string, std::string, uint64_t, uint64_t>;
  using Host = sdbus::Struct<std::string, std::string, std::string, std::string, uint64_t, uint64_t, uint64_t>;
  std::vector<HostRow> out;
  if (v.peekValueType() == "a(sssstt)") {
    for (const auto& h : v.get<std::vector<OldHost>>())
      out.push_back({std::get<0>(h), std::get<1>(h), std::get<2>(h), std::get<3>(h), std::get<4>(h), std::get<5>(h),
                     std::nullopt});
    return out;
  }
  for (const auto& h : v.get<std::vector<Host>>())
    out.push_back({std::get<0>(h), std::get<1>(h), std::get<2>(h), std::get<3>(h), std::get<4>(h), std::get<5>(h),
                   std::get<6>(h)});
  return out;
}

std::vector<HostRow> get_hosts(const PropertyMap& map, const std::string& key) {
  auto it = map.find(key);
  if (it == map.end()) return {};
  const std::string sig = it->second.peekValueType();
  if (sig != "a(sssstt)" && sig != "a(ssssttt)") return {};
  return get_hosts_of(it->second);
}

std::vector<std::pair<uint32_t, std::string>> get_damaged_slots(const PropertyMap& map) {
  std::vector<std::pair<uint32_t, std::string>> out;
  auto it = map.find("DamagedHostSlots");
  if (it == map.end() || it->second.peekValueType() != "a(us)") return out;
  for (const auto& d : it->second.get<std::vector<sdbus::Struct<uint32_t, std::string>>>())
    out.emplace_back(std::get<0>(d), std::get<1>(d));
  return out;
}

std::vector<PendingRow> get_pending(const PropertyMap& map, const std::string& key) {
  using PendingStruct = sdbus::Struct<std::string, uint64_t, uint64_t, std::vector<std::string>>;
  auto it = map.find(key);
  if (it == map.end() || it->second.peekValueType() != "a(sttas)") return {};
  std::vector<PendingRow> out;
  for (const auto& r : it->second.get<std::vector<PendingStruct>>())
    out.push_back({std::get<0>(r), std::get<1>(r), std::get<2>(r), std::get<3>(r)});
  return out;
}

std::string json_key(std::string_view name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool upper = c >= 'A' && c <= 'Z';
    if (upper && i > 0) {
      char prev = name[i - 1];
      bool prev_lower = (prev >= 'a' && prev <= 'z') || (prev >= '0' && prev <= '9');
      bool next_lower = i + 1 < name.size() && name[i + 1] >= 'a' && name[i + 1] <= 'z';
      bool prev_upper = prev >= 'A' && prev <= 'Z';
      if (prev_lower || (prev_upper && next_lower)) out += '_';
    }
    out += upper ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

nlohmann::json properties_to_json(const PropertyMap& map) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : map) out[json_key(key)] = variant_to_json(value);
  return out;
}

}  // namespace famfs::cli

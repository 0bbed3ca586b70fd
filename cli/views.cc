#include "views.h"

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <set>

namespace famfs::cli {
namespace {

std::string str_or(const PropertyMap& m, const std::string& key, const std::string& fallback) {
  auto v = get_string(m, key);
  return v && !v->empty() ? one_line(*v) : fallback;
}

std::string instance_of(const std::string& bus_name, const PropertyMap& props) {
  auto suffix = bus_name.substr(std::min(bus_name.size(), std::string("org.famfs.Famfs1.").size()));
  return str_or(props, "Instance", suffix);
}

std::string master_line(const PropertyMap& p, int64_t now_ms);

int64_t status_now_ms() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

}  // namespace

std::string dump_json(const nlohmann::json& j, bool pretty) {
  return j.dump(pretty ? 2 : -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string render_list_text(const std::vector<InstanceRow>& rows) {
  std::vector<std::vector<std::string>> table = {{"INSTANCE", "DEVICE", "STATE", "ROLE"}};
  for (const auto& row : rows) {
    if (!row.error.empty()) {
      table.push_back({instance_of(row.bus_name, {}), "-", "unreachable: " + one_line(row.error), "-"});
      continue;
    }
    table.push_back({instance_of(row.bus_name, row.properties), str_or(row.properties, "Device", "-"),
                     str_or(row.properties, "State", "-"), str_or(row.properties, "Role", "-")});
  }
  return render_table(table, {});
}

nlohmann::json render_list_json(const std::vector<InstanceRow>& rows) {
  auto out = nlohmann::json::array();
  for (const auto& row : rows) {
    nlohmann::json item = {{"bus_name", row.bus_name}, {"instance", instance_of(row.bus_name, row.properties)}};
    if (!row.error.empty()) {
      item["error"] = row.error;
    } else {
      for (const char* key : {"Device", "State", "Role"}) item[json_key(key)] = str_or(row.properties, key, "");
    }
    out.push_back(std::move(item));
  }
  return out;
}

std::string render_status_text(const std::string& bus_name, const PropertyMap& p) {
  std::vector<std::vector<std::string>> rows;
  std::set<std::string> shown;
  auto row = [&](std::string label, std::string value, std::initializer_list<const char*> keys) {
    rows.push_back({std::move(label) + ":", std::move(value)});
    for (const char* k : keys) shown.insert(k);
  };
  auto size_of = [&](const char* key) {
    auto v = get_u64(p, key);
    return v ? human_size(*v) : std::string("?");
  };
  auto num = [&](const char* key) {
    auto v = get_u64(p, key);
    return v ? std::to_string(*v) : std::string("?");
  };

  row("Instance", instance_of(bus_name, p) + " (" + bus_name + ")", {"Instance"});
  std::string device = str_or(p, "Device", "?");
  if (auto size = get_u64(p, "DeviceSize")) device += " (" + human_size(*size) + ")";
  row("Device", device, {"Device", "DeviceSize"});
  std::string state = str_or(p, "State", "?");
  if (auto reason = get_string(p, "StateReason"); reason && !reason->empty()) state += ": " + one_line(*reason);
  row("State", state, {"State", "StateReason"});
  row("Role", str_or(p, "Role", "-"), {"Role"});
  row("Backend", str_or(p, "Backend", "-"), {"Backend"});
  row("Mount point", str_or(p, "MountPoint", "-"), {"MountPoint"});
  row("UUID", str_or(p, "Uuid", "-"), {"Uuid"});
  row("System UUID", str_or(p, "SystemUuid", "-"), {"SystemUuid"});
  row("Master system UUID", str_or(p, "MasterSystemUuid", "-"), {"MasterSystemUuid"});
  row("Log", num("LogEntries") + " of " + num("LogCapacity") + " entries used", {"LogEntries", "LogCapacity"});
  row("Files", num("Files"), {"Files"});
  row("Directories", num("Directories"), {"Directories"});
  row("Space", size_of("AllocatedBytes") + " allocated, " + size_of("FreeBytes") + " free",
      {"AllocatedBytes", "FreeBytes"});
  // Deletion (docs/delete.md): the removed files whose memory is held back, and by whom.
  std::vector<std::string> held_lines;
  if (p.count("DeleteEnabled")) {
    bool on = p.at("DeleteEnabled").peekValueType() == "b" && p.at("DeleteEnabled").get<bool>();
    row("Deletion", on ? "enabled" : "disabled (formatted without --enable-delete)", {"DeleteEnabled"});
    auto pending = get_pending(p, "PendingRelease");
    shown.insert("PendingReleaseBytes");
    shown.insert("PendingRelease");
    if (on || !pending.empty())
      row("Pending release",
          size_of("PendingReleaseBytes") + " in " + std::to_string(pending.size()) + " removed file(s)",
          {"PendingReleaseBytes", "PendingRelease"});
    for (const auto& f : pending) {
      held_lines.push_back("  " + one_line(f.path) + " (entry " + std::to_string(f.delete_index) + ", " +
                           human_size(f.bytes) + ")" + (f.held_by.empty() ? ": waiting for the next release" : ""));
      for (const auto& why : f.held_by) held_lines.push_back("    held: " + one_line(why));
    }
  }
  if (auto ms = get_u64(p, "PollIntervalMs")) row("Poll interval", std::to_string(*ms) + " ms", {"PollIntervalMs"});
  shown.insert("PollIntervalMs");
  // Host registry (issue 12).
  if (p.count("MasterAlive")) {
    row("Master", master_line(p, status_now_ms()), {"MasterAlive", "MasterLastSeen"});
    row("Hosts", std::to_string(get_hosts(p, "Hosts").size()) + " registered (famfsctl hosts)", {"Hosts"});
  }
  if (auto ms = get_u64(p, "HeartbeatIntervalMs"))
    row("Heartbeat", std::to_string(*ms) + " ms", {"HeartbeatIntervalMs"});
  shown.insert("Problems");
  // Properties a newer famfsd may add still show up.
  for (const auto& [key, value] : p)
    if (!shown.count(key)) rows.push_back({key + ":", variant_to_text(value)});
  auto problems = get_problems(p, "Problems");
  row("Problems", problems.empty() ? "none" : std::to_string(problems.size()), {});
  std::string out = render_table(rows, {});
  for (const auto& line : held_lines) out += line + "\n";
  for (const auto& problem : problems) out += problem_line(problem) + "\n";
  return out;
}

nlohmann::json render_status_json(const std::string& bus_name, const PropertyMap& p) {
  nlohmann::json out = properties_to_json(p);
  out["bus_name"] = bus_name;
  return out;
}

std::string render_ls_text(const std::vector<DirEntry>& entries, bool long_listing) {
  std::string out;
  if (!long_listing) {
    for (const auto& e : entries) out += e.name + "\n";
    return out;
  }
  // Entries of a directory readable but not searchable come with hidden
  // attributes (uid and gid 4294967295): shown as ls -l shows them, '?'.
  constexpr uint32_t kHidden = 4294967295u;
  if (entries.empty()) return "";
  std::vector<std::vector<std::string>> rows{{"MODE", "UID", "GID", "SIZE", "NAME"}};
  for (const auto& e : entries) {
    if (e.uid == kHidden && e.gid == kHidden && e.mode == 0) {
      rows.push_back({(e.type == "dir" ? "d" : "-") + std::string("?????????"), "?", "?", "?", e.name});
      continue;
    }
    rows.push_back({mode_string(e.type, e.mode), std::to_string(e.uid), std::to_string(e.gid),
                    e.type == "dir" ? "-" : human_size(e.size), e.name});
  }
  return render_table(rows, {1, 2, 3});
}

std::string render_jobs_text(const std::vector<JobRow>& jobs) {
  if (jobs.empty()) return "no jobs\n";
  std::vector<std::vector<std::string>> rows{{"JOB", "OPERATION", "PROGRESS", "DONE", "TOTAL", "STATE", "UID", "PATH"}};
  for (const auto& j : jobs) {
    char pct[16];
    snprintf(pct, sizeof pct, "%.0f%%", j.progress * 100.0);
    std::string state = !j.finished ? "running" : j.success ? "done" : "failed: " + j.error_message;
    rows.push_back({std::to_string(j.number), j.operation, pct, human_size(j.bytes_done), human_size(j.bytes_total),
                    state, std::to_string(j.started_by_uid), j.path.empty() ? "-" : j.path});
  }
  return render_table(rows, {0, 2, 3, 4, 6});
}

nlohmann::json render_jobs_json(const std::vector<JobRow>& jobs) {
  auto list = nlohmann::json::array();
  for (const auto& j : jobs) {
    nlohmann::json o = {{"job", j.number},
                        {"object_path", j.object_path},
                        {"operation", j.operation},
                        {"path", j.path.empty() ? nlohmann::json(nullptr) : nlohmann::json(j.path)},
                        {"bytes_done", j.bytes_done},
                        {"bytes_total", j.bytes_total},
                        {"progress", j.progress},
                        {"started_by_uid", j.started_by_uid},
                        {"finished", j.finished},
                        {"success", j.success}};
    if (j.finished && !j.success) {
      o["error"] = j.error;
      o["message"] = j.error_message;
    }
    list.push_back(std::move(o));
  }
  return {{"jobs", std::move(list)}};
}

nlohmann::json render_ls_json(const std::string& path, const std::vector<DirEntry>& entries) {
  auto list = nlohmann::json::array();
  for (const auto& e : entries)
    list.push_back(
        {{"name", e.name}, {"type", e.type}, {"size", e.size}, {"mode", e.mode}, {"uid", e.uid}, {"gid", e.gid}});
  return {{"path", path}, {"entries", std::move(list)}};
}

std::string render_stat_text(const PropertyMap& info) {
  std::vector<std::vector<std::string>> rows;
  std::set<std::string> shown;
  auto add = [&](const char* key, const char* label, auto&& format) {
    auto it = info.find(key);
    if (it == info.end()) return;
    shown.insert(key);
    rows.push_back({std::string(label) + ":", format(it->second)});
  };
  auto text = [](const sdbus::Variant& v) { return variant_to_text(v); };
  auto bytes = [&](const char* key) {
    return [&info, key](const sdbus::Variant& v) {
      auto n = get_u64(info, key);
      return n ? bytes_and_human(*n) : variant_to_text(v);
    };
  };
  std::string type = get_string(info, "type").value_or("");
  add("path", "Path", text);
  add("type", "Type", text);
  add("size", "Size", bytes("size"));
  add("allocated", "Allocated", bytes("allocated"));
  add("mode", "Mode", [&](const sdbus::Variant& v) {
    auto m = get_u64(info, "mode");
    return m ? octal_mode(static_cast<uint32_t>(*m)) + " (" + mode_string(type, static_cast<uint32_t>(*m)) + ")"
             : variant_to_text(v);
  });
  add("uid", "Uid", text);
  add("gid", "Gid", text);
  add("flags", "Flags", [&](const sdbus::Variant& v) {
    auto f = get_u64(info, "flags");
    if (!f) return variant_to_text(v);
    char buf[24];
    snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(*f));
    return std::string(buf);
  });
  add("log_index", "Log index", text);
  for (const auto& [key, value] : info)
    if (!shown.count(key)) rows.push_back({key + ":", variant_to_text(value)});
  return render_table(rows, {});
}

namespace {

std::string extent_table(const std::vector<Extent>& extents) {
  std::vector<std::vector<std::string>> rows = {{"#", "DEVINDEX", "OFFSET", "LENGTH"}};
  for (size_t i = 0; i < extents.size(); ++i) {
    char offset[32];
    snprintf(offset, sizeof offset, "0x%llx", static_cast<unsigned long long>(extents[i].offset));
    rows.push_back(
        {std::to_string(i), std::to_string(extents[i].devindex), offset, bytes_and_human(extents[i].length)});
  }
  std::string table = render_table(rows, {0, 1, 2});
  std::string out;
  size_t start = 0;
  while (start < table.size()) {  // indent by two
    size_t end = table.find('\n', start);
    out += "  " + table.substr(start, end - start + 1);
    start = end + 1;
  }
  return out;
}

}  // namespace

std::string render_getmap_text(const std::string& path, const PropertyMap& map) {
  std::string type = get_string(map, "type").value_or("?");
  std::string out = "Path: " + one_line(path) + "\nType: " + one_line(type) + "\n";
  std::set<std::string> shown = {"type"};
  if (auto n = get_u64(map, "nstrips")) out += "Strips: " + std::to_string(*n) + "\n";
  if (auto c = get_u64(map, "chunk_size")) out += "Chunk size: " + bytes_and_human(*c) + "\n";
  shown.insert({"nstrips", "chunk_size"});
  for (const char* key : {"extents", "strips"}) {
    if (!map.count(key)) continue;
    shown.insert(key);
    auto extents = get_extents(map, key);
    uint64_t total = 0;
    for (const auto& e : extents) total += e.length;
    out += std::string(key[0] == 'e' ? "Extents" : "Strip extents") + ": " + std::to_string(extents.size()) + ", " +
           human_size(total) + " in all\n";
    out += extent_table(extents);
  }
  for (const auto& [key, value] : map)
    if (!shown.count(key)) out += key + ": " + variant_to_text(value) + "\n";
  return out;
}

bool check_is_clean(const PropertyMap& report) {
  return get_bool(report, "clean").value_or(false) && get_problems(report, "problems").empty();
}

std::string render_check_text(const PropertyMap& r) {
  auto num = [&](const char* key) {
    auto v = get_u64(r, key);
    return v ? std::to_string(*v) : std::string("?");
  };
  auto size_of = [&](const char* key) {
    auto v = get_u64(r, key);
    return v ? human_size(*v) : std::string("?");
  };
  auto problems = get_problems(r, "problems");
  std::vector<std::vector<std::string>> rows = {
      {"Result:", check_is_clean(r) ? "clean" : "problems found"},
      {"Files:", num("files")},
      {"Directories:", num("dirs")},
      {"Space:", size_of("allocated") + " allocated, " + size_of("free") + " free"},
      {"Sum of file sizes:", size_of("sum_of_file_sizes")},
      {"Log:", num("log_used") + " of " + num("log_capacity") + " entries used"},
      {"Pending release:",
       size_of("pending_release_bytes") + " in " + num("pending_release_files") + " removed file(s)"},
      {"Problems:", problems.empty() ? "none" : std::to_string(problems.size())},
  };
  static const std::set<std::string> known = {"clean",
                                              "problems",
                                              "files",
                                              "dirs",
                                              "allocated",
                                              "free",
                                              "sum_of_file_sizes",
                                              "log_used",
                                              "log_capacity",
                                              "pending_release_bytes",
                                              "pending_release_files"};
  for (const auto& [key, value] : r)
    if (!known.count(key)) rows.push_back({key + ":", variant_to_text(value)});
  std::string out = render_table(rows, {});
  for (const auto& p : problems) out += problem_line(p) + "\n";
  return out;
}

namespace {

// " key=value": strings quoted when empty or spaced, sizes also human-readable.
std::string text_field(const std::string& key, const nlohmann::json& value) {
  std::string out = " " + key + "=";
  if (value.is_string()) {
    std::string s = one_line(value.get<std::string>());
    bool quote = s.empty() || s.find(' ') != std::string::npos;
    return out + (quote ? "\"" + s + "\"" : s);
  }
  out += dump_json(value, false);
  bool is_size = key == "size" || key.ends_with("Bytes") || key == "DeviceSize";
  std::optional<uint64_t> bytes;
  if (value.is_number_unsigned())
    bytes = value.get<uint64_t>();
  else if (value.is_number_integer() && value.get<int64_t>() >= 0)
    bytes = static_cast<uint64_t>(value.get<int64_t>());
  if (is_size && bytes && *bytes >= 1024) out += " (" + human_size(*bytes) + ")";
  return out;
}

}  // namespace

std::string render_event_text(const MonitorEvent& event) {
  std::string out = clock_time(event.unix_ms) + " " + event.signal;
  for (const auto& [key, value] : event.fields) {
    if (key == "changed" && value.is_object()) {  // PropertiesChanged: the properties themselves
      for (const auto& [name, v] : value.items()) out += text_field(name, v);
    } else if (key == "invalidated" && value.is_array()) {
      for (const auto& name : value) out += text_field(name.get<std::string>(), "(invalidated)");
    } else {
      out += text_field(key, value);
    }
  }
  return out;
}

std::string render_event_json(const MonitorEvent& event) {
  nlohmann::json j = nlohmann::json::object();
  j["time"] = iso_time(event.unix_ms);
  j["signal"] = event.signal;
  for (const auto& [key, value] : event.fields) {
    if (key == "changed" && value.is_object()) {  // property names as JSON keys
      nlohmann::json changed = nlohmann::json::object();
      for (const auto& [name, v] : value.items()) changed[json_key(name)] = v;
      j[key] = std::move(changed);
    } else if (key == "invalidated" && value.is_array()) {
      nlohmann::json names = nlohmann::json::array();
      for (const auto& name : value) names.push_back(json_key(name.get<std::string>()));
      j[key] = std::move(names);
    } else {
      j[key] = value;
    }
  }
  return dump_json(j, false);
}

namespace {

std::string ago(uint64_t last_seen_us, int64_t now_ms) {
  if (last_seen_us == 0) return "never";
  int64_t delta = now_ms - static_cast<int64_t>(last_seen_us / 1000);
  if (delta < 0) delta = 0;
  char buf[32];
  if (delta < 60'000)
    snprintf(buf, sizeof buf, "%.1f s ago", static_cast<double>(delta) / 1000.0);
  else if (delta < 3'600'000)
    snprintf(buf, sizeof buf, "%lld min ago", static_cast<long long>(delta / 60'000));
  else
    snprintf(buf, sizeof buf, "%.1f h ago", static_cast<double>(delta) / 3.6e6);
  return buf;
}

uint64_t log_head(const PropertyMap& p, const std::vector<HostRow>& hosts) {
  uint64_t head = get_u64(p, "LogEntries").value_or(0);
  for (const auto& h : hosts) head = std::max(head, h.applied);
  return head;
}

std::string master_line(const PropertyMap& p, int64_t now_ms) {
  auto alive = get_bool(p, "MasterAlive");
  uint64_t seen = get_u64(p, "MasterLastSeen").value_or(0);
  if (!alive) return "unknown (famfsd without a host registry)";
  if (*alive) return "alive (last beat " + ago(seen, now_ms) + ")";
  return seen ? "not beating (last beat " + ago(seen, now_ms) + ")" : "not beating (never seen)";
}

}  // namespace

std::string render_hosts_text(const PropertyMap& p, int64_t now_ms) {
  auto hosts = get_hosts(p, "Hosts");
  std::string out = "Master: " + master_line(p, now_ms) + "\n";
  if (hosts.empty()) return out + "no hosts registered\n";
  const uint64_t head = log_head(p, hosts);
  std::vector<std::vector<std::string>> rows = {
      {"SYSTEM UUID", "HOSTNAME", "ROLE", "STATE", "APPLIED", "BEHIND", "RELEASED", "LAST SEEN"}};
  for (const auto& h : hosts)
    rows.push_back({one_line(h.system_uuid), one_line(h.hostname.empty() ? "-" : h.hostname), one_line(h.role),
                    one_line(h.state), std::to_string(h.applied), std::to_string(head - std::min(head, h.applied)),
                    h.released ? std::to_string(*h.released) : "-", ago(h.last_seen_us, now_ms)});
  out += render_table(rows, {4, 5, 6});
  for (const auto& [slot, why] : get_damaged_slots(p))
    out += "slot " + std::to_string(slot) + " does not validate (" + one_line(why) +
           "): it may be a host and holds removed files' memory (famfsctl hosts forget " + std::to_string(slot) + ")\n";
  return out;
}

nlohmann::json render_hosts_json(const PropertyMap& p, int64_t now_ms) {
  auto hosts = get_hosts(p, "Hosts");
  const uint64_t head = log_head(p, hosts);
  auto list = nlohmann::json::array();
  for (const auto& h : hosts)
    list.push_back({{"system_uuid", h.system_uuid},
                    {"hostname", h.hostname},
                    {"role", h.role},
                    {"state", h.state},
                    {"applied", h.applied},
                    {"behind", head - std::min(head, h.applied)},
                    {"released", h.released ? nlohmann::json(*h.released) : nlohmann::json(nullptr)},
                    {"last_seen_us", h.last_seen_us}});
  auto damaged = nlohmann::json::array();
  for (const auto& [slot, why] : get_damaged_slots(p)) damaged.push_back({{"slot", slot}, {"problem", why}});
  auto alive = get_bool(p, "MasterAlive");
  (void)now_ms;
  return {{"master_alive", alive ? nlohmann::json(*alive) : nlohmann::json(nullptr)},
          {"master_last_seen_us", get_u64(p, "MasterLastSeen").value_or(0)},
          {"log_entries", head},
          {"hosts", std::move(list)},
          {"damaged_slots", std::move(damaged)}};
}

}  // namespace famfs::cli

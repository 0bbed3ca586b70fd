#include "tools/host_area_report.h"

#include <cinttypes>
#include <cstdio>
#include <map>
#include <tuple>

namespace famfs {

using nlohmann::json;

namespace {

bool stale(uint64_t beat_us, uint32_t interval_ms, uint64_t now_us) {
  return now_us > beat_us && now_us - beat_us > stale_after_us(interval_ms);
}

std::string age(uint64_t beat_us, uint64_t now_us) {
  if (beat_us >= now_us) return "just now";
  char buf[64];
  snprintf(buf, sizeof buf, "%.1f s ago", static_cast<double>(now_us - beat_us) / 1e6);
  return buf;
}

json identity_json(const omf::HostIdentity& h) {
  return {{"system_uuid", h.system_uuid.to_string()},
          {"boot_id", h.boot_id.to_string()},
          {"hostname", h.hostname},
          {"pid", h.pid}};
}

}  // namespace

std::vector<HostAreaNote> host_area_notes(const HostAreaView& view, const omf::SuperblockRecord& sb, uint64_t now_us) {
  std::vector<HostAreaNote> notes;
  if (!view.header) {
    notes.push_back({"no_area", "no host area (" + view.header_problem + "): treated as empty"});
    return notes;
  }
  if (!view.master.problem.empty()) notes.push_back({"bad_master", "master record unreadable: " + view.master.problem});
  if (const auto& m = view.master.record) {
    if (m->host.system_uuid != sb.system_uuid)
      notes.push_back({"foreign_master", "master record names system UUID " + m->host.system_uuid.to_string() +
                                             ", the superblock's master is " + sb.system_uuid.to_string()});
    if (m->state == omf::MasterState::beating && stale(m->beat_time_us, m->interval_ms, now_us))
      notes.push_back({"stale_master", "master " + m->host.hostname + " (" + m->host.system_uuid.to_string() +
                                           ") last beat " + age(m->beat_time_us, now_us) +
                                           " and did not stop cleanly"});
  }
  for (const auto& [slot, why] : view.bad_slots)
    notes.push_back({"bad_slot", "slot " + std::to_string(slot) + ": " + why});
  std::map<std::tuple<std::string, std::string, std::string>, uint32_t> seen;
  for (const SlotEntry& e : view.hosts) {
    const omf::HostSlot& s = e.record;
    if (s.state == omf::HostState::stopped) continue;
    if (stale(s.beat_time_us, s.interval_ms, now_us))
      notes.push_back({"stale_host", "slot " + std::to_string(e.slot) + ": " + s.host.hostname + " (" +
                                         s.host.system_uuid.to_string() + ") last beat " + age(s.beat_time_us, now_us) +
                                         " and did not stop cleanly"});
    auto key = std::make_tuple(s.host.system_uuid.to_string(), s.host.boot_id.to_string(), s.host.hostname);
    auto [it, fresh] = seen.emplace(key, e.slot);
    if (!fresh)
      notes.push_back({"duplicate_host", "slots " + std::to_string(it->second) + " and " + std::to_string(e.slot) +
                                             " both claim system UUID " + std::get<0>(key) + " on " + s.host.hostname});
  }
  return notes;
}

json host_area_json(const HostAreaView& view, const omf::SuperblockRecord& sb, uint64_t now_us) {
  json out = {{"valid", view.header.has_value()},
              {"problem", view.header ? json(nullptr) : json(view.header_problem)},
              {"master", nullptr}};
  if (const auto& m = view.master.record) {
    json j = identity_json(m->host);
    j["state"] = m->state == omf::MasterState::beating ? "beating" : "stopped";
    j["interval_ms"] = m->interval_ms;
    j["counter"] = m->counter;
    j["beat_time_us"] = m->beat_time_us;
    j["since_us"] = m->since_us;
    j["stale"] = m->state == omf::MasterState::beating && stale(m->beat_time_us, m->interval_ms, now_us);
    out["master"] = std::move(j);
  }
  json hosts = json::array();
  for (const SlotEntry& e : view.hosts) {
    const omf::HostSlot& s = e.record;
    json j = identity_json(s.host);
    j["slot"] = e.slot;
    j["role"] = omf::host_role_name(s.role);
    j["state"] = omf::host_state_name(s.state);
    j["applied"] = s.applied;
    j["counter"] = s.counter;
    j["beat_time_us"] = s.beat_time_us;
    j["interval_ms"] = s.interval_ms;
    j["joined_us"] = s.joined_us;
    j["stale"] = s.state != omf::HostState::stopped && stale(s.beat_time_us, s.interval_ms, now_us);
    hosts.push_back(std::move(j));
  }
  out["hosts"] = std::move(hosts);
  json notes = json::array();
  for (const HostAreaNote& n : host_area_notes(view, sb, now_us))
    notes.push_back({{"kind", n.kind}, {"message", n.message}});
  out["notes"] = std::move(notes);
  return out;
}

std::string host_area_text(const HostAreaView& view, const omf::SuperblockRecord& sb, uint64_t now_us) {
  std::string out;
  char buf[512];
  if (view.header) {
    snprintf(buf, sizeof buf, "  host area: %zu host(s) registered\n", view.hosts.size());
    out += buf;
    if (const auto& m = view.master.record) {
      snprintf(buf, sizeof buf, "  master: %s (%s, pid %u), %s, last beat %s\n", m->host.hostname.c_str(),
               m->host.system_uuid.to_string().c_str(), m->host.pid,
               m->state == omf::MasterState::beating ? "beating" : "stopped", age(m->beat_time_us, now_us).c_str());
      out += buf;
    } else {
      out += "  master: no record\n";
    }
    for (const SlotEntry& e : view.hosts) {
      const omf::HostSlot& s = e.record;
      snprintf(buf, sizeof buf, "  host slot %u: %s %s %s %s, applied %" PRIu64 ", last beat %s\n", e.slot,
               s.host.hostname.c_str(), s.host.system_uuid.to_string().c_str(), omf::host_role_name(s.role),
               omf::host_state_name(s.state), s.applied, age(s.beat_time_us, now_us).c_str());
      out += buf;
    }
  }
  for (const HostAreaNote& n : host_area_notes(view, sb, now_us)) out += "  note (" + n.kind + "): " + n.message + "\n";
  return out;
}

}  // namespace famfs

#include "service/host_presence.h"

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <thread>

#include "engine/host_registry.h"
#include "service/log.h"

namespace famfs::service {
namespace {

uint64_t mono_us() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000 + static_cast<uint64_t>(ts.tv_nsec) / 1000;
}

// Monotonic time at which a record beating last at wall time BEAT_US would
// have been seen, for a record seen for the first time (clock skew aside).
uint64_t first_sight(uint64_t beat_us, uint64_t mono, uint64_t wall) {
  uint64_t age = wall > beat_us ? wall - beat_us : 0;
  return mono - std::min(age, mono);
}

std::string ms(uint64_t us) { return std::to_string(us / 1000) + " ms"; }

}  // namespace

Result<Uuid> read_boot_id() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string text;
  if (!in || !std::getline(in, text)) return Error(Errc::io_error, "cannot read /proc/sys/kernel/random/boot_id");
  auto u = Uuid::parse(text);
  if (!u) return Error(Errc::corrupt, "/proc/sys/kernel/random/boot_id holds no UUID: \"" + text + "\"");
  return *u;
}

bool process_alive(uint32_t pid) {
  if (pid == 0) return false;
  return kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

HostPresence::HostPresence(Device& dev, Volume& volume, PresenceSettings settings, PresenceEvents events)
    : dev_(dev),
      vol_(volume),
      s_(std::move(settings)),
      events_(std::move(events)),
      candidate_(volume.owns_superblock()) {}

ClaimRules HostPresence::rules() const {
  ClaimRules r;
  r.settle_us = s_.settle_us;
  r.now_us = wall_clock_us;
  r.pid_alive = process_alive;
  r.stale_us = stale_after_us(s_.interval_ms);
  r.sleep_us = [](uint64_t us) { std::this_thread::sleep_for(std::chrono::microseconds(us)); };
  return r;
}

std::string HostPresence::describe(const omf::HostIdentity& h) const {
  return "famfsd pid " + std::to_string(h.pid) + " on " + (h.hostname.empty() ? "(no hostname)" : h.hostname) +
         " (system UUID " + h.system_uuid.to_string() + ", boot id " + h.boot_id.to_string() + ")";
}

omf::MasterRecord HostPresence::my_master_record(uint64_t wall) const {
  omf::MasterRecord m;
  m.host = s_.me;
  m.interval_ms = s_.interval_ms;
  m.counter = master_counter_;
  m.beat_time_us = wall;
  m.since_us = master_since_us_;
  m.state = omf::MasterState::beating;
  return m;
}

void HostPresence::refuse(std::string why) {
  if (why == refusal_ && !holding_) return;
  holding_ = false;
  refusal_ = std::move(why);
  vol_.refuse_writes(refusal_);
  log_msg(LogLevel::warning, "%s: refusing the master role: %s", s_.instance_name.c_str(), refusal_.c_str());
  if (events_.role_changed) events_.role_changed();
}

void HostPresence::lose(const omf::HostIdentity& holder) {
  log_msg(LogLevel::err, "%s: lost the master role to %s: no more log appends from this host", s_.instance_name.c_str(),
          describe(holder).c_str());
  refuse("the master role was taken over by " + describe(holder) + " while this host's beats were late");
}

Status HostPresence::claim_master(const RecordRead<omf::MasterRecord>& decided_on, uint64_t mono, uint64_t wall,
                                  const std::string& previous) {
  // Read again just before writing: if the record changed since the decision
  // (its holder beat again, or another claimer came first), decide anew at
  // the next beat instead of overwriting it.
  auto fresh = read_master_record(dev_);
  if (!fresh) return fresh.error();
  if (fresh->record.has_value() != decided_on.record.has_value() ||
      (fresh->record && !(*fresh->record == *decided_on.record)))
    return ok_status();
  master_since_us_ = wall;
  ++master_counter_;
  omf::MasterRecord mine = my_master_record(wall);
  auto kept = claim_master_record(dev_, mine, rules());
  if (!kept) return kept.error();
  if (!*kept) {
    auto now = read_master_record(dev_);
    if (!now) return now.error();
    if (now->record)
      refuse("the master role is held by " + describe(now->record->host) + " (it claimed it at the same time)");
    return ok_status();
  }
  const bool was_refused = !refusal_.empty();
  holding_ = true;
  refusal_.clear();
  vol_.allow_writes();
  last_master_beat_mono_us_ = mono_us();
  last_master_beat_wall_us_ = wall;
  master_seen_ = Seen{s_.me, mine.counter, mono, true};
  if (previous.empty())
    log_msg(LogLevel::notice, "%s: holding the master role", s_.instance_name.c_str());
  else
    log_msg(LogLevel::notice, "%s: took the master role over from %s", s_.instance_name.c_str(), previous.c_str());
  if (was_refused && events_.role_changed) events_.role_changed();
  return ok_status();
}

Status HostPresence::try_master(const RecordRead<omf::MasterRecord>& read, uint64_t mono, uint64_t wall) {
  if (!read.record) return claim_master(read, mono, wall, "");  // none, or unreadable bytes
  const omf::MasterRecord& m = *read.record;
  if (m.state == omf::MasterState::stopped) return claim_master(read, mono, wall, "");
  if (m.host.same_host(s_.me) && (m.host.pid == s_.me.pid || !process_alive(m.host.pid)))
    return claim_master(read, mono, wall, "");  // this host's own earlier famfsd
  // Another host (or another live famfsd here) beats with this system UUID.
  uint64_t silent = master_seen_ && same_process(master_seen_->host, m.host)
                        ? mono - master_seen_->changed_mono_us
                        : mono - first_sight(m.beat_time_us, mono, wall);
  uint64_t timeout = takeover_after_us(std::max(m.interval_ms, s_.interval_ms));
  if (silent >= timeout) return claim_master(read, mono, wall, describe(m.host) + ", silent for " + ms(silent));
  refuse("the master role is held by " + describe(m.host) +
         ", which is still beating (this host has the master's system UUID "
         "but boot id " +
         s_.me.boot_id.to_string() + ", hostname " + s_.me.hostname + ", pid " + std::to_string(s_.me.pid) +
         "; it takes over after " + ms(timeout) + " of silence)");
  return ok_status();
}

Status HostPresence::beat_master(const RecordRead<omf::MasterRecord>& read, uint64_t mono, uint64_t wall) {
  if (read.record && !same_process(read.record->host, s_.me)) {
    lose(read.record->host);
    return ok_status();
  }
  ++master_counter_;
  FAMFS_TRY(write_master_record(dev_, my_master_record(wall)));
  last_master_beat_mono_us_ = mono;
  last_master_beat_wall_us_ = wall;
  master_seen_ = Seen{s_.me, master_counter_, mono, true};
  return ok_status();
}

Status HostPresence::confirm_master() {
  if (!candidate_ || area_problem_ != "") return ok_status();  // no registry to consult
  if (!holding_)
    return Error(Errc::not_master, refusal_.empty() ? "this host does not hold the master role" : refusal_);
  auto read = read_master_record(dev_);
  if (!read) return read.error();
  if (read->record && !same_process(read->record->host, s_.me)) {
    lose(read->record->host);
    return Error(Errc::not_master, refusal_);
  }
  const uint64_t mono = mono_us(), wall = wall_clock_us();
  if (!read->record || mono - last_master_beat_mono_us_ >= takeover_after_us(s_.interval_ms)) {
    // Our beats were late long enough for a takeover: claim again before writing.
    holding_ = false;
    FAMFS_TRY(claim_master(*read, mono, wall, ""));
    if (!holding_)
      return Error(Errc::not_master,
                   refusal_.empty() ? "this host's master record changed under it; try again" : refusal_);
  }
  return ok_status();
}

Result<const RecordRead<omf::MasterRecord>*> HostPresence::master_record_now() {
  static_assert(omf::kHostSlotSize <= DeviceSnapshot::kMaxLen);  // last() holds the whole record
  FAMFS_TRY(master_bytes_.read(dev_));
  if (!master_bytes_.matches_kept()) {
    master_read_ = classify_master_record(omf::ConstRecordBytes(master_bytes_.last().data(), omf::kHostSlotSize));
    master_bytes_.keep();
  }
  return &master_read_;
}

void HostPresence::observe_master(const RecordRead<omf::MasterRecord>& read, uint64_t mono, uint64_t wall) {
  bool alive = false;
  uint64_t last_seen = 0;
  if (holding_) {
    alive = true;
    last_seen = last_master_beat_wall_us_;
  } else if (read.record) {
    const omf::MasterRecord& m = *read.record;
    if (!master_seen_ || !same_process(master_seen_->host, m.host)) {
      if (master_seen_ && !master_seen_->host.system_uuid.is_nil())
        log_msg(LogLevel::notice, "%s: the master record now names %s (was %s)", s_.instance_name.c_str(),
                describe(m.host).c_str(), describe(master_seen_->host).c_str());
      master_seen_ = Seen{m.host, m.counter, first_sight(m.beat_time_us, mono, wall), false};
    } else if (m.counter != master_seen_->counter) {
      master_seen_->counter = m.counter;
      master_seen_->changed_mono_us = mono;
    }
    alive =
        m.state == omf::MasterState::beating && mono - master_seen_->changed_mono_us <= stale_after_us(m.interval_ms);
    last_seen = m.beat_time_us;
  }
  master_last_seen_us_ = last_seen;
  if (alive == master_alive_) return;  // the common case of every poll: no strings made
  master_alive_ = alive;
  std::string who, host;
  if (holding_) {
    who = s_.me.system_uuid.to_string();
    host = s_.me.hostname;
  } else if (read.record) {
    who = read.record->host.system_uuid.to_string();
    host = read.record->host.hostname;
  }
  if (alive)
    log_msg(LogLevel::info, "%s: master %s is alive", s_.instance_name.c_str(), host.c_str());
  else
    log_msg(LogLevel::warning, "%s: master %s stopped beating", s_.instance_name.c_str(), host.c_str());
  if (!alive && events_.master_stopped) events_.master_stopped(who, host, last_seen);
  if (events_.changed) events_.changed();
}

Status HostPresence::watch() {
  if (!area_problem_.empty() || !scanned_) return ok_status();  // beat() prepares and reads the area first
  // The same bytes as at the last poll are the same record: no CRC, no decode.
  auto read = master_record_now();
  if (!read) return read.error();
  const uint64_t mono = mono_us(), wall = wall_clock_us();
  if (candidate_ && !holding_) {
    FAMFS_TRY(try_master(**read, mono, wall));
    // A claim just written makes READ (the record it replaced) stale: judge
    // the role by the record as it is now, or a takeover from a cleanly
    // stopped holder would be "lost" to that holder at once, its claim left
    // beating in the record with nobody to mark it stopped.
    if (holding_) {
      read = master_record_now();
      if (!read) return read.error();
    }
  }
  const RecordRead<omf::MasterRecord>& now = **read;
  if (holding_ && now.record && !same_process(now.record->host, s_.me)) lose(now.record->host);
  observe_master(now, mono, wall);
  return ok_status();
}

Status HostPresence::beat_slot(const HostAreaView& view, omf::HostState state, uint64_t wall) {
  omf::HostSlot mine;
  mine.host = s_.me;
  mine.role = vol_.role() == Role::master ? omf::HostRole::master : omf::HostRole::client;
  mine.state = state;
  mine.applied = vol_.log_entries();
  mine.released = s_.released ? std::min(s_.released(), mine.applied) : mine.applied;
  mine.counter = ++slot_counter_;
  mine.beat_time_us = wall;
  mine.interval_ms = s_.interval_ms;
  if (slot_) {
    bool still_mine = false;
    for (const SlotEntry& e : view.hosts)
      if (e.slot == *slot_) still_mine = same_process(e.record.host, s_.me);
    if (!still_mine) {
      log_msg(LogLevel::notice, "%s: host slot %u no longer holds this host's record: claiming one again",
              s_.instance_name.c_str(), *slot_);
      slot_.reset();
    }
  }
  if (!slot_) {
    joined_us_ = wall;
    mine.joined_us = joined_us_;
    auto claimed = claim_host_slot(dev_, mine, rules());
    if (!claimed) return claimed.error();
    slot_ = *claimed;
    written_ = mine;
    log_msg(LogLevel::info, "%s: host slot %u", s_.instance_name.c_str(), *slot_);
    return ok_status();
  }
  mine.joined_us = joined_us_;
  FAMFS_TRY(write_host_slot(dev_, *slot_, mine));
  written_ = mine;
  return ok_status();
}

void HostPresence::observe_hosts(const HostAreaView& view, uint64_t mono, uint64_t wall) {
  std::vector<HostView> now;
  std::map<uint32_t, Seen> seen;
  for (const SlotEntry& e : view.hosts) {
    const omf::HostSlot& r = e.record;
    Seen s;
    auto old = seen_.find(e.slot);
    if (old == seen_.end() || !same_process(old->second.host, r.host)) {
      s = Seen{r.host, r.counter, first_sight(r.beat_time_us, mono, wall), false};
    } else {
      s = old->second;
      if (s.counter != r.counter) {
        s.counter = r.counter;
        s.changed_mono_us = mono;
      }
    }
    const bool mine = slot_ && e.slot == *slot_ && same_process(r.host, s_.me);
    s.fresh = r.state != omf::HostState::stopped && (mine || mono - s.changed_mono_us <= stale_after_us(r.interval_ms));
    HostView v;
    v.slot = e.slot;
    v.system_uuid = r.host.system_uuid.to_string();
    v.boot_id = r.host.boot_id.to_string();
    v.hostname = r.host.hostname;
    v.pid = r.host.pid;
    v.role = omf::host_role_name(r.role);
    v.state = r.state == omf::HostState::stopped ? "stopped" : s.fresh ? omf::host_state_name(r.state) : "stale";
    v.applied = r.applied;
    v.released = r.released;
    v.last_seen_us = r.beat_time_us;
    now.push_back(std::move(v));
    seen.emplace(e.slot, s);
  }
  // Which hosts became fresh (appeared) or stale since the last scan.
  std::vector<size_t> appeared_at, stale_at;
  for (size_t i = 0; i < now.size(); ++i) {
    const Seen& s = seen[now[i].slot];
    auto old = seen_.find(now[i].slot);
    const bool was_fresh = old != seen_.end() && same_process(old->second.host, s.host) && old->second.fresh;
    if (s.fresh && !was_fresh) appeared_at.push_back(i);
    if (!s.fresh && was_fresh && now[i].state == "stale") stale_at.push_back(i);
  }
  // What a beat alone changes (time, counter) does not count as a change.
  auto shape = [](std::vector<HostView> v) {
    for (HostView& h : v) h.last_seen_us = 0;
    return v;
  };
  const bool changed = shape(now) != shape(hosts_);
  const bool first = !scanned_;
  seen_ = std::move(seen);
  hosts_ = std::move(now);
  scanned_ = true;
  if (!first) {
    for (size_t i : appeared_at) {
      log_msg(LogLevel::info, "%s: host %s (%s) appeared in slot %u as %s", s_.instance_name.c_str(),
              hosts_[i].hostname.c_str(), hosts_[i].system_uuid.c_str(), hosts_[i].slot, hosts_[i].role.c_str());
      if (events_.host_appeared) events_.host_appeared(hosts_[i]);
    }
    for (size_t i : stale_at) {
      log_msg(LogLevel::warning, "%s: host %s (%s) in slot %u stopped beating", s_.instance_name.c_str(),
              hosts_[i].hostname.c_str(), hosts_[i].system_uuid.c_str(), hosts_[i].slot);
      if (events_.host_stale) events_.host_stale(hosts_[i]);
    }
  }
  if (changed && events_.changed) events_.changed();
}

Status HostPresence::beat(omf::HostState state) {
  const Uuid& fs = vol_.superblock().record.fs_uuid;
  auto view = read_host_area(dev_, fs, true);
  if (!view) return view.error();
  if (!view->header) {
    if (candidate_ && dev_.writable() && refusal_.empty()) {
      log_msg(LogLevel::notice, "%s: preparing the host area (%s)", s_.instance_name.c_str(),
              view->header_problem.c_str());
      // Deletion survives a damaged header when this host saw it on (the
      // header when it opened the volume, or a DELETE entry in the log).
      const uint64_t features = vol_.delete_enabled() ? omf::kFeatureDelete : 0;
      FAMFS_TRY(init_host_area(dev_, fs, features));
      vol_.note_host_area_features(features);
      for (const HostView& h : hosts_)
        if (!(slot_ && h.slot == *slot_) && h.state != "stopped" &&
            std::none_of(carried_.begin(), carried_.end(),
                         [&](const HostView& c) { return c.system_uuid == h.system_uuid; }))
          carried_.push_back(h);
      reinit_mono_us_ = mono_us();
      slot_.reset();
      view = read_host_area(dev_, fs, true);
      if (!view) return view.error();
    }
    if (!view->header) {
      if (area_problem_ != view->header_problem)
        log_msg(LogLevel::notice, "%s: no host registry on the device (%s); looking again every beat",
                s_.instance_name.c_str(), view->header_problem.c_str());
      area_problem_ = view->header_problem;
      const bool had = !hosts_.empty() || master_alive_;
      hosts_.clear();
      seen_.clear();
      damaged_.clear();
      master_alive_ = false;
      scanned_ = false;
      if (had && events_.changed) events_.changed();
      return ok_status();
    }
  }
  area_problem_.clear();
  uint64_t mono = mono_us(), wall = wall_clock_us();
  if (candidate_) {
    if (holding_)
      FAMFS_TRY(beat_master(view->master, mono, wall));
    else
      FAMFS_TRY(try_master(view->master, mono, wall));
  }
  // A slot that cannot be written (a read-only device, a full table) does
  // not keep this host from seeing the others.
  Status slot_written = beat_slot(*view, state, wall);
  if (slot_written && slot_) {
    // The table as read, with what this beat wrote (one scan per beat).
    std::erase_if(view->hosts, [&](const SlotEntry& e) { return e.slot == *slot_; });
    auto at = std::find_if(view->hosts.begin(), view->hosts.end(), [&](const SlotEntry& e) { return e.slot > *slot_; });
    view->hosts.insert(at, SlotEntry{*slot_, written_});
  } else if (slot_written.error().code() == Errc::memory_error) {
    return slot_written;
  }
  if (candidate_) {
    auto m = read_master_record(dev_);
    if (!m) return m.error();
    view->master = std::move(m.value());
  }
  mono = mono_us();
  wall = wall_clock_us();
  observe_master(view->master, mono, wall);
  observe_hosts(*view, mono, wall);
  std::erase_if(carried_, [&](const HostView& c) {
    return std::any_of(hosts_.begin(), hosts_.end(), [&](const HostView& h) { return h.system_uuid == c.system_uuid; });
  });
  std::erase_if(view->bad_slots, [&](const auto& b) { return slot_ && b.first == *slot_; });
  if (view->bad_slots != damaged_) {
    for (const auto& [slot, why] : view->bad_slots)
      if (std::find(damaged_.begin(), damaged_.end(), std::make_pair(slot, why)) == damaged_.end())
        log_msg(LogLevel::warning,
                "%s: host slot %u does not validate (%s): it may be a host, so removed files' memory stays held "
                "(famfsctl hosts forget %u clears it)",
                s_.instance_name.c_str(), slot, why.c_str(), slot);
    damaged_ = std::move(view->bad_slots);
    if (events_.changed) events_.changed();
  }
  return slot_written;
}

void HostPresence::stop(bool mark_stopped) {
  const uint64_t wall = wall_clock_us();
  if (!mark_stopped && slot_)
    log_msg(LogLevel::warning,
            "%s: host slot %u left as it is: it goes stale and holds removed files' memory until famfsd runs here "
            "again (or famfsctl hosts forget %s)",
            s_.instance_name.c_str(), *slot_, s_.me.system_uuid.to_string().c_str());
  if (mark_stopped && slot_ && area_problem_.empty()) {
    omf::HostSlot mine;
    mine.host = s_.me;
    mine.role = vol_.role() == Role::master ? omf::HostRole::master : omf::HostRole::client;
    mine.state = omf::HostState::stopped;
    mine.applied = vol_.log_entries();
    mine.released = s_.released ? std::min(s_.released(), mine.applied) : mine.applied;
    mine.counter = ++slot_counter_;
    mine.beat_time_us = wall;
    mine.interval_ms = s_.interval_ms;
    mine.joined_us = joined_us_;
    Status s = write_host_slot(dev_, *slot_, mine);
    if (!s)
      log_msg(LogLevel::warning, "%s: cannot mark host slot %u stopped: %s", s_.instance_name.c_str(), *slot_,
              s.error().message().c_str());
  }
  if (holding_) {
    auto read = read_master_record(dev_);
    if (read && (!read->record || same_process(read->record->host, s_.me))) {
      omf::MasterRecord m = my_master_record(wall);
      m.counter = ++master_counter_;
      m.state = omf::MasterState::stopped;
      Status s = write_master_record(dev_, m);
      if (!s)
        log_msg(LogLevel::warning, "%s: cannot mark the master record stopped: %s", s_.instance_name.c_str(),
                s.error().message().c_str());
    }
    holding_ = false;
  }
}

Result<uint32_t> HostPresence::forget(const Uuid& system_uuid) {
  if (!area_problem_.empty()) return Error(Errc::unsupported, "no host registry on the device: " + area_problem_);
  if (system_uuid == s_.me.system_uuid)
    return Error(Errc::invalid_argument, "system UUID " + system_uuid.to_string() + " is this host's own");
  auto view = read_host_area(dev_, vol_.superblock().record.fs_uuid, true);
  if (!view) return view.error();
  if (!view->header) return Error(Errc::unsupported, "no host registry on the device: " + view->header_problem);
  std::vector<uint32_t> slots;
  for (const SlotEntry& e : view->hosts) {
    if (e.record.host.system_uuid != system_uuid) continue;
    auto seen = seen_.find(e.slot);
    const bool fresh = seen != seen_.end() && same_process(seen->second.host, e.record.host)
                           ? seen->second.fresh
                           : e.record.state != omf::HostState::stopped &&
                                 wall_clock_us() - std::min(wall_clock_us(), e.record.beat_time_us) <=
                                     stale_after_us(e.record.interval_ms);
    if (fresh && e.record.state != omf::HostState::stopped)
      return Error(Errc::busy, "host " + e.record.host.hostname + " (" + system_uuid.to_string() + ") in slot " +
                                   std::to_string(e.slot) + " is still beating");
    slots.push_back(e.slot);
  }
  const std::string uuid = system_uuid.to_string();
  const size_t carried = std::erase_if(carried_, [&](const HostView& c) { return c.system_uuid == uuid; });
  if (carried)
    log_msg(LogLevel::notice, "%s: forgot host %s (registered before the host area was re-initialized)",
            s_.instance_name.c_str(), uuid.c_str());
  if (slots.empty() && !carried)
    return Error(Errc::not_found, "no host with system UUID " + system_uuid.to_string() + " is registered");
  for (uint32_t slot : slots) {
    FAMFS_TRY(clear_host_slot(dev_, slot));
    log_msg(LogLevel::notice, "%s: forgot host %s (slot %u)", s_.instance_name.c_str(), system_uuid.to_string().c_str(),
            slot);
  }
  return static_cast<uint32_t>(slots.size() + carried);
}

bool HostPresence::settling_after_reinit() const {
  return reinit_mono_us_ != 0 && mono_us() - reinit_mono_us_ < 5ULL * s_.interval_ms * 1000;
}

Result<uint32_t> HostPresence::forget_slot(uint32_t slot) {
  if (!area_problem_.empty()) return Error(Errc::unsupported, "no host registry on the device: " + area_problem_);
  if (slot >= omf::kHostSlotCount)
    return Error(Errc::invalid_argument, "there is no host slot " + std::to_string(slot) + " (slots 0-" +
                                             std::to_string(omf::kHostSlotCount - 1) + ")");
  auto r = read_host_slot(dev_, slot);
  if (!r) return r.error();
  if (r->empty) return Error(Errc::not_found, "host slot " + std::to_string(slot) + " is empty");
  if (r->record)
    return Error(Errc::invalid_argument, "host slot " + std::to_string(slot) + " holds host " +
                                             r->record->host.hostname + " (" + r->record->host.system_uuid.to_string() +
                                             "), which validates: forget it by its system UUID");
  FAMFS_TRY(clear_host_slot(dev_, slot));
  log_msg(LogLevel::notice, "%s: cleared host slot %u, which did not validate (%s)", s_.instance_name.c_str(), slot,
          r->problem.c_str());
  std::erase_if(damaged_, [&](const auto& b) { return b.first == slot; });
  return 1u;
}

}  // namespace famfs::service

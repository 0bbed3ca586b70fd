// HostPresence on a fake device: beats, liveness, the single-writer rule
// (refusal, takeover, losing the role), and forgetting hosts.
#include "service/host_presence.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <thread>

#include "../fake_device.h"
#include "engine/format.h"
#include "engine/host_registry.h"
#include "omf/host_area.h"
#include "service/log.h"

namespace famfs::service {
namespace {

using testing::FakeDevice;
constexpr uint64_t kDevSize = 64ULL << 20;
// Liveness is measured in heartbeat intervals: tests that must not see a host
// go stale use a long one, tests that wait for staleness a short one.
constexpr uint32_t kIntervalMs = 1000;
constexpr uint32_t kShortMs = 100;
const Uuid kMaster = *Uuid::parse("11111111-2222-4333-8444-555555555555");
const Uuid kClient = *Uuid::parse("99999999-2222-4333-8444-555555555555");
const Uuid kBootA = *Uuid::parse("aaaaaaaa-0000-4000-8000-000000000001");
const Uuid kBootB = *Uuid::parse("bbbbbbbb-0000-4000-8000-000000000002");

// Waits (up to 10 s) for COND, beating P meanwhile.
bool beat_until(HostPresence& p, const std::function<bool()>& cond) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    EXPECT_TRUE(p.beat(omf::HostState::ready));
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return cond();
}

class HostPresenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    set_log_level(LogLevel::crit);
    FormatOptions o;
    o.system_uuid = kMaster;
    ASSERT_TRUE(format_device(dev_, o));
  }

  std::unique_ptr<Volume> open(const Uuid& uuid) {
    auto v = Volume::open(dev_, uuid);
    EXPECT_TRUE(v);
    return std::move(v.value());
  }

  std::unique_ptr<HostPresence> presence(Volume& v, const Uuid& uuid, const Uuid& boot, uint32_t pid,
                                         PresenceEvents ev = {}, uint32_t interval_ms = kIntervalMs) {
    PresenceSettings s;
    s.me.system_uuid = uuid;
    s.me.boot_id = boot;
    s.me.hostname = "node";
    s.me.pid = pid;
    s.interval_ms = interval_ms;
    s.settle_us = 0;
    s.instance_name = "test";
    auto p = std::make_unique<HostPresence>(dev_, v, s, std::move(ev));
    HostPresence* raw = p.get();
    v.set_write_check([raw] { return raw->confirm_master(); });
    return p;
  }

  // The master and one client, each with its volume and presence (the
  // volumes outlive the presences that refer to them).
  struct TwoHosts {
    std::unique_ptr<Volume> mv, cv;
    std::unique_ptr<HostPresence> m, c;
  };
  TwoHosts two_hosts() {
    TwoHosts t;
    t.mv = open(kMaster);
    t.cv = open(kClient);
    t.m = presence(*t.mv, kMaster, kBootA, static_cast<uint32_t>(getpid()));
    t.c = presence(*t.cv, kClient, kBootA, static_cast<uint32_t>(getpid()) + 1);
    return t;
  }

  // Another famfsd (a clone: same UUID, other boot) beating in the master record.
  void write_foreign_master(uint64_t counter, uint32_t interval_ms = kIntervalMs,
                            omf::MasterState state = omf::MasterState::beating) {
    omf::MasterRecord m;
    m.state = state;
    m.host.system_uuid = kMaster;
    m.host.boot_id = kBootB;
    m.host.hostname = "clone";
    m.host.pid = 4242;
    m.interval_ms = interval_ms;
    m.counter = counter;
    m.beat_time_us = wall_clock_us();
    ASSERT_TRUE(write_master_record(dev_, m));
  }

  FakeDevice dev_{kDevSize};
};

TEST_F(HostPresenceTest, MasterHoldsTheRecordAndEveryHostIsListed) {
  auto mv = open(kMaster);
  auto cv = open(kClient);
  int changes = 0;
  PresenceEvents ev;
  ev.changed = [&] { ++changes; };
  auto m = presence(*mv, kMaster, kBootA, static_cast<uint32_t>(getpid()));
  auto c = presence(*cv, kClient, kBootA, static_cast<uint32_t>(getpid()) + 1, ev);
  ASSERT_TRUE(m->beat(omf::HostState::ready));
  ASSERT_TRUE(c->beat(omf::HostState::degraded));
  EXPECT_TRUE(m->master_alive());
  EXPECT_TRUE(m->refusal().empty());
  EXPECT_EQ(mv->role(), Role::master);
  ASSERT_TRUE(beat_until(*m, [&] { return m->hosts().size() == 2; }));
  ASSERT_TRUE(c->beat(omf::HostState::degraded));
  EXPECT_TRUE(c->master_alive());
  EXPECT_NE(c->master_last_seen_us(), 0u);
  ASSERT_EQ(c->hosts().size(), 2u);
  int roles_ok = 0;
  for (const HostView& h : c->hosts()) {
    if (h.system_uuid == kMaster.to_string() && h.role == "master" && h.state == "ready") ++roles_ok;
    if (h.system_uuid == kClient.to_string() && h.role == "client" && h.state == "degraded") ++roles_ok;
  }
  EXPECT_EQ(roles_ok, 2);
  // A beat that changes nothing but counters and times announces nothing.
  int before = changes;
  ASSERT_TRUE(c->beat(omf::HostState::degraded));
  EXPECT_EQ(changes, before);
}

TEST_F(HostPresenceTest, AppliedIndexFollowsTheLog) {
  auto mv = open(kMaster);
  auto m = presence(*mv, kMaster, kBootA, static_cast<uint32_t>(getpid()));
  ASSERT_TRUE(m->beat(omf::HostState::ready));
  DirRequest d;
  d.path = "a";
  ASSERT_TRUE(mv->make_directory(d));
  ASSERT_TRUE(m->beat(omf::HostState::ready));
  ASSERT_EQ(m->hosts().size(), 1u);
  EXPECT_EQ(m->hosts()[0].applied, 1u);
}

TEST_F(HostPresenceTest, MasterDeathIsSeenAfterTwoAndAHalfIntervals) {
  auto mv = open(kMaster);
  auto cv = open(kClient);
  std::vector<std::string> stopped;
  PresenceEvents ev;
  ev.master_stopped = [&](const std::string& uuid, const std::string&, uint64_t) { stopped.push_back(uuid); };
  auto m = presence(*mv, kMaster, kBootA, static_cast<uint32_t>(getpid()), {}, kShortMs);
  auto c = presence(*cv, kClient, kBootA, static_cast<uint32_t>(getpid()) + 1, ev);
  auto t0 = std::chrono::steady_clock::now();  // before the master's last beat
  ASSERT_TRUE(m->beat(omf::HostState::ready));
  ASSERT_TRUE(c->beat(omf::HostState::ready));
  ASSERT_TRUE(c->master_alive());
  // The master stops beating (its process died): nothing writes its record any more.
  ASSERT_TRUE(beat_until(*c, [&] { return !c->master_alive(); }));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::microseconds(stale_after_us(kShortMs)));
  EXPECT_EQ(stopped, std::vector<std::string>{kMaster.to_string()});
}

TEST_F(HostPresenceTest, CleanStopIsNotAliveAtOnce) {
  auto [mv, cv, m, c] = two_hosts();
  ASSERT_TRUE(m->beat(omf::HostState::ready));
  ASSERT_TRUE(c->beat(omf::HostState::ready));
  ASSERT_TRUE(c->master_alive());
  m->stop();
  ASSERT_TRUE(c->watch());
  EXPECT_FALSE(c->master_alive());
  ASSERT_TRUE(c->beat(omf::HostState::ready));
  bool master_stopped = false;
  for (const HostView& h : c->hosts()) master_stopped |= h.system_uuid == kMaster.to_string() && h.state == "stopped";
  EXPECT_TRUE(master_stopped);
}

TEST_F(HostPresenceTest, CloneIsRefusedWhileTheMasterBeatsThenTakesOver) {
  write_foreign_master(1, kShortMs);
  auto v = open(kMaster);
  int role_changes = 0;
  PresenceEvents ev;
  ev.role_changed = [&] { ++role_changes; };
  auto p = presence(*v, kMaster, kBootA, static_cast<uint32_t>(getpid()), ev, kShortMs);
  ASSERT_TRUE(p->beat(omf::HostState::ready));
  EXPECT_NE(p->refusal().find("held by famfsd pid 4242 on clone"), std::string::npos) << p->refusal();
  EXPECT_EQ(v->role(), Role::client);
  DirRequest d;
  d.path = "x";
  auto r = v->make_directory(d);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::not_master);
  EXPECT_NE(r.error().message().find("pid 4242"), std::string::npos) << r.error().message();
  // While the clone keeps beating the role stays refused...
  for (uint64_t k = 2; k < 20; ++k) {
    write_foreign_master(k, kShortMs);
    ASSERT_TRUE(p->watch());
    EXPECT_FALSE(p->refusal().empty());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // ...and is taken over once it has been silent for 5 intervals.
  ASSERT_TRUE(beat_until(*p, [&] { return p->refusal().empty(); }));
  EXPECT_EQ(v->role(), Role::master);
  EXPECT_TRUE(v->make_directory(d));
  EXPECT_GE(role_changes, 2);
  auto rec = read_master_record(dev_);
  ASSERT_TRUE(rec && rec->record);
  EXPECT_EQ(rec->record->host.boot_id, kBootA);
}

// The holder stops cleanly and the refused host takes over between beats
// (watch(), the log poll): it holds the role from then on, and its own stop
// marks the record it wrote stopped. (Once it "lost" at once to the stopped
// holder of the record it had read before claiming, and left its claim
// beating in the record.)
TEST_F(HostPresenceTest, ATakeoverInWatchAfterACleanStopKeepsTheRoleAndStopsClean) {
  write_foreign_master(1);
  auto v = open(kMaster);
  auto p = presence(*v, kMaster, kBootA, static_cast<uint32_t>(getpid()));
  ASSERT_TRUE(p->beat(omf::HostState::ready));
  ASSERT_FALSE(p->refusal().empty());
  write_foreign_master(2, kIntervalMs, omf::MasterState::stopped);
  ASSERT_TRUE(p->watch());
  EXPECT_TRUE(p->refusal().empty()) << p->refusal();
  EXPECT_EQ(v->role(), Role::master);
  DirRequest d;
  d.path = "after-takeover";
  EXPECT_TRUE(v->make_directory(d));
  ASSERT_TRUE(p->watch());
  EXPECT_TRUE(p->refusal().empty()) << p->refusal();
  p->stop();
  auto rec = read_master_record(dev_);
  ASSERT_TRUE(rec && rec->record);
  EXPECT_EQ(rec->record->host.boot_id, kBootA);
  EXPECT_EQ(rec->record->state, omf::MasterState::stopped);
}

TEST_F(HostPresenceTest, AMasterThatFindsAnotherRecordStopsAppendingAtOnce) {
  auto v = open(kMaster);
  auto p = presence(*v, kMaster, kBootA, static_cast<uint32_t>(getpid()));
  ASSERT_TRUE(p->beat(omf::HostState::ready));
  DirRequest d;
  d.path = "before";
  ASSERT_TRUE(v->make_directory(d));
  write_foreign_master(100);  // a clone took over while our beats were late
  d.path = "after";
  auto r = v->make_directory(d);  // no beat in between: the append itself checks
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::not_master);
  EXPECT_EQ(v->role(), Role::client);
  EXPECT_EQ(v->log_entries(), 1u);
  EXPECT_NE(p->refusal().find("taken over by famfsd pid 4242"), std::string::npos) << p->refusal();
}

TEST_F(HostPresenceTest, RestartOfTheSameHostTakesItsRecordAtOnce) {
  // The same host's previous famfsd (its pid no longer runs) left a fresh record.
  omf::MasterRecord m;
  m.host.system_uuid = kMaster;
  m.host.boot_id = kBootA;
  m.host.hostname = "node";
  m.host.pid = 0x7ffffff0;  // no such process
  m.interval_ms = kIntervalMs;
  m.beat_time_us = wall_clock_us();
  ASSERT_TRUE(write_master_record(dev_, m));
  auto v = open(kMaster);
  auto p = presence(*v, kMaster, kBootA, static_cast<uint32_t>(getpid()));
  ASSERT_TRUE(p->beat(omf::HostState::ready));
  EXPECT_TRUE(p->refusal().empty()) << p->refusal();
  EXPECT_EQ(v->role(), Role::master);
}

TEST_F(HostPresenceTest, NoRegistryOnAReferenceDeviceForAClient) {
  std::memset(dev_.bytes() + omf::kHostAreaOffset, 0x77, 4096);  // stale reference bytes
  auto v = open(kClient);
  auto p = presence(*v, kClient, kBootA, 1);
  ASSERT_TRUE(p->beat(omf::HostState::ready));
  EXPECT_FALSE(p->area_problem().empty());
  EXPECT_TRUE(p->hosts().empty());
  EXPECT_FALSE(p->master_alive());
  EXPECT_EQ(dev_.bytes()[omf::kHostAreaOffset], 0x77);  // a client never prepares the area
  // The master prepares it, and the client joins at its next beat.
  auto mv = open(kMaster);
  auto m = presence(*mv, kMaster, kBootA, static_cast<uint32_t>(getpid()));
  ASSERT_TRUE(m->beat(omf::HostState::ready));
  ASSERT_TRUE(p->beat(omf::HostState::ready));
  EXPECT_TRUE(p->area_problem().empty());
  EXPECT_EQ(p->hosts().size(), 2u);
}

TEST_F(HostPresenceTest, ForgetFreesOnlyHostsThatNoLongerBeat) {
  auto mv = open(kMaster);
  auto cv = open(kClient);
  auto m = presence(*mv, kMaster, kBootA, static_cast<uint32_t>(getpid()));
  auto c = presence(*cv, kClient, kBootA, static_cast<uint32_t>(getpid()) + 1, {}, kShortMs);
  ASSERT_TRUE(c->beat(omf::HostState::ready));
  ASSERT_TRUE(m->beat(omf::HostState::ready));
  auto busy = m->forget(kClient);
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().code(), Errc::busy);
  EXPECT_EQ(m->forget(kMaster).error().code(), Errc::invalid_argument);
  EXPECT_EQ(m->forget(*Uuid::parse("12345678-2222-4333-8444-555555555555")).error().code(), Errc::not_found);
  // The client dies; once it is stale it can be forgotten.
  ASSERT_TRUE(beat_until(*m, [&] {
    for (const HostView& h : m->hosts())
      if (h.system_uuid == kClient.to_string()) return h.state == "stale";
    return false;
  }));
  auto n = m->forget(kClient);
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ(*n, 1u);
  ASSERT_TRUE(m->beat(omf::HostState::ready));
  EXPECT_EQ(m->hosts().size(), 1u);
}

TEST_F(HostPresenceTest, ADamagedSlotIsListedAndOnlyItCanBeClearedBySlot) {
  auto [mv, cv, m, c] = two_hosts();
  ASSERT_TRUE(m->beat(omf::HostState::ready));
  ASSERT_TRUE(c->beat(omf::HostState::ready));
  constexpr uint32_t kBad = 3000;
  std::memset(dev_.bytes() + omf::kHostSlotOffset + kBad * omf::kHostSlotSize, 0x5a, omf::kHostSlotSize);
  ASSERT_TRUE(m->beat(omf::HostState::ready));
  ASSERT_EQ(m->damaged_slots().size(), 1u);
  EXPECT_EQ(m->damaged_slots()[0].first, kBad);
  EXPECT_EQ(m->forget_slot(kBad + 1).error().code(), Errc::not_found);
  EXPECT_EQ(m->forget_slot(omf::kHostSlotCount).error().code(), Errc::invalid_argument);
  uint32_t client_slot = 0;
  for (const HostView& h : m->hosts())
    if (h.system_uuid == kClient.to_string()) client_slot = h.slot;
  auto valid = m->forget_slot(client_slot);
  ASSERT_FALSE(valid);
  EXPECT_EQ(valid.error().code(), Errc::invalid_argument);  // a valid host is forgotten by UUID
  EXPECT_NE(valid.error().message().find("by its system UUID"), std::string::npos);
  auto n = m->forget_slot(kBad);
  ASSERT_TRUE(n) << n.error().message();
  ASSERT_TRUE(m->beat(omf::HostState::ready));
  EXPECT_TRUE(m->damaged_slots().empty());
  EXPECT_EQ(m->hosts().size(), 2u);
}

TEST_F(HostPresenceTest, HostsOfAReinitializedAreaAreCarriedUntilTheyRegisterAgain) {
  auto [mv, cv, m, c] = two_hosts();
  ASSERT_TRUE(m->beat(omf::HostState::ready));
  ASSERT_TRUE(c->beat(omf::HostState::ready));
  ASSERT_TRUE(m->beat(omf::HostState::ready));
  dev_.bytes()[omf::kHostAreaOffset + 8] ^= 0xff;  // the header no longer validates
  ASSERT_TRUE(m->beat(omf::HostState::ready));     // the master re-initializes it
  ASSERT_EQ(m->carried().size(), 1u);
  EXPECT_EQ(m->carried()[0].system_uuid, kClient.to_string());
  EXPECT_TRUE(m->settling_after_reinit());
  ASSERT_TRUE(c->beat(omf::HostState::ready));  // the client claims a slot again
  ASSERT_TRUE(m->beat(omf::HostState::ready));
  EXPECT_TRUE(m->carried().empty());
  // A carried host that never comes back is forgotten by its UUID.
  dev_.bytes()[omf::kHostAreaOffset + 8] ^= 0xff;
  ASSERT_TRUE(m->beat(omf::HostState::ready));
  ASSERT_EQ(m->carried().size(), 1u);
  auto n = m->forget(kClient);
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_TRUE(m->carried().empty());
}

TEST_F(HostPresenceTest, AHostThatCannotWriteItsSlotStillSeesTheOthers) {
  auto [mv, cv, m, c] = two_hosts();
  ASSERT_TRUE(m->beat(omf::HostState::ready));
  dev_.set_writable(false);  // e.g. the device could only be opened read-only
  Status s = c->beat(omf::HostState::ready);
  dev_.set_writable(true);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Errc::permission_denied);
  ASSERT_EQ(c->hosts().size(), 1u);
  EXPECT_EQ(c->hosts()[0].role, "master");
  EXPECT_TRUE(c->master_alive());
}

TEST_F(HostPresenceTest, SignalsAHostAppearingAndGoingStaleOnce) {
  auto mv = open(kMaster);
  auto cv = open(kClient);
  std::vector<std::string> appeared, stale;
  PresenceEvents ev;
  ev.host_appeared = [&](const HostView& h) { appeared.push_back(h.system_uuid); };
  ev.host_stale = [&](const HostView& h) { stale.push_back(h.system_uuid); };
  auto m = presence(*mv, kMaster, kBootA, static_cast<uint32_t>(getpid()), ev);
  ASSERT_TRUE(m->beat(omf::HostState::ready));
  EXPECT_TRUE(appeared.empty());  // the first scan is the starting point, not news
  auto c = presence(*cv, kClient, kBootA, static_cast<uint32_t>(getpid()) + 1, {}, kShortMs);
  ASSERT_TRUE(c->beat(omf::HostState::ready));
  ASSERT_TRUE(m->beat(omf::HostState::ready));
  EXPECT_EQ(appeared, std::vector<std::string>{kClient.to_string()});
  ASSERT_TRUE(beat_until(*m, [&] { return !stale.empty(); }));
  ASSERT_TRUE(m->beat(omf::HostState::ready));
  EXPECT_EQ(stale, std::vector<std::string>{kClient.to_string()});
  ASSERT_TRUE(c->beat(omf::HostState::ready));  // it comes back
  ASSERT_TRUE(m->beat(omf::HostState::ready));
  EXPECT_EQ(appeared, (std::vector<std::string>{kClient.to_string(), kClient.to_string()}));
}

TEST_F(HostPresenceTest, ATakeoverIsCalledOffWhenTheHolderBeatsJustBeforeTheWrite) {
  write_foreign_master(1, kShortMs);
  auto v = open(kMaster);
  auto p = presence(*v, kMaster, kBootA, static_cast<uint32_t>(getpid()), {}, kShortMs);
  ASSERT_TRUE(p->beat(omf::HostState::ready));
  ASSERT_FALSE(p->refusal().empty());
  // The holder is silent for longer than the takeover timeout (5 x 100 ms)...
  std::this_thread::sleep_for(std::chrono::microseconds(takeover_after_us(kShortMs) + 100'000));
  // ...and beats again between this host's decision and its write.
  int master_reads = 0;
  dev_.on_invalidate = [&](uint64_t off, uint64_t) {
    if (off == omf::kMasterRecordOffset && ++master_reads == 2) write_foreign_master(2, kShortMs);
  };
  dev_.clear_log();
  ASSERT_TRUE(p->watch());
  dev_.on_invalidate = nullptr;
  EXPECT_EQ(master_reads, 2);  // the decision's read and the one just before the write
  int master_writes = 0;
  for (const auto& w : dev_.writes) master_writes += w.offset == omf::kMasterRecordOffset;
  EXPECT_EQ(master_writes, 1);  // the holder's beat only: this host wrote nothing there
  EXPECT_FALSE(p->refusal().empty());
  EXPECT_EQ(v->role(), Role::client);
  auto rec = read_master_record(dev_);
  ASSERT_TRUE(rec && rec->record);
  EXPECT_EQ(rec->record->host.boot_id, kBootB);  // the holder's record was not overwritten
  EXPECT_EQ(rec->record->counter, 2u);
}

// watch() decodes the master record only when its bytes changed since the
// last decode; a change of any byte (here damage to one) is still seen at the
// next poll, and so is the next valid beat.
TEST_F(HostPresenceTest, WatchSeesEveryChangeOfTheMasterRecordAfterUnchangedPolls) {
  auto [mv, cv, m, c] = two_hosts();
  ASSERT_TRUE(m->beat(omf::HostState::ready));
  ASSERT_TRUE(c->beat(omf::HostState::ready));
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c->watch());
    ASSERT_TRUE(c->master_alive());
  }
  uint8_t byte = 0;
  const uint64_t damaged = omf::kMasterRecordOffset + 100;
  ASSERT_TRUE(dev_.read(damaged, &byte, 1));
  byte ^= 0x40;
  ASSERT_TRUE(dev_.write(damaged, &byte, 1));
  ASSERT_TRUE(c->watch());
  EXPECT_FALSE(c->master_alive());  // an invalid record names no live master
  ASSERT_TRUE(c->watch());
  EXPECT_FALSE(c->master_alive());
  ASSERT_TRUE(m->beat(omf::HostState::ready));  // rewrites the whole record
  ASSERT_TRUE(c->watch());
  EXPECT_TRUE(c->master_alive());
}

}  // namespace
}  // namespace famfs::service

// The host area on a device: preparing it, reading it (stale bytes are an
// empty area), and claiming slots and the master record without atomics.
#include <gtest/gtest.h>

#include <array>
#include <barrier>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>

#include "engine/format.h"
#include "engine/host_registry.h"
#include "fake_device.h"
#include "omf/bytes.h"
#include "tools/host_area_report.h"

namespace famfs {
namespace {

using testing::FakeDevice;
constexpr uint64_t kDevSize = 64ULL << 20;

Uuid uuid_of(uint32_t seed) {
  Uuid u;
  for (size_t i = 0; i < 16; ++i) u.bytes[i] = static_cast<uint8_t>((seed >> (8 * (i % 4))) + i * 13);
  return u;
}

omf::HostSlot slot_for(const Uuid& system_uuid, uint32_t pid, const char* host = "node") {
  omf::HostSlot s;
  s.host.system_uuid = system_uuid;
  s.host.boot_id = uuid_of(0xB007);
  s.host.hostname = host;
  s.host.pid = pid;
  s.interval_ms = 1000;
  s.beat_time_us = 1'000'000'000;
  return s;
}

ClaimRules quick_rules() {
  ClaimRules r;
  r.settle_us = 0;
  r.now_us = [] { return uint64_t{1'000'000'000}; };
  r.pid_alive = [](uint32_t) { return true; };
  r.stale_us = stale_after_us(1000);
  return r;
}

// Two distinct UUIDs whose probes start at the same slot.
std::pair<Uuid, Uuid> colliding_uuids() {
  std::array<int32_t, omf::kHostSlotCount> first;
  first.fill(-1);
  for (uint32_t seed = 1;; ++seed) {
    uint32_t start = omf::slot_probe(uuid_of(seed)).start;
    if (first[start] >= 0) return {uuid_of(static_cast<uint32_t>(first[start])), uuid_of(seed)};
    first[start] = static_cast<int32_t>(seed);
  }
}

// FakeDevice shared by threads (two hosts on one memory).
class SharedDevice final : public Device {
 public:
  explicit SharedDevice(FakeDevice& d) : d_(d) {}
  DeviceKind kind() const override { return d_.kind(); }
  const std::string& path() const override { return d_.path(); }
  uint64_t size() const override { return d_.size(); }
  bool writable() const override { return true; }
  Status read(uint64_t o, void* p, size_t n) override {
    return locked([&] { return d_.read(o, p, n); });
  }
  Status write(uint64_t o, const void* p, size_t n) override {
    return locked([&] { return d_.write(o, p, n); });
  }
  Status zero(uint64_t o, uint64_t n) override {
    return locked([&] { return d_.zero(o, n); });
  }
  Status flush(uint64_t o, uint64_t n) override {
    return locked([&] { return d_.flush(o, n); });
  }
  Status invalidate(uint64_t o, uint64_t n) override {
    return locked([&] { return d_.invalidate(o, n); });
  }
  uint8_t* map_view() override { return d_.map_view(); }

 private:
  template <typename Fn>
  Status locked(Fn&& fn) {
    std::lock_guard<std::mutex> lock(mu_);
    return fn();
  }
  FakeDevice& d_;
  std::mutex mu_;
};

TEST(HostArea, InitZeroesStaleBytesAndWritesTheHeader) {
  FakeDevice dev(kDevSize);
  std::memset(dev.bytes() + omf::kHostAreaOffset, 0xA5, omf::kSuperblockRegion - omf::kHostAreaOffset);
  const Uuid fs = uuid_of(42);
  ASSERT_TRUE(init_host_area(dev, fs));
  for (uint64_t off = omf::kHostAreaOffset + omf::kHostHeaderSize; off < omf::kSuperblockRegion; ++off)
    ASSERT_EQ(dev.bytes()[off], 0) << off;
  auto view = read_host_area(dev, fs, true);
  ASSERT_TRUE(view);
  ASSERT_TRUE(view->header) << view->header_problem;
  EXPECT_TRUE(view->master.empty);
  EXPECT_TRUE(view->hosts.empty());
  EXPECT_TRUE(view->bad_slots.empty());
  // The header was written back.
  bool flushed = false;
  for (const auto& f : dev.flushes)
    flushed |= f.offset <= omf::kHostAreaOffset && f.offset + f.len >= omf::kHostAreaOffset + 64;
  EXPECT_TRUE(flushed);
}

TEST(HostArea, StaleBytesReadAsAnEmptyAreaAndAreNeverTrusted) {
  FakeDevice dev(kDevSize);
  for (uint64_t off = omf::kHostAreaOffset; off < omf::kSuperblockRegion; ++off)
    dev.bytes()[off] = static_cast<uint8_t>(off * 2654435761u >> 13);
  auto view = read_host_area(dev, uuid_of(1), true);
  ASSERT_TRUE(view);
  EXPECT_FALSE(view->header);
  EXPECT_NE(view->header_problem.find("magic"), std::string::npos);
  EXPECT_TRUE(view->hosts.empty());
}

TEST(HostArea, AnAreaOfAnEarlierFileSystemIsEmpty) {
  FakeDevice dev(kDevSize);
  ASSERT_TRUE(init_host_area(dev, uuid_of(1)));
  auto view = read_host_area(dev, uuid_of(2), true);
  ASSERT_TRUE(view);
  EXPECT_FALSE(view->header);
  EXPECT_NE(view->header_problem.find("earlier mkfs"), std::string::npos);
}

TEST(HostArea, ReadInvalidatesBeforeReading) {
  FakeDevice dev(kDevSize);
  ASSERT_TRUE(init_host_area(dev, uuid_of(1)));
  dev.clear_log();
  ASSERT_TRUE(read_host_area(dev, uuid_of(1), true));
  auto covered = [&](uint64_t off, uint64_t len) {
    for (const auto& r : dev.invalidates)
      if (r.offset <= off && r.offset + r.len >= off + len) return true;
    return false;
  };
  EXPECT_TRUE(covered(omf::kHostAreaOffset, omf::kHostHeaderSize));
  EXPECT_TRUE(covered(omf::kMasterRecordOffset, omf::kMasterRecordSize));
  EXPECT_TRUE(covered(omf::kHostSlotOffset, omf::kHostSlotSize * omf::kHostSlotCount));
}

TEST(HostArea, BadSlotsAreReportedNotServed) {
  FakeDevice dev(kDevSize);
  ASSERT_TRUE(init_host_area(dev, uuid_of(1)));
  ASSERT_TRUE(write_host_slot(dev, 7, slot_for(uuid_of(9), 100)));
  dev.bytes()[omf::host_slot_offset(9) + 3] = 0x42;  // garbage in another slot
  auto view = read_host_area(dev, uuid_of(1), true);
  ASSERT_TRUE(view);
  ASSERT_EQ(view->hosts.size(), 1u);
  EXPECT_EQ(view->hosts[0].slot, 7u);
  ASSERT_EQ(view->bad_slots.size(), 1u);
  EXPECT_EQ(view->bad_slots[0].first, 9u);
}

TEST(HostArea, MemoryErrorIsAnErrorNotACrash) {
  FakeDevice dev(kDevSize);
  ASSERT_TRUE(init_host_area(dev, uuid_of(1)));
  dev.poison(omf::host_slot_offset(100), 64);
  auto view = read_host_area(dev, uuid_of(1), true);
  ASSERT_FALSE(view);
  EXPECT_EQ(view.error().code(), Errc::memory_error);
}

TEST(HostArea, MkfsZeroesTheAreaAndWritesItsHeader) {
  FakeDevice dev(kDevSize);
  std::memset(dev.bytes() + omf::kSuperblockSize, 0x5A, omf::kSuperblockRegion - omf::kSuperblockSize);
  FormatOptions o;
  o.system_uuid = uuid_of(3);
  auto sb = format_device(dev, o);
  ASSERT_TRUE(sb) << sb.error().message();
  for (uint64_t off = omf::kSuperblockSize; off < omf::kSuperblockRegion; ++off)
    if (off < omf::kHostAreaOffset || off >= omf::kHostAreaOffset + omf::kHostHeaderSize) {
      ASSERT_EQ(dev.bytes()[off], 0) << off;
    }
  auto view = read_host_area(dev, sb->record.fs_uuid, true);
  ASSERT_TRUE(view);
  EXPECT_TRUE(view->header) << view->header_problem;
  EXPECT_TRUE(view->master.empty);
  EXPECT_TRUE(view->hosts.empty());
  EXPECT_TRUE(view->bad_slots.empty());
}

TEST(SlotClaim, FirstClaimTakesTheProbeStart) {
  FakeDevice dev(kDevSize);
  ASSERT_TRUE(init_host_area(dev, uuid_of(1)));
  auto mine = slot_for(uuid_of(5), 10);
  auto slot = claim_host_slot(dev, mine, quick_rules());
  ASSERT_TRUE(slot) << slot.error().message();
  EXPECT_EQ(*slot, omf::slot_probe(uuid_of(5)).start);
  auto r = read_host_slot(dev, *slot);
  ASSERT_TRUE(r && r->record);
  EXPECT_EQ(r->record->host, mine.host);
}

TEST(SlotClaim, ARestartOfTheSameHostKeepsItsSlot) {
  FakeDevice dev(kDevSize);
  ASSERT_TRUE(init_host_area(dev, uuid_of(1)));
  auto rules = quick_rules();
  auto first = claim_host_slot(dev, slot_for(uuid_of(5), 10), rules);
  ASSERT_TRUE(first);
  rules.pid_alive = [](uint32_t pid) { return pid != 10; };  // the old process is gone
  auto second = claim_host_slot(dev, slot_for(uuid_of(5), 11), rules);
  ASSERT_TRUE(second);
  EXPECT_EQ(*first, *second);
}

TEST(SlotClaim, ASecondLiveProcessOfTheSameHostGetsAnotherSlot) {
  FakeDevice dev(kDevSize);
  ASSERT_TRUE(init_host_area(dev, uuid_of(1)));
  auto rules = quick_rules();  // every pid alive
  auto first = claim_host_slot(dev, slot_for(uuid_of(5), 10), rules);
  auto second = claim_host_slot(dev, slot_for(uuid_of(5), 11), rules);
  ASSERT_TRUE(first && second);
  EXPECT_NE(*first, *second);
  EXPECT_EQ(*second, omf::slot_probe(uuid_of(5)).at(1));
}

TEST(SlotClaim, AnotherHostWithTheSameUuidNeverTakesALiveSlot) {
  FakeDevice dev(kDevSize);
  ASSERT_TRUE(init_host_area(dev, uuid_of(1)));
  auto rules = quick_rules();
  auto first = claim_host_slot(dev, slot_for(uuid_of(5), 10, "node-a"), rules);
  rules.pid_alive = [](uint32_t) { return false; };  // pids of another host mean nothing here
  auto clone = claim_host_slot(dev, slot_for(uuid_of(5), 10, "node-b"), rules);
  ASSERT_TRUE(first && clone);
  EXPECT_NE(*first, *clone);
}

TEST(SlotClaim, AStaleSlotOfThisHostIsReused) {
  FakeDevice dev(kDevSize);
  ASSERT_TRUE(init_host_area(dev, uuid_of(1)));
  auto rules = quick_rules();
  auto old = slot_for(uuid_of(5), 10);
  old.beat_time_us = 1'000'000'000 - stale_after_us(1000) - 1;
  ASSERT_TRUE(write_host_slot(dev, 77, old));
  auto slot = claim_host_slot(dev, slot_for(uuid_of(5), 11), rules);  // pid 10 "alive" (reused pid)
  ASSERT_TRUE(slot);
  EXPECT_EQ(*slot, 77u);
}

TEST(SlotClaim, LosesASlotAnotherHostWroteDuringTheWaitAndLeavesItAlone) {
  FakeDevice dev(kDevSize);
  ASSERT_TRUE(init_host_area(dev, uuid_of(1)));
  auto [a, b] = colliding_uuids();
  const uint32_t start = omf::slot_probe(a).start;
  ASSERT_EQ(start, omf::slot_probe(b).start);
  auto theirs = slot_for(b, 20, "node-b");
  auto rules = quick_rules();
  rules.settle_us = 1;
  bool raced = false;
  // B's claim lands while A waits: B read the slot empty just before A wrote.
  rules.sleep_us = [&](uint64_t) {
    if (!raced) {
      ASSERT_TRUE(write_host_slot(dev, start, theirs));
    }
    raced = true;
  };
  auto slot = claim_host_slot(dev, slot_for(a, 10, "node-a"), rules);
  ASSERT_TRUE(slot);
  EXPECT_NE(*slot, start);
  EXPECT_EQ(*slot, omf::slot_probe(a).at(1));
  auto r = read_host_slot(dev, start);
  ASSERT_TRUE(r && r->record);
  EXPECT_EQ(r->record->host, theirs.host);
}

TEST(SlotClaim, NeverOverwritesAnUnreadableSlot) {
  FakeDevice dev(kDevSize);
  ASSERT_TRUE(init_host_area(dev, uuid_of(1)));
  const uint32_t start = omf::slot_probe(uuid_of(5)).start;
  dev.bytes()[omf::host_slot_offset(start) + 100] = 1;  // torn or foreign bytes
  auto slot = claim_host_slot(dev, slot_for(uuid_of(5), 10), quick_rules());
  ASSERT_TRUE(slot);
  EXPECT_NE(*slot, start);
  EXPECT_EQ(dev.bytes()[omf::host_slot_offset(start) + 100], 1);
}

TEST(SlotClaim, TwoHostsJoiningAtTheSameInstantEndInDifferentSlots) {
  auto [a, b] = colliding_uuids();
  for (int round = 0; round < 10; ++round) {
    FakeDevice fake(kDevSize);
    ASSERT_TRUE(init_host_area(fake, uuid_of(1)));
    SharedDevice dev(fake);
    ClaimRules rules = quick_rules();
    rules.settle_us = 20'000;
    rules.sleep_us = [](uint64_t us) { std::this_thread::sleep_for(std::chrono::microseconds(us)); };
    std::barrier start(2);
    Result<uint32_t> got[2] = {Error(Errc::busy, "not run"), Error(Errc::busy, "not run")};
    auto join = [&](int k, Uuid u) {
      start.arrive_and_wait();
      got[k] = claim_host_slot(dev, slot_for(u, 10 + k, k ? "node-b" : "node-a"), rules);
    };
    std::thread t0(join, 0, a), t1(join, 1, b);
    t0.join();
    t1.join();
    ASSERT_TRUE(got[0] && got[1]);
    EXPECT_NE(*got[0], *got[1]) << "round " << round;
    auto view = read_host_area(dev, uuid_of(1), true);
    ASSERT_TRUE(view);
    EXPECT_EQ(view->hosts.size(), 2u);
  }
}

TEST(SlotClaim, FullTableIsNoSpace) {
  FakeDevice dev(kDevSize);
  ASSERT_TRUE(init_host_area(dev, uuid_of(1)));
  for (uint32_t i = 0; i < omf::kHostSlotCount; ++i)
    ASSERT_TRUE(write_host_slot(dev, i, slot_for(uuid_of(1000 + i), 1)));
  auto slot = claim_host_slot(dev, slot_for(uuid_of(5), 10), quick_rules());
  ASSERT_FALSE(slot);
  EXPECT_EQ(slot.error().code(), Errc::no_space);
}

TEST(MasterClaim, KeptWhenNobodyElseWrites) {
  FakeDevice dev(kDevSize);
  ASSERT_TRUE(init_host_area(dev, uuid_of(1)));
  omf::MasterRecord m;
  m.host = slot_for(uuid_of(5), 10).host;
  m.interval_ms = 1000;
  auto kept = claim_master_record(dev, m, quick_rules());
  ASSERT_TRUE(kept);
  EXPECT_TRUE(*kept);
  auto r = read_master_record(dev);
  ASSERT_TRUE(r && r->record);
  EXPECT_TRUE(same_process(r->record->host, m.host));
}

TEST(MasterClaim, LostWhenAnotherClaimerWritesDuringTheWait) {
  FakeDevice dev(kDevSize);
  ASSERT_TRUE(init_host_area(dev, uuid_of(1)));
  omf::MasterRecord mine, theirs;
  mine.host = slot_for(uuid_of(5), 10, "node-a").host;
  theirs.host = slot_for(uuid_of(5), 20, "node-b").host;
  mine.interval_ms = theirs.interval_ms = 1000;
  auto rules = quick_rules();
  rules.sleep_us = [&](uint64_t) { ASSERT_TRUE(write_master_record(dev, theirs)); };
  auto kept = claim_master_record(dev, mine, rules);
  ASSERT_TRUE(kept);
  EXPECT_FALSE(*kept);
}

TEST(HostAreaReport, NotesStaleAndConflictingEntriesOnly) {
  FakeDevice dev(kDevSize);
  omf::SuperblockRecord sb;
  sb.fs_uuid = uuid_of(1);
  sb.system_uuid = uuid_of(5);
  ASSERT_TRUE(init_host_area(dev, sb.fs_uuid));
  const uint64_t now = 1'000'000'000;
  auto fresh = slot_for(uuid_of(6), 10);
  fresh.beat_time_us = now;
  ASSERT_TRUE(write_host_slot(dev, 1, fresh));
  auto view = read_host_area(dev, sb.fs_uuid, true);
  ASSERT_TRUE(view);
  EXPECT_TRUE(host_area_notes(*view, sb, now).empty());

  auto stale = slot_for(uuid_of(7), 11);
  stale.beat_time_us = now - 10'000'000;
  ASSERT_TRUE(write_host_slot(dev, 2, stale));
  ASSERT_TRUE(write_host_slot(dev, 3, fresh));  // the same host twice
  omf::MasterRecord m;
  m.host = slot_for(uuid_of(8), 12).host;  // not the superblock's master
  m.interval_ms = 1000;
  m.beat_time_us = now;
  ASSERT_TRUE(write_master_record(dev, m));
  view = read_host_area(dev, sb.fs_uuid, true);
  ASSERT_TRUE(view);
  std::set<std::string> kinds;
  for (const auto& n : host_area_notes(*view, sb, now)) kinds.insert(n.kind);
  EXPECT_EQ(kinds, (std::set<std::string>{"stale_host", "duplicate_host", "foreign_master"}));
  auto j = host_area_json(*view, sb, now);
  EXPECT_EQ(j["hosts"].size(), 3u);
  EXPECT_EQ(j["master"]["system_uuid"], uuid_of(8).to_string());
}

}  // namespace
}  // namespace famfs

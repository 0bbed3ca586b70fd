// Deletion (docs/delete.md): the DELETE entry's codec, replay of DELETE,
// the allocator's pending release, and randomized sequences checked
// against a model and against a second host's replay.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <map>
#include <random>
#include <set>

#include "engine/format.h"
#include "engine/host_registry.h"
#include "engine/path_index.h"
#include "engine/volume.h"
#include "fake_device.h"
#include "omf/bytes.h"
#include "omf/crc.h"
#include "omf/host_area.h"
#include "omf/layout.h"

namespace famfs {
namespace {

using testing::FakeDevice;
constexpr uint64_t kMiB = 1ULL << 20;

FileRequest file(std::string path, uint64_t size = 2 * kMiB) {
  FileRequest r;
  r.path = std::move(path);
  r.size = size;
  return r;
}
DirRequest dir(std::string path) {
  DirRequest r;
  r.path = std::move(path);
  return r;
}

class DeleteTest : public ::testing::Test {
 protected:
  void SetUp() override { format(true); }
  void format(bool enable) {
    FormatOptions o;
    o.system_uuid = master_;
    o.dev_name = "fake0";
    o.force = true;
    o.enable_delete = enable;
    ASSERT_TRUE(format_device(dev_, o));
  }
  std::unique_ptr<Volume> open_as(const Uuid& who) {
    auto v = Volume::open(dev_, who);
    EXPECT_TRUE(v) << v.error().message();
    return std::move(v.value());
  }
  // Removes PATH on V (asserting success); returns the nodes removed.
  std::vector<RemovedNode> rm(Volume& v, const std::string& path, bool recursive = false) {
    auto plan = v.removal_plan(path, recursive);
    EXPECT_TRUE(plan) << plan.error().message();
    if (!plan) return {};
    auto r = v.remove_nodes(*plan);
    EXPECT_TRUE(r) << r.error().message();
    return r ? *r : std::vector<RemovedNode>{};
  }
  // Writes ENTRY at the log's next slot and commits it (a writer that does
  // not check anything: what a buggy or hostile master could log).
  void raw_append(const omf::LogEntry& entry) {
    uint8_t* base = dev_.bytes();
    uint64_t next = omf::load_u64(base + omf::kLogOffset + 40);
    omf::LogEntry e = entry;
    e.seqnum = next;
    std::array<uint8_t, omf::kLogEntrySize> slot;
    omf::encode_entry(e, slot);
    std::memcpy(base + omf::entry_offset(next), slot.data(), slot.size());
    omf::store_u64(base + omf::kLogOffset + 32, next + 1);
    omf::store_u64(base + omf::kLogOffset + 40, next + 1);
  }
  static std::vector<ProblemKind> kinds(const Volume& v) {
    std::vector<ProblemKind> out;
    for (const Problem& p : v.problems()) out.push_back(p.kind);
    return out;
  }

  FakeDevice dev_{1ULL << 30};
  Uuid master_ = Uuid::random();
  Uuid other_ = Uuid::random();
};

// ---- codec ----

using Slot = std::array<uint8_t, omf::kLogEntrySize>;

Slot encoded_delete(uint64_t index, const omf::DeleteEntry& x) {
  Slot s;
  omf::encode_entry(omf::LogEntry{index, x}, s);
  return s;
}
void reseal(Slot& s) { omf::store_u64(s.data() + 536, omf::crc32_of(s.data(), 536)); }
std::string decode_problem(const Slot& s, uint64_t index) {
  auto d = omf::decode_entry(omf::ConstEntryBytes(s.data(), omf::kLogEntrySize), index);
  if (!std::holds_alternative<Problem>(d)) return "";
  return std::get<Problem>(d).message;
}

TEST(DeleteCodec, TheBytesAreWhereDocsDeleteMdSaysAndBadOnesAreNamed) {
  omf::DeleteEntry x{3, false, 5 * kMiB, "d/f", {}};
  x.map.extents = {{0, 20 * kMiB, 4 * kMiB}, {0, 40 * kMiB, 2 * kMiB}};
  Slot s = encoded_delete(9, x);
  EXPECT_EQ(omf::load_u32(s.data() + 8), omf::kEntryDelete);
  EXPECT_EQ(omf::load_u64(s.data() + 16), 3u);        // target index
  EXPECT_EQ(omf::load_u32(s.data() + 24), 0u);        // kind: file
  EXPECT_EQ(omf::load_u64(s.data() + 32), 5 * kMiB);  // size
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(s.data() + 40)), "d/f");
  EXPECT_EQ(omf::load_u32(s.data() + 120), 0u);  // map type simple
  EXPECT_EQ(omf::load_u32(s.data() + 128), 2u);  // extent count
  EXPECT_EQ(omf::load_u64(s.data() + 136 + 8), 20 * kMiB);
  EXPECT_EQ(decode_problem(s, 9), "");

  Slot kind = s;
  omf::store_u32(kind.data() + 24, 7);
  reseal(kind);
  EXPECT_NE(decode_problem(kind, 9).find("kind 7"), std::string::npos);
  Slot reserved = s;
  reserved[29] = 1;
  reseal(reserved);
  EXPECT_NE(decode_problem(reserved, 9).find("reserved"), std::string::npos);
  // A DELETE can only name an earlier entry.
  EXPECT_NE(decode_problem(encoded_delete(3, x), 3).find("not an earlier one"), std::string::npos);
  Slot dir = encoded_delete(9, omf::DeleteEntry{3, true, 0, "d", {}});
  EXPECT_EQ(decode_problem(dir, 9), "");
  omf::store_u32(dir.data() + 128, 1);
  reseal(dir);
  EXPECT_NE(decode_problem(dir, 9).find("carries a map"), std::string::npos);
}

TEST(DeleteCodec, HostAreaFeatureAndReleasedIndexRoundTrip) {
  Uuid fs = Uuid::random();
  std::array<uint8_t, omf::kHostHeaderSize> h;
  omf::encode_host_header(omf::new_host_header(fs, omf::kFeatureDelete), h);
  EXPECT_EQ(omf::load_u64(h.data() + 0x30), omf::kFeatureDelete);
  auto ok = omf::validate_host_header(h, fs);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->features, omf::kFeatureDelete);
  omf::store_u64(h.data() + 0x30, 6);  // a bit this build does not know
  omf::store_u64(h.data() + 0x38, omf::crc32_of(h.data(), 0x38));
  auto unknown = omf::validate_host_header(h, fs);
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message().find("features"), std::string::npos);

  omf::HostSlot slot;
  slot.host.system_uuid = Uuid::random();
  slot.interval_ms = 1000;
  slot.applied = 812;
  slot.released = 790;
  std::array<uint8_t, omf::kHostSlotSize> raw;
  omf::encode_host_slot(slot, raw);
  EXPECT_EQ(omf::load_u64(raw.data() + 0x98), 790u);
  auto back = omf::validate_host_slot(raw);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->released, 790u);
}

TEST(PathIndexErase, MatchesAMapUnderRandomInsertsAndErases) {
  PathIndex idx;
  std::map<uint32_t, uint64_t> model;  // id -> hash
  std::mt19937_64 rng(7);
  std::vector<uint64_t> hashes;
  for (uint32_t id = 0; id < 3000; ++id) hashes.push_back(rng() & 0xFF0000FFull);  // many collisions
  auto path_of = [](uint32_t id) { return std::to_string(id); };
  for (int step = 0; step < 20000; ++step) {
    uint32_t id = static_cast<uint32_t>(rng() % hashes.size());
    std::string p = path_of(id);
    bool present = model.count(id) != 0;
    EXPECT_EQ(idx.find(p, hashes[id], [&](uint32_t i) { return path_of(i); }) != PathIndex::kNone, present);
    if (present) {
      idx.erase(hashes[id], id);
      model.erase(id);
    } else {
      idx.insert(hashes[id], id);
      model[id] = hashes[id];
    }
  }
  for (uint32_t id = 0; id < hashes.size(); ++id)
    EXPECT_EQ(idx.find(path_of(id), hashes[id], [&](uint32_t i) { return path_of(i); }) != PathIndex::kNone,
              model.count(id) != 0);
}

// ---- volume: create, remove, reuse ----

TEST_F(DeleteTest, RemovalIsRefusedWithTheReasonWithoutEnableDelete) {
  format(false);
  auto v = open_as(master_);
  ASSERT_TRUE(v->create_file(file("f")));
  EXPECT_FALSE(v->delete_enabled());
  auto plan = v->removal_plan("f", false);
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().code(), Errc::unsupported);
  EXPECT_NE(plan.error().message().find("--enable-delete"), std::string::npos);
  EXPECT_NE(plan.error().message().find("reference"), std::string::npos);
  EXPECT_FALSE(v->remove_nodes({*v->state().names().find_id("f")}));
  EXPECT_NE(v->state().names().find("f"), nullptr);
}

TEST_F(DeleteTest, ARemovedFilesSpaceIsHeldUntilReleasedThenReused) {
  auto v = open_as(master_);
  ASSERT_TRUE(v->delete_enabled());
  auto a = v->create_file(file("a", 4 * kMiB));
  ASSERT_TRUE(a);
  const omf::FileMap a_map = v->state().names().node(*a).map;
  const uint64_t free_before = v->state().allocator().free_bytes();
  auto removed = rm(*v, "a");
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].path, "a");
  EXPECT_EQ(v->state().names().find("a"), nullptr);
  EXPECT_EQ(v->state().names().file_count(), 0u);
  EXPECT_EQ(v->state().allocator().pending_bytes(), 4 * kMiB);
  EXPECT_EQ(v->state().allocator().free_bytes(), free_before);  // not free yet
  // A new file of the same size gets other memory while the old is pending.
  auto b = v->create_file(file("b", 4 * kMiB));
  ASSERT_TRUE(b);
  EXPECT_NE(v->state().names().node(*b).map, a_map);
  EXPECT_EQ(v->state().allocator().conflicts(a_map), 0u);
  // Released below the DELETE's index: nothing happens.
  EXPECT_EQ(v->release_before(removed[0].delete_index), 0u);
  EXPECT_EQ(v->release_before(removed[0].delete_index + 1), 4 * kMiB);
  EXPECT_EQ(v->release_before(removed[0].delete_index + 1), 0u);  // never freed twice
  EXPECT_EQ(v->state().allocator().pending_bytes(), 0u);
  auto c = v->create_file(file("a", 4 * kMiB));  // the path is free again too
  ASSERT_TRUE(c);
  EXPECT_EQ(v->state().names().node(*c).map, a_map);  // first fit: the released space

  // Another host replays all of it to the same state, with no problem.
  auto client = open_as(other_);
  EXPECT_TRUE(client->problems().empty()) << client->problems()[0].message;
  EXPECT_EQ(client->state().names().node(*client->state().names().find_id("a")).map, a_map);
  EXPECT_EQ(client->state().allocator().pending_bytes(), 0u);  // the reuse took the pending units
  EXPECT_EQ(client->state().allocator().bitmap().count_set(), v->state().allocator().bitmap().count_set());
}

TEST_F(DeleteTest, DirectoriesMustBeEmptyUnlessRecursiveAndGoChildrenFirst) {
  auto v = open_as(master_);
  ASSERT_TRUE(v->make_directory(dir("d")));
  ASSERT_TRUE(v->make_directory(dir("d/e")));
  ASSERT_TRUE(v->create_file(file("d/e/f")));
  ASSERT_TRUE(v->create_file(file("d/g")));
  auto refused = v->removal_plan("d", false);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), Errc::not_empty);
  EXPECT_EQ(v->removal_plan("", true).error().code(), Errc::invalid_argument);
  EXPECT_EQ(v->removal_plan(".meta", true).error().code(), Errc::invalid_argument);
  EXPECT_EQ(v->removal_plan("nope", true).error().code(), Errc::not_found);
  auto removed = rm(*v, "d", true);
  std::vector<std::string> order;
  for (const auto& r : removed) order.push_back(r.path);
  EXPECT_EQ(order, (std::vector<std::string>{"d/e/f", "d/e", "d/g", "d"}));
  EXPECT_EQ(v->state().names().node_count(), 1u);  // .meta
  EXPECT_EQ(v->state().names().directory_count(), 0u);
  EXPECT_EQ(v->state().allocator().pending_bytes(), 4 * kMiB);
  auto client = open_as(other_);
  EXPECT_TRUE(client->problems().empty());
  EXPECT_EQ(client->state().names().node_count(), 1u);
  auto gone = client->take_removed_nodes();
  EXPECT_EQ(gone.size(), 4u);
  ASSERT_TRUE(v->make_directory(dir("d")));  // the name can be used again
}

TEST_F(DeleteTest, ABadDeleteIsReportedAndNeverFreesSpace) {
  auto v = open_as(master_);
  ASSERT_TRUE(v->make_directory(dir("d")));        // 0
  auto f = v->create_file(file("d/f", 2 * kMiB));  // 1
  ASSERT_TRUE(f);
  auto g = v->create_file(file("g", 2 * kMiB));  // 2
  ASSERT_TRUE(g);
  const omf::FileMap f_map = v->state().names().node(*f).map;
  const omf::FileMap g_map = v->state().names().node(*g).map;
  raw_append({0, omf::DeleteEntry{1, false, 2 * kMiB, "nope", f_map}});  // 3: no such path
  raw_append({0, omf::DeleteEntry{1, false, 2 * kMiB, "d/f", g_map}});   // 4: another map
  raw_append({0, omf::DeleteEntry{2, false, 2 * kMiB, "d/f", f_map}});   // 5: another creating entry
  raw_append({0, omf::DeleteEntry{0, true, 0, "d", {}}});                // 6: not empty
  raw_append({0, omf::DeleteEntry{1, true, 0, "d/f", {}}});              // 7: a file, named a directory
  raw_append({0, omf::DeleteEntry{1, false, 2 * kMiB, "d/f", f_map}});   // 8: good
  raw_append({0, omf::DeleteEntry{1, false, 2 * kMiB, "d/f", f_map}});   // 9: twice
  auto client = open_as(other_);
  EXPECT_EQ(kinds(*client), std::vector<ProblemKind>(6, ProblemKind::bad_delete));
  std::vector<uint64_t> at;
  for (const Problem& p : client->problems()) at.push_back(p.index);
  EXPECT_EQ(at, (std::vector<uint64_t>{3, 4, 5, 6, 7, 9}));
  EXPECT_NE(client->problems()[1].message.find("map differs"), std::string::npos);
  EXPECT_NE(client->problems()[2].message.find("created by entry 1"), std::string::npos);
  EXPECT_EQ(client->state().names().find("d/f"), nullptr);
  EXPECT_NE(client->state().names().find("g"), nullptr);
  EXPECT_EQ(client->state().allocator().pending_bytes(), 2 * kMiB);  // once
  EXPECT_EQ(client->state().allocator().pending().size(), 1u);
}

TEST_F(DeleteTest, ADeleteIsUnsupportedOnAFileSystemWithoutTheFeature) {
  format(false);
  auto v = open_as(master_);
  auto f = v->create_file(file("f"));
  ASSERT_TRUE(f);
  raw_append({0, omf::DeleteEntry{0, false, 2 * kMiB, "f", v->state().names().node(*f).map}});
  auto client = open_as(other_);
  EXPECT_EQ(kinds(*client), (std::vector<ProblemKind>{ProblemKind::unsupported_entry}));
  EXPECT_NE(client->state().names().find("f"), nullptr);
  EXPECT_EQ(client->state().allocator().pending_bytes(), 0u);
}

// A host area header that does not validate (damage, or an area a tool
// zeroed) must not make a host ignore DELETE entries: it would keep
// showing a removed file over memory the master may hand out again.
TEST_F(DeleteTest, WithADamagedHostAreaHeaderADeleteInTheLogTurnsDeletionOn) {
  auto v = open_as(master_);
  ASSERT_TRUE(v->create_file(file("f")));
  ASSERT_TRUE(v->create_file(file("g")));
  ASSERT_EQ(rm(*v, "f").size(), 1u);
  dev_.bytes()[omf::kHostAreaOffset + 8] ^= 0xff;  // the header's CRC no longer matches
  auto client = open_as(other_);
  EXPECT_TRUE(kinds(*client).empty());
  EXPECT_TRUE(client->delete_enabled());
  EXPECT_EQ(client->state().delete_inferred_at(), 2u);
  EXPECT_EQ(client->state().names().find("f"), nullptr);
  EXPECT_EQ(client->state().allocator().pending_bytes(), 2 * kMiB);
  // The master that re-initializes the area keeps the feature.
  v->note_host_area_features(0);
  EXPECT_TRUE(v->delete_enabled());
}

TEST_F(DeleteTest, WithADamagedHeaderAndNoDeleteYetRemovalIsRefusedNotGuessed) {
  auto v = open_as(master_);
  ASSERT_TRUE(v->create_file(file("f")));
  std::memset(dev_.bytes() + omf::kHostAreaOffset, 0, omf::kHostHeaderSize);
  auto w = open_as(master_);
  EXPECT_FALSE(w->delete_enabled());
  auto plan = w->removal_plan("f", false);
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().code(), Errc::unsupported);
  EXPECT_NE(plan.error().message().find("does not validate"), std::string::npos) << plan.error().message();
  // A re-initialized header without the bit makes it the usual refusal.
  w->note_host_area_features(0);
  plan = w->removal_plan("f", false);
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().message().find("--enable-delete"), std::string::npos) << plan.error().message();
  // With the bit, removal works.
  w->note_host_area_features(omf::kFeatureDelete);
  EXPECT_TRUE(w->removal_plan("f", false));
}

// ---- the allocator alone ----

TEST(AllocatorPending, NeverHandsOutHeldUnitsAndFreesOnlyWhatIsStillHeld) {
  omf::Geometry geo;
  geo.device_size = 64 * kMiB;
  geo.log_offset = omf::kLogOffset;
  geo.log_len = 8 * kMiB;
  geo.alloc_unit = 2 * kMiB;
  Allocator a(geo);
  auto m = a.allocate(6 * kMiB, std::nullopt);
  ASSERT_TRUE(m);
  EXPECT_EQ(a.unholdable(*m), 0u);
  a.hold(*m, 5, "f");
  EXPECT_NE(a.unholdable(*m), 0u);  // held already
  // Fill the device: no allocation may touch the held units.
  std::vector<omf::FileMap> others;
  for (;;) {
    auto o = a.allocate(2 * kMiB, std::nullopt);
    if (!o) break;
    others.push_back(*o);
  }
  omf::FileMap held = *m;
  for (const auto& o : others) {
    Allocator probe(geo);
    probe.claim(held);
    EXPECT_EQ(probe.conflicts(o), 0u);
  }
  EXPECT_EQ(a.free_bytes(), 0u);
  // A replayed file over part of the held units takes them over (reuse the
  // master decided), so only the rest is freed later.
  omf::FileMap part;
  part.extents = {{0, m->extents[0].offset, 2 * kMiB}};
  EXPECT_EQ(a.claim(part), 0u);
  EXPECT_EQ(a.pending_bytes(), 4 * kMiB);
  EXPECT_EQ(a.release_before(5), 0u);
  EXPECT_EQ(a.release_before(6), 4 * kMiB);
  EXPECT_EQ(a.free_bytes(), 4 * kMiB);
  EXPECT_EQ(a.claim(part), 1u);  // still in use by the new file: a cross-link now
}

// ---- randomized: master operations against a model, and a client's replay ----

TEST_F(DeleteTest, RandomCreateRemoveReleaseMatchesTheModelAndTheClientsReplay) {
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    format(true);
    auto v = open_as(master_);
    std::mt19937_64 rng(seed);
    std::map<std::string, omf::FileMap> files;  // the model: live files
    std::set<std::string> dirs{""};
    std::vector<std::pair<uint64_t, omf::FileMap>> held;  // (delete index, map)
    for (int step = 0; step < 300 && v->log_entries() + 8 < v->log_capacity(); ++step) {
      uint64_t op = rng() % 10;
      if (op < 4) {
        std::string parent = *std::next(dirs.begin(), rng() % dirs.size());
        std::string path = (parent.empty() ? "" : parent + "/") + "f" + std::to_string(step);
        auto id = v->create_file(file(path, (1 + rng() % 6) * kMiB), false);
        if (!id) {
          EXPECT_EQ(id.error().code(), Errc::no_space) << id.error().message();
          continue;
        }
        const omf::FileMap& map = v->state().names().node(*id).map;
        for (const auto& [idx, h] : held) {  // never over held space
          Allocator probe(v->geometry());
          probe.claim(h);
          EXPECT_EQ(probe.conflicts(map), 0u) << "seed " << seed << " step " << step;
        }
        files[path] = map;
      } else if (op < 5) {
        std::string parent = *std::next(dirs.begin(), rng() % dirs.size());
        std::string path = (parent.empty() ? "" : parent + "/") + "d" + std::to_string(step);
        ASSERT_TRUE(v->make_directory(dir(path)));
        dirs.insert(path);
      } else if (op < 8 && !files.empty()) {
        auto it = std::next(files.begin(), rng() % files.size());
        auto removed = rm(*v, it->first);
        ASSERT_EQ(removed.size(), 1u);
        held.emplace_back(removed[0].delete_index, it->second);
        files.erase(it);
      } else if (op < 9 && dirs.size() > 1) {
        std::string d = *std::next(dirs.begin(), 1 + rng() % (dirs.size() - 1));
        auto removed = rm(*v, d, true);
        for (const RemovedNode& r : removed) {
          if (r.is_dir) {
            dirs.erase(r.path);
          } else {
            held.emplace_back(r.delete_index, files.at(r.path));
            files.erase(r.path);
          }
        }
      } else {
        uint64_t point = v->log_entries() - rng() % 4;
        uint64_t expect = 0;
        std::vector<std::pair<uint64_t, omf::FileMap>> keep;
        for (auto& [idx, h] : held) {
          if (idx < point)
            expect += h.mapped_bytes();
          else
            keep.emplace_back(idx, h);
        }
        EXPECT_EQ(v->release_before(point), expect);
        held = std::move(keep);
      }
    }
    uint64_t held_bytes = 0;
    for (const auto& [idx, h] : held) held_bytes += h.mapped_bytes();
    EXPECT_EQ(v->state().allocator().pending_bytes(), held_bytes);
    size_t nfiles = 0;
    v->state().names().for_each([&](const Node& n) {
      if (n.is_dir) return;
      ++nfiles;
      ASSERT_TRUE(files.count(n.path)) << n.path;
      EXPECT_EQ(files.at(n.path), n.map);
    });
    EXPECT_EQ(nfiles, files.size());
    // A client replays the same log to the same namespace and the same used units.
    auto client = open_as(other_);
    EXPECT_TRUE(client->problems().empty()) << "seed " << seed << ": " << client->problems()[0].message;
    EXPECT_EQ(client->state().names().file_count(), files.size());
    for (const auto& [path, map] : files) {
      const Node* n = client->state().names().find(path);
      ASSERT_NE(n, nullptr) << path;
      EXPECT_EQ(n->map, map);
    }
    // The client does not release on its own: what the master freed and
    // reused is taken over by the later FILE entries; the rest stays held.
    EXPECT_GE(client->state().allocator().pending_bytes(), held_bytes);
    EXPECT_EQ(client->state().allocator().bitmap().count_set() * v->geometry().alloc_unit -
                  client->state().allocator().pending_bytes(),
              v->state().allocator().allocated_bytes() - v->state().allocator().pending_bytes());
  }
}

}  // namespace
}  // namespace famfs

// Volume, replay and the append protocol on a fake device.
#include "engine/volume.h"

#include <gtest/gtest.h>

#include <array>
#include <cstring>

#include "tools/check_report.h"
#include "engine/format.h"
#include "fake_device.h"
#include "volume_fixture.h"
#include "golden.h"
#include "omf/bytes.h"
#include "omf/crc.h"
#include "omf/log_entry.h"

namespace famfs {
namespace {

using testing::FakeDevice;
constexpr uint64_t kMiB = 1ULL << 20, kGiB = 1ULL << 30;

FileRequest req(std::string path, uint64_t size, uint32_t mode = 0644) {
  FileRequest r;
  r.path = std::move(path);
  r.size = size;
  r.mode = mode;
  return r;
}
DirRequest dir(std::string path) {
  DirRequest r;
  r.path = std::move(path);
  return r;
}

class VolumeTest : public testing::FormattedDevice {
 protected:
  // Writes ENTRY into the next slot and commits it, bypassing every check,
  // as a buggy or hostile host could.
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
  static omf::FileEntry file_at(std::string path, uint64_t offset, uint64_t len = 2 * kMiB) {
    omf::FileEntry f;
    f.path = std::move(path);
    f.size = len;
    f.map.extents = {{0, offset, len}};
    return f;
  }
  static std::vector<ProblemKind> kinds(const Volume& v) {
    std::vector<ProblemKind> out;
    for (const Problem& p : v.problems()) out.push_back(p.kind);
    return out;
  }
};

TEST_F(VolumeTest, FreshFormatOpensEmptyAsMaster) {
  auto v = open_as(master_);
  EXPECT_EQ(v->role(), Role::master);
  EXPECT_FALSE(v->fatal());
  EXPECT_TRUE(v->problems().empty());
  EXPECT_EQ(v->log_entries(), 0u);
  EXPECT_EQ(v->log_capacity(), 15420u);
  EXPECT_EQ(v->state().allocator().allocated_bytes(), 10 * kMiB);
  EXPECT_EQ(v->superblock().record.dev_name, "fake0");
  EXPECT_EQ(open_as(other_)->role(), Role::client);
}

TEST_F(VolumeTest, FormatRefusesAnExistingFileSystemWithoutForce) {
  FormatOptions o;
  o.system_uuid = master_;
  auto again = format_device(dev_, o);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), Errc::exists);
  EXPECT_NE(again.error().message().find("this host"), std::string::npos);
  o.system_uuid = other_;
  auto foreign = format_device(dev_, o);
  EXPECT_NE(foreign.error().message().find("another host"), std::string::npos);
  o.force = true;
  auto forced = format_device(dev_, o);
  ASSERT_TRUE(forced);
  EXPECT_EQ(forced->record.system_uuid, other_);
}

TEST_F(VolumeTest, FormatRejectsBadLogSizeAndSmallDevices) {
  FormatOptions o;
  o.force = true;
  o.log_len = 12 * kMiB;
  EXPECT_EQ(format_device(dev_, o).error().code(), Errc::invalid_argument);
  o.log_len = 4 * kMiB;
  EXPECT_EQ(format_device(dev_, o).error().code(), Errc::invalid_argument);
  FakeDevice tiny(12 * kMiB - 1);
  o.log_len = 8 * kMiB;
  EXPECT_EQ(format_device(tiny, o).error().code(), Errc::invalid_argument);
  FakeDevice just(12 * kMiB);
  EXPECT_TRUE(format_device(just, o));
}

TEST_F(VolumeTest, KillMakesTheDeviceNotFamfs) {
  ASSERT_TRUE(kill_superblock(dev_));
  EXPECT_EQ(Volume::open(dev_, master_).error().code(), Errc::not_famfs);
  EXPECT_EQ(kill_superblock(dev_).error().code(), Errc::not_famfs);
}

TEST_F(VolumeTest, MasterCreatesAndClientSeesOnlyNewEntriesOnRefresh) {
  auto master = open_as(master_);
  auto client = open_as(other_);
  ASSERT_TRUE(master->make_directory({"d", 0750, 1, 2}));
  ASSERT_TRUE(master->create_file({"d/f", 5000, 0600, 3, 4, 2, std::nullopt}));
  auto stats = client->refresh();
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->entries, 2u);
  const Node* f = client->state().names().find("d/f");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->size, 5000u);
  EXPECT_EQ(f->mode, 0600u);
  EXPECT_EQ(f->map, master->state().names().find("d/f")->map);
  EXPECT_EQ(client->refresh()->entries, 0u);
  ASSERT_TRUE(master->create_file({"g", 1, 0644, 0, 0, 2, std::nullopt}));
  EXPECT_EQ(client->refresh()->entries, 1u);  // O(new entries)
  EXPECT_EQ(client->state().allocator().allocated_bytes(), master->state().allocator().allocated_bytes());
}

TEST_F(VolumeTest, ClientMutationsGetNotMaster) {
  auto client = open_as(other_);
  EXPECT_EQ(client->make_directory(dir("d")).error().code(), Errc::not_master);
  EXPECT_EQ(client->create_file(req("f", 1)).error().code(), Errc::not_master);
}

TEST_F(VolumeTest, AppendFlushesOnlyTheSlotAndTheHeaderCounters) {
  auto v = open_as(master_);
  dev_.clear_log();
  ASSERT_TRUE(v->make_directory(dir("d")));
  std::vector<FakeDevice::Range> want = {{omf::entry_offset(0), 544}, {omf::kLogOffset + 32, 16}};
  EXPECT_EQ(dev_.flushes, want);
  EXPECT_EQ(dev_.writes, want);
}

TEST_F(VolumeTest, NewAllocationsAreZeroedUnlessTheCallerOptsOut) {
  auto v = open_as(master_);
  std::memset(dev_.bytes() + 10 * kMiB, 0xAB, 4 * kMiB);  // stale bytes of an old file system
  ASSERT_TRUE(v->create_file(req("a", 100)));
  EXPECT_EQ(dev_.bytes()[10 * kMiB], 0);
  EXPECT_EQ(dev_.bytes()[12 * kMiB - 1], 0);
  ASSERT_TRUE(v->create_file(req("b", 100), /*zero=*/false));
  EXPECT_EQ(dev_.bytes()[12 * kMiB], 0xAB);
}

TEST_F(VolumeTest, InvalidRequestsChangeNothing) {
  auto v = open_as(master_);
  ASSERT_TRUE(v->make_directory(dir("d")));
  ASSERT_TRUE(v->create_file(req("f", 1)));
  uint64_t used = v->state().allocator().allocated_bytes();
  EXPECT_EQ(v->create_file(req("../x", 1)).error().code(), Errc::invalid_argument);
  EXPECT_EQ(v->create_file(req("/x", 1)).error().code(), Errc::invalid_argument);
  EXPECT_EQ(v->create_file(req(std::string(80, 'x'), 1)).error().code(), Errc::invalid_argument);
  EXPECT_EQ(v->create_file(req("d", 1)).error().code(), Errc::exists);
  EXPECT_EQ(v->create_file(req("nope/x", 1)).error().code(), Errc::not_found);
  EXPECT_EQ(v->create_file(req("f/x", 1)).error().code(), Errc::not_directory);
  EXPECT_EQ(v->create_file(req("z", 0)).error().code(), Errc::invalid_argument);
  EXPECT_EQ(v->create_file(req("z", 2 * kGiB)).error().code(), Errc::no_space);
  EXPECT_EQ(v->create_file(req("z", 1, 010644)).error().code(), Errc::invalid_argument);
  EXPECT_EQ(v->make_directory(dir("d")).error().code(), Errc::exists);
  EXPECT_EQ(v->log_entries(), 2u);
  EXPECT_EQ(v->state().allocator().allocated_bytes(), used);
}

TEST_F(VolumeTest, UncommittedFileLeavesNoTraceAfterReopen) {
  {
    auto v = open_as(master_);
    auto pending = v->prepare_file(req("big", 64 * kMiB), true);
    ASSERT_TRUE(pending);
    EXPECT_EQ(v->state().allocator().allocated_bytes(), 74 * kMiB);
    // The process "dies" here: no commit, no abandon.
  }
  auto v = open_as(master_);
  EXPECT_EQ(v->state().names().find("big"), nullptr);
  EXPECT_EQ(v->state().allocator().allocated_bytes(), 10 * kMiB);
  EXPECT_TRUE(v->problems().empty());
}

TEST_F(VolumeTest, AbandonedFileGivesItsSpaceBack) {
  auto v = open_as(master_);
  auto pending = v->prepare_file(req("x", 6 * kMiB), false);
  ASSERT_TRUE(pending);
  v->abandon_file(std::move(pending.value()));
  EXPECT_EQ(v->state().allocator().allocated_bytes(), 10 * kMiB);
  EXPECT_EQ(v->log_entries(), 0u);
}

TEST_F(VolumeTest, LogFullIsAnErrorWithNothingChanged) {
  auto v = open_as(master_);
  for (uint64_t i = 0; i < v->log_capacity(); ++i) ASSERT_TRUE(v->make_directory(dir("d" + std::to_string(i)))) << i;
  std::vector<uint8_t> before(dev_.bytes(), dev_.bytes() + 12 * kMiB);
  uint64_t used = v->state().allocator().allocated_bytes();
  EXPECT_EQ(v->make_directory(dir("more")).error().code(), Errc::log_full);
  EXPECT_EQ(v->create_file(req("more", 1)).error().code(), Errc::log_full);
  EXPECT_EQ(0, std::memcmp(before.data(), dev_.bytes(), before.size()));
  EXPECT_EQ(v->state().allocator().allocated_bytes(), used);
}

TEST(VolumeGolden, FullReferenceLogRefusesAppendsAndKeepsItsBytes) {
  auto dev = testing::load_golden_device("fulllog");
  auto owner = *Uuid::parse("31342096-62c6-4292-90b1-cb566cc73dd0");
  auto v = Volume::open(*dev, owner);
  ASSERT_TRUE(v);
  ASSERT_EQ((*v)->role(), Role::master);
  std::vector<uint8_t> before(dev->bytes(), dev->bytes() + 10 * kMiB);
  EXPECT_EQ((*v)->create_file(req("one_more", 1)).error().code(), Errc::log_full);
  EXPECT_EQ((*v)->make_directory(dir("one_more")).error().code(), Errc::log_full);
  EXPECT_EQ(0, std::memcmp(before.data(), dev->bytes(), before.size()));
}

TEST(VolumeGolden, MasterAppendsToAReferenceImage) {
  auto dev = testing::load_golden_device("basic");
  auto owner = *Uuid::parse("31342096-62c6-4292-90b1-cb566cc73dd0");
  auto v = std::move(Volume::open(*dev, owner).value());
  auto id = v->create_file(req("dirA/new", 3 * kMiB));
  ASSERT_TRUE(id) << id.error().message();
  // First fit after the reference's last file (0x1200000 + 2 MiB).
  EXPECT_EQ(v->state().names().node(*id).map.extents.front().offset, 0x1400000u);
  auto again = std::move(Volume::open(*dev, Uuid::random()).value());
  EXPECT_TRUE(again->problems().empty());
  EXPECT_EQ(again->state().names().file_count(), 5u);
}

TEST_F(VolumeTest, ReplayReportsOrphansDuplicatesAndCrosslinksAndGoesOn) {
  raw_append({0, omf::MkdirEntry{0, 0, 0755, "d"}});
  raw_append({0, file_at("missing/f", 20 * kMiB)});  // orphan
  raw_append({0, file_at("d/a", 30 * kMiB)});
  raw_append({0, file_at("d/a", 40 * kMiB)});              // duplicate
  raw_append({0, file_at("d/b", 30 * kMiB)});              // cross-link with d/a
  raw_append({0, file_at("d/c", 0)});                      // over the superblock
  raw_append({0, file_at("d/e", 2 * kGiB)});               // beyond the device
  raw_append({0, omf::MkdirEntry{0, 0, 0755, "d/a/x"}});   // parent is a file
  raw_append({0, omf::DeleteEntry{0, true, 0, "d", {}}});  // deletion not enabled
  raw_append({0, file_at("d/ok", 50 * kMiB)});             // still replayed
  auto v = open_as(other_);
  EXPECT_EQ(kinds(*v), (std::vector<ProblemKind>{ProblemKind::orphan, ProblemKind::duplicate, ProblemKind::crosslink,
                                                 ProblemKind::out_of_range, ProblemKind::out_of_range,
                                                 ProblemKind::orphan, ProblemKind::unsupported_entry}));
  EXPECT_EQ(v->problems()[0].index, 1u);
  EXPECT_NE(v->state().names().find("d/ok"), nullptr);
  EXPECT_EQ(v->state().names().find("missing/f"), nullptr);
  EXPECT_EQ(v->state().names().find("d/b"), nullptr);
  EXPECT_EQ(v->state().names().file_count(), 2u);
  EXPECT_EQ(v->state().crosslinks(), 1u);
  // Space named by rejected entries is not handed out again.
  auto& alloc = const_cast<Allocator&>(v->state().allocator());
  for (int i = 0; i < 20; ++i) {
    auto m = alloc.allocate(2 * kMiB, std::nullopt);
    ASSERT_TRUE(m);
    for (uint64_t off : {20 * kMiB, 30 * kMiB, 40 * kMiB, 50 * kMiB}) EXPECT_NE(m->extents.front().offset, off);
  }
}

TEST_F(VolumeTest, MetaIsPresentInEveryFileSystemWithoutALogEntry) {
  auto v = open_as(other_);
  const Node* meta = v->state().names().find(".meta");
  ASSERT_NE(meta, nullptr);
  EXPECT_TRUE(meta->is_dir);
  EXPECT_EQ(meta->mode, 0700u);
  EXPECT_EQ(meta->uid, 0u);
  EXPECT_EQ(meta->log_index, UINT64_MAX);
  EXPECT_TRUE(Namespace::implicit(*meta));
  EXPECT_EQ(v->state().names().node(kRootNode).children, (std::vector<NodeId>{kMetaNode}));
  EXPECT_EQ(v->state().names().directory_count(), 0u);
  EXPECT_EQ(v->state().names().node_count(), 1u);
}

TEST_F(VolumeTest, ReferenceMetaFilesReplayWithoutAMkdirOfMeta) {
  // The reference logs .meta/.alloc.cfg but never a MKDIR for .meta: its
  // mount creates that directory on every host.
  raw_append({0, file_at(".meta/.alloc.cfg", 20 * kMiB)});
  raw_append({0, omf::MkdirEntry{0, 0, 0755, ".meta/sub"}});
  raw_append({0, file_at(".meta/sub/f", 30 * kMiB)});
  raw_append({0, file_at("elsewhere/f", 40 * kMiB)});  // still an orphan
  raw_append({0, file_at(".meta", 50 * kMiB)});        // .meta is a directory
  auto v = open_as(other_);
  EXPECT_EQ(kinds(*v), (std::vector<ProblemKind>{ProblemKind::orphan, ProblemKind::duplicate}));
  EXPECT_EQ(v->problems()[0].index, 3u);
  EXPECT_EQ(v->problems()[1].index, 4u);
  const Node* meta = v->state().names().find(".meta");
  ASSERT_NE(meta, nullptr);
  EXPECT_TRUE(meta->is_dir);
  EXPECT_EQ(meta->mode, 0700u);
  const Node* cfg = v->state().names().find(".meta/.alloc.cfg");
  ASSERT_NE(cfg, nullptr);
  EXPECT_EQ(cfg->map.extents.front().offset, 20 * kMiB);
  EXPECT_EQ(cfg->parent, kMetaNode);
  EXPECT_NE(v->state().names().find(".meta/sub/f"), nullptr);
  // fsck counts logged directories only, as the reference's fsck does.
  EXPECT_EQ(v->state().names().directory_count(), 1u);
  EXPECT_EQ(v->state().names().file_count(), 2u);
  EXPECT_EQ(v->state().names().node_count(), 4u);
  EXPECT_EQ(v->state().names().node(kRootNode).children.size(), 1u);
  auto report = check_report_json(*v);
  for (const auto& d : report["dirs"]) EXPECT_NE(d["path"], ".meta");
  EXPECT_EQ(report["dirs"].size(), 1u);
}

TEST_F(VolumeTest, MasterCreatesInMetaButNeverLogsMetaItself) {
  auto master = open_as(master_);
  EXPECT_EQ(master->make_directory(dir(".meta")).error().code(), Errc::exists);
  EXPECT_EQ(master->create_file(req(".meta", 1)).error().code(), Errc::exists);
  ASSERT_TRUE(master->create_file(req(".meta/.alloc.cfg", 100)));
  auto client = open_as(other_);
  EXPECT_TRUE(client->problems().empty());
  ASSERT_NE(client->state().names().find(".meta/.alloc.cfg"), nullptr);
  EXPECT_EQ(client->state().names().find(".meta/.alloc.cfg")->size, 100u);
  EXPECT_EQ(master->log_entries(), 1u);
}

TEST_F(VolumeTest, LoggedMkdirOfMetaGivesItItsOwnerAndMode) {
  // Written by an older famfsd that let a caller create ".meta".
  raw_append({0, omf::MkdirEntry{1, 2, 0750, ".meta"}});
  raw_append({0, file_at(".meta/x", 20 * kMiB)});
  raw_append({0, omf::MkdirEntry{0, 0, 0755, ".meta"}});  // a second one is a duplicate
  auto v = open_as(other_);
  EXPECT_EQ(kinds(*v), (std::vector<ProblemKind>{ProblemKind::duplicate}));
  const Node* meta = v->state().names().find(".meta");
  EXPECT_EQ(meta->mode, 0750u);
  EXPECT_EQ(meta->uid, 1u);
  EXPECT_EQ(meta->log_index, 0u);
  EXPECT_FALSE(Namespace::implicit(*meta));
  EXPECT_EQ(v->state().names().directory_count(), 1u);
  EXPECT_EQ(v->state().names().node_count(), 2u);
}

TEST_F(VolumeTest, EntryFailingCrcIsReadAgainAfterInvalidation) {
  raw_append({0, omf::MkdirEntry{0, 0, 0755, "d"}});
  uint8_t* slot = dev_.bytes() + omf::entry_offset(0);
  std::array<uint8_t, 544> good;
  std::memcpy(good.data(), slot, 544);
  slot[100] ^= 0xff;  // what a stale cache line would show
  dev_.on_invalidate = [&](uint64_t off, uint64_t len) {
    if (off <= omf::entry_offset(0) && omf::entry_offset(0) < off + len) std::memcpy(slot, good.data(), 544);
  };
  auto v = open_as(other_);
  EXPECT_TRUE(v->problems().empty());
  EXPECT_NE(v->state().names().find("d"), nullptr);
}

TEST_F(VolumeTest, PersistentlyBadEntryIsReportedAndSkipped) {
  raw_append({0, omf::MkdirEntry{0, 0, 0755, "d"}});
  raw_append({0, omf::MkdirEntry{0, 0, 0755, "e"}});
  dev_.bytes()[omf::entry_offset(0) + 30] ^= 1;
  auto v = open_as(other_);
  ASSERT_EQ(kinds(*v), std::vector<ProblemKind>{ProblemKind::bad_crc});
  EXPECT_EQ(v->problems()[0].index, 0u);
  EXPECT_NE(v->state().names().find("e"), nullptr);
  EXPECT_EQ(v->state().bad_entries(), 1u);
  EXPECT_EQ(check_figures(*v).problems, 1u);
}

TEST_F(VolumeTest, NextIndexBeyondTheLogIsBoundedAndReported) {
  omf::store_u64(dev_.bytes() + omf::kLogOffset + 40, 1ULL << 62);
  auto v = open_as(other_);
  EXPECT_FALSE(v->fatal());
  EXPECT_EQ(v->log_entries(), 15420u);
  EXPECT_EQ(v->problems().front().kind, ProblemKind::log_header);
  EXPECT_EQ(v->state().bad_entries(), 15420u);  // zeroed slots fail their CRC
}

TEST_F(VolumeTest, MasterRefusesToAppendToAnInconsistentHeader) {
  auto v = open_as(master_);
  omf::store_u64(dev_.bytes() + omf::kLogOffset + 32, 7);  // next_seqnum != next_index
  EXPECT_EQ(v->make_directory(dir("d")).error().code(), Errc::corrupt);
}

TEST_F(VolumeTest, MemoryErrorDuringReplayLeavesAFailedButOpenVolume) {
  raw_append({0, omf::MkdirEntry{0, 0, 0755, "d"}});
  dev_.poison(omf::entry_offset(0), 1);
  auto v = Volume::open(dev_, other_);
  ASSERT_TRUE(v);
  ASSERT_TRUE((*v)->fatal());
  EXPECT_EQ((*v)->fatal()->code(), Errc::memory_error);
  EXPECT_EQ(check_figures(**v).problems, 1u);
}

TEST_F(VolumeTest, CorruptLogHeaderLeavesAFailedButOpenVolume) {
  dev_.bytes()[omf::kLogOffset + 8] ^= 1;
  auto v = Volume::open(dev_, master_);
  ASSERT_TRUE(v);
  ASSERT_TRUE((*v)->fatal());
  EXPECT_EQ((*v)->fatal()->code(), Errc::corrupt);
  EXPECT_EQ((*v)->make_directory(dir("d")).error().code(), Errc::corrupt);
}

TEST_F(VolumeTest, ReformattedLogUnderAClientIsDetected) {
  auto master = open_as(master_);
  ASSERT_TRUE(master->make_directory(dir("d")));
  auto client = open_as(other_);
  omf::store_u64(dev_.bytes() + omf::kLogOffset + 40, 0);
  EXPECT_EQ(client->refresh().error().code(), Errc::corrupt);
}

TEST_F(VolumeTest, NonUtf8PathsFromTheLogAreListedAndReportedAsJson) {
  raw_append({0, omf::MkdirEntry{0, 0, 0755, "caf\xe9"}});  // Latin-1, not UTF-8
  auto v = open_as(other_);
  EXPECT_TRUE(v->problems().empty());
  std::string out = dump_json(check_report_json(*v));
  EXPECT_NE(out.find("caf\xef\xbf\xbd"), std::string::npos);  // U+FFFD
}

TEST_F(VolumeTest, SuperblockClaimingMoreThanTheDeviceIsBoundedAndReported) {
  omf::store_u64(dev_.bytes() + 0x70, 64 * kGiB);  // dev_size: outside the CRC
  raw_append({0, file_at("far", 2 * kGiB)});
  auto v = open_as(other_);
  EXPECT_EQ(v->geometry().device_size, kGiB);
  EXPECT_EQ(kinds(*v), (std::vector<ProblemKind>{ProblemKind::device_size, ProblemKind::out_of_range}));
}

}  // namespace
}  // namespace famfs

// The reference implementation's images decode exactly to what their JSON says.
#include <gtest/gtest.h>

#include <array>

#include "tools/check_report.h"
#include "engine/volume.h"
#include "golden.h"
#include "omf/bytes.h"
#include "omf/log_entry.h"
#include "omf/superblock.h"

namespace famfs {
namespace {

using nlohmann::json;
using testing::load_golden_device;
using testing::load_golden_json;

class GoldenImage : public ::testing::TestWithParam<const char*> {};

TEST_P(GoldenImage, DecodesToItsJson) {
  const std::string name = GetParam();
  json meta = load_golden_json(name);
  const json& want = meta["expect"];
  auto dev = load_golden_device(name);
  auto vol = Volume::open(*dev, Uuid::random());
  ASSERT_TRUE(vol) << vol.error().message();
  const Volume& v = **vol;
  EXPECT_EQ(v.role(), Role::client);
  EXPECT_FALSE(v.fatal());
  EXPECT_TRUE(v.problems().empty()) << v.problems().front().message;

  const omf::SuperblockRecord& sb = v.superblock().record;
  const json& wsb = want["superblock"];
  EXPECT_EQ(sb.magic, wsb["magic"]);
  EXPECT_EQ(sb.version, wsb["version"]);
  EXPECT_EQ(sb.log_offset, wsb["log_offset"]);
  EXPECT_EQ(sb.log_len, wsb["log_len"]);
  EXPECT_EQ(sb.alloc_unit, wsb["alloc_unit"]);
  EXPECT_EQ(sb.omf_major, wsb["omf_major"]);
  EXPECT_EQ(sb.omf_minor, wsb["omf_minor"]);
  EXPECT_EQ(sb.fs_uuid.to_string(), wsb["fs_uuid"]);
  EXPECT_EQ(sb.dev_uuid.to_string(), wsb["dev_uuid"]);
  EXPECT_EQ(sb.system_uuid.to_string(), wsb["system_uuid"]);
  EXPECT_EQ(sb.crc, wsb["crc"]);
  EXPECT_EQ(sb.dev_size, wsb["dd_size"]);
  EXPECT_EQ(sb.dev_name, wsb["dd_daxdev"]);

  const omf::LogHeaderRecord& h = v.log_header().record;
  const json& wlog = want["log"];
  EXPECT_EQ(h.magic, wlog["magic"]);
  EXPECT_EQ(h.log_len, wlog["log_len"]);
  EXPECT_EQ(h.last_index, wlog["last_index"]);
  EXPECT_EQ(h.crc, wlog["crc"]);
  EXPECT_EQ(h.next_seqnum, wlog["next_seqnum"]);
  EXPECT_EQ(h.next_index, wlog["next_index"]);

  json report = check_report_json(v);
  ASSERT_EQ(report["dirs"].size(), want["dirs"].size());
  for (size_t i = 0; i < want["dirs"].size(); ++i) EXPECT_EQ(report["dirs"][i], want["dirs"][i]) << "dir " << i;
  ASSERT_EQ(report["files"].size(), want["files"].size());
  for (size_t i = 0; i < want["files"].size(); ++i) {
    json w = want["files"][i];
    json got = report["files"][i];
    // The golden JSON names the map "fmap", carries niext (always 1) and
    // calls an extent's length "len" (famfs tools write "length").
    json wmap = w["fmap"];
    wmap.erase("niext");
    for (const char* list : {"extents", "strips"})
      if (wmap.contains(list))
        for (json& x : wmap[list]) {
          x["length"] = x["len"];
          x.erase("len");
        }
    w.erase("fmap");
    json gmap = got["map"];
    got.erase("map");
    EXPECT_EQ(got, w) << "file " << i;
    EXPECT_EQ(gmap, wmap) << "map of file " << i << " " << w["path"];
  }

  const json& fsck = want["fsck"];
  CheckFigures f = check_figures(v);
  EXPECT_EQ(f.files, fsck["files"]);
  EXPECT_EQ(f.dirs, fsck["dirs"]);
  EXPECT_EQ(f.entries_used, fsck["entries_used"]);
  EXPECT_EQ(f.bad_entries, fsck["bad_entries"]);
  EXPECT_EQ(f.crosslinks, fsck["crosslinks"]);
  EXPECT_EQ(f.allocated, fsck["allocated_bytes"]);
  EXPECT_EQ(f.free, fsck["free_bytes"]);
  EXPECT_EQ(f.sum_of_file_sizes, fsck["sum_of_file_sizes"]);
  EXPECT_EQ(f.device_size, fsck["device_capacity"]);
  EXPECT_EQ(f.problems, 0u);
}

TEST_P(GoldenImage, EveryRecordReencodesByteForByte) {
  auto dev = load_golden_device(GetParam());
  const uint8_t* base = dev->bytes();
  std::array<uint8_t, omf::kSuperblockSize> sb;
  auto rec = omf::decode_superblock(std::span<const uint8_t, omf::kSuperblockSize>(base, omf::kSuperblockSize));
  omf::encode_superblock(rec, sb);
  EXPECT_EQ(0, memcmp(sb.data(), base, sb.size())) << "superblock";

  uint64_t next = omf::load_u64(base + omf::kLogOffset + 40);
  std::array<uint8_t, omf::kLogEntrySize> slot;
  for (uint64_t i = 0; i < next; ++i) {
    const uint8_t* raw = base + omf::entry_offset(i);
    auto decoded = omf::decode_entry(omf::ConstEntryBytes(raw, omf::kLogEntrySize), i);
    ASSERT_TRUE(std::holds_alternative<omf::LogEntry>(decoded)) << "entry " << i;
    omf::encode_entry(std::get<omf::LogEntry>(decoded), slot);
    ASSERT_EQ(0, memcmp(slot.data(), raw, slot.size())) << "entry " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Reference, GoldenImage, ::testing::Values("basic", "interleaved", "biglog", "fulllog"));

}  // namespace
}  // namespace famfs

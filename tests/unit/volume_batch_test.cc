// Volume batches (volume_batch.cc): many entries, one append sequence, one
// header commit; per-item failures leave no trace.
#include <gtest/gtest.h>

#include <cstring>

#include "engine/format.h"
#include "engine/volume.h"
#include "fake_device.h"
#include "volume_fixture.h"
#include "omf/bytes.h"
#include "omf/layout.h"

namespace famfs {
namespace {

using testing::FakeDevice;
constexpr uint64_t kMiB = 1ULL << 20, kGiB = 1ULL << 30;

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

class VolumeBatchTest : public testing::FormattedDevice {
 protected:
  uint64_t header_next_index() { return omf::load_u64(dev_.bytes() + omf::kLogOffset + omf::kNextIndexOffset); }
};

TEST_F(VolumeBatchTest, BatchFlushesTheSlotsAsOneRangeAndTheHeaderOnce) {
  auto v = open_as(master_);
  dev_.clear_log();
  ASSERT_TRUE(v->begin_batch());
  ASSERT_TRUE(v->batch_directory(dir("d")));
  ASSERT_TRUE(v->batch_file(file("d/a"), false));
  ASSERT_TRUE(v->batch_file(file("d/b"), false));
  auto n = v->end_batch();
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 3u);
  std::vector<FakeDevice::Range> want = {{omf::entry_offset(0), 3 * omf::kLogEntrySize}, {omf::kLogOffset + 32, 16}};
  EXPECT_EQ(dev_.flushes, want);
  EXPECT_EQ(header_next_index(), 3u);
  EXPECT_EQ(v->log_entries(), 3u);
}

TEST_F(VolumeBatchTest, OtherHostsSeeNothingBeforeTheCommitAndEverythingAfter) {
  auto v = open_as(master_);
  auto client = open_as(other_);
  ASSERT_TRUE(v->begin_batch());
  ASSERT_TRUE(v->batch_directory(dir("d")));
  ASSERT_TRUE(v->batch_file(file("d/f", 5000), true));
  EXPECT_NE(v->state().names().find("d/f"), nullptr);  // this host sees it at once
  EXPECT_EQ(header_next_index(), 0u);
  EXPECT_EQ(client->refresh()->entries, 0u);
  ASSERT_TRUE(v->end_batch());
  EXPECT_EQ(client->refresh()->entries, 2u);
  const Node* f = client->state().names().find("d/f");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->size, 5000u);
  EXPECT_EQ(f->map, v->state().names().find("d/f")->map);
  EXPECT_TRUE(client->problems().empty());
}

TEST_F(VolumeBatchTest, FailedItemsTakeNoSlotAndNoSpaceAndLaterItemsGoOn) {
  auto v = open_as(master_);
  const uint64_t used = v->state().allocator().allocated_bytes();
  ASSERT_TRUE(v->begin_batch());
  ASSERT_TRUE(v->batch_file(file("a"), false));
  EXPECT_EQ(v->batch_file(file("a"), false).error().code(), Errc::exists);  // the same path twice
  EXPECT_EQ(v->batch_file(file("../x"), false).error().code(), Errc::invalid_argument);
  EXPECT_EQ(v->batch_file(file("nope/x"), false).error().code(), Errc::not_found);
  EXPECT_EQ(v->batch_file(file("a/x"), false).error().code(), Errc::not_directory);
  EXPECT_EQ(v->batch_file(file("big", 2 * kGiB), false).error().code(), Errc::no_space);
  EXPECT_EQ(v->batch_directory(dir("a")).error().code(), Errc::exists);
  EXPECT_EQ(v->batch_directory(dir(".meta")).error().code(), Errc::exists);
  DirRequest bad = dir("m");
  bad.mode = 010755;
  EXPECT_EQ(v->batch_directory(bad).error().code(), Errc::invalid_argument);
  ASSERT_TRUE(v->batch_file(file("b"), false));
  ASSERT_EQ(*v->end_batch(), 2u);
  EXPECT_EQ(v->state().allocator().allocated_bytes(), used + 4 * kMiB);
  auto again = open_as(other_);  // the log holds exactly the two
  EXPECT_EQ(again->log_entries(), 2u);
  EXPECT_NE(again->state().names().find("b"), nullptr);
  EXPECT_EQ(again->state().names().find("b")->log_index, 1u);
  EXPECT_TRUE(again->problems().empty());
}

TEST_F(VolumeBatchTest, ItemsBeyondTheLogGetLogFullAndTheRestIsCommitted) {
  auto v = open_as(master_);
  const uint64_t cap = v->log_capacity();
  ASSERT_TRUE(v->begin_batch());
  for (uint64_t i = 0; i < cap; ++i) ASSERT_TRUE(v->batch_directory(dir("d" + std::to_string(i)))) << i;
  EXPECT_EQ(v->batch_directory(dir("more")).error().code(), Errc::log_full);
  EXPECT_EQ(v->batch_file(file("more"), false).error().code(), Errc::log_full);
  ASSERT_EQ(*v->end_batch(), cap);
  EXPECT_EQ(header_next_index(), cap);
  EXPECT_EQ(v->begin_batch().error().code(), Errc::log_full);
}

TEST_F(VolumeBatchTest, ClientCannotBeginABatch) {
  auto client = open_as(other_);
  EXPECT_EQ(client->begin_batch().error().code(), Errc::not_master);
  EXPECT_EQ(client->batch_file(file("x"), false).error().code(), Errc::invalid_argument);  // no batch
}

TEST_F(VolumeBatchTest, BatchRefusesWhenAnotherWriterAppended) {
  auto v = open_as(master_);
  auto other = open_as(master_);  // a second writer with the same UUID
  ASSERT_TRUE(other->make_directory(dir("x")));
  // begin_batch catches up first (as every append does): the entry is replayed, not overwritten.
  ASSERT_TRUE(v->begin_batch());
  EXPECT_EQ(v->batch_directory(dir("x")).error().code(), Errc::exists);
  ASSERT_TRUE(v->batch_directory(dir("y")));
  ASSERT_EQ(*v->end_batch(), 1u);
  EXPECT_EQ(header_next_index(), 2u);
}

TEST_F(VolumeBatchTest, MemoryErrorOnASlotRefusesTheRestAndCommitsWhatCameBefore) {
  auto v = open_as(master_);
  ASSERT_TRUE(v->begin_batch());
  ASSERT_TRUE(v->batch_directory(dir("a")));
  dev_.poison(omf::entry_offset(1), omf::kLogEntrySize);
  EXPECT_EQ(v->batch_directory(dir("b")).error().code(), Errc::memory_error);
  EXPECT_EQ(v->batch_directory(dir("c")).error().code(), Errc::memory_error);
  ASSERT_EQ(*v->end_batch(), 1u);
  EXPECT_EQ(header_next_index(), 1u);
  EXPECT_TRUE(v->fatal());  // the volume stops writing until it is opened again
}

TEST_F(VolumeBatchTest, ZeroesEachFileUnlessTheCallerOptsOut) {
  auto v = open_as(master_);
  std::memset(dev_.bytes() + 10 * kMiB, 0xAB, 4 * kMiB);
  ASSERT_TRUE(v->begin_batch());
  ASSERT_TRUE(v->batch_file(file("z", 100), true));
  ASSERT_TRUE(v->batch_file(file("n", 100), false));
  ASSERT_TRUE(v->end_batch());
  EXPECT_EQ(dev_.bytes()[10 * kMiB], 0);
  EXPECT_EQ(dev_.bytes()[12 * kMiB - 1], 0);
  EXPECT_EQ(dev_.bytes()[12 * kMiB], 0xAB);
}

}  // namespace
}  // namespace famfs

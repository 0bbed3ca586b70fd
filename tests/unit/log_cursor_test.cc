// LogCursor: incremental replay of a formatted device's log.
#include "engine/log_cursor.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "engine/format.h"
#include "engine/log_writer.h"
#include "fake_device.h"
#include "omf/log_header.h"

namespace famfs {
namespace {

using testing::FakeDevice;

class LogCursorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FormatOptions o;
    o.system_uuid = Uuid::random();
    auto sb = format_device(dev_, o);
    ASSERT_TRUE(sb) << sb.error().message();
    geo_ = sb->geometry;
  }
  // Appends a MKDIR of PATH as the master would (the writer keeps its own cursor).
  void mkdir(const std::string& path) {
    omf::LogEntry e{0, omf::MkdirEntry{0, 0, 0755, path}};
    Status s = append_entry(dev_, geo_, writer_, e);
    ASSERT_TRUE(s) << s.error().message();
    writer_.advance_to(e.seqnum + 1);
  }

  FakeDevice dev_{1ULL << 30};
  omf::Geometry geo_;
  LogCursor writer_;
};

TEST_F(LogCursorTest, EachReplayAppliesOnlyTheEntriesAppendedSinceTheLastOne) {
  ReplayedState state(geo_);
  LogCursor cursor;
  auto r = cursor.replay(dev_, state);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->entries, 0u);
  mkdir("a");
  mkdir("b");
  r = cursor.replay(dev_, state);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->entries, 2u);
  EXPECT_EQ(cursor.position(), 2u);
  EXPECT_EQ(r->header.next_index, 2u);
  r = cursor.replay(dev_, state);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->entries, 0u);
  mkdir("c");
  r = cursor.replay(dev_, state);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->entries, 1u);
  EXPECT_EQ(state.names().directory_count(), 3u);
}

TEST_F(LogCursorTest, EntryWithABadCrcIsReportedAndSkipped) {
  mkdir("a");
  mkdir("b");
  uint8_t byte = 0;
  ASSERT_TRUE(dev_.read(omf::entry_offset(0) + 40, &byte, 1));
  byte ^= 0xff;
  ASSERT_TRUE(dev_.write(omf::entry_offset(0) + 40, &byte, 1));
  ReplayedState state(geo_);
  LogCursor cursor;
  auto r = cursor.replay(dev_, state);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->entries, 2u);
  EXPECT_EQ(r->rejected, 1u);
  EXPECT_EQ(cursor.position(), 2u);
  EXPECT_EQ(state.names().find("a"), nullptr);
  EXPECT_NE(state.names().find("b"), nullptr);
  ASSERT_FALSE(state.problems().empty());
  EXPECT_EQ(state.problems()[0].index, 0u);
  EXPECT_EQ(state.bad_entries(), 1u);
}

TEST_F(LogCursorTest, NextIndexMovingBackwardsIsCorrupt) {
  mkdir("a");
  mkdir("b");
  ReplayedState state(geo_);
  LogCursor cursor;
  ASSERT_TRUE(cursor.replay(dev_, state));
  // As if the log had been reformatted under the cursor: a fresh header.
  std::array<uint8_t, omf::kLogHeaderSize> hdr{};
  omf::encode_log_header(omf::new_log_header(geo_.log_len), hdr);
  ASSERT_TRUE(dev_.write(geo_.log_offset, hdr.data(), hdr.size()));
  auto r = cursor.replay(dev_, state);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::corrupt);
  EXPECT_EQ(state.names().directory_count(), 2u);  // what was applied stays
}

TEST_F(LogCursorTest, MemoryErrorStopsReplayWithMemoryError) {
  mkdir("a");
  dev_.poison(omf::entry_offset(0), omf::kLogEntrySize);
  ReplayedState state(geo_);
  LogCursor cursor;
  auto r = cursor.replay(dev_, state);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::memory_error);
}

TEST_F(LogCursorTest, LogHeaderOfAFreshLogIsEmpty) {
  auto h = read_log_header(dev_, geo_);
  ASSERT_TRUE(h) << h.error().message();
  EXPECT_EQ(h->next_index, 0u);
  EXPECT_EQ(h->record.last_index, geo_.last_index());
  EXPECT_TRUE(h->warnings.empty());
}

}  // namespace
}  // namespace famfs

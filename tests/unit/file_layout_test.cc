#include "engine/file_layout.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

namespace famfs {
namespace {

constexpr uint64_t kMiB = 1ULL << 20;

std::vector<FileSegment> segments(const omf::FileMap& m, uint64_t b, uint64_t e) {
  std::vector<FileSegment> out;
  for_each_segment(m, b, e, [&](const FileSegment& s) {
    out.push_back(s);
    return true;
  });
  return out;
}

MATCHER_P3(Seg, f, d, l, "") {
  return arg.file_offset == static_cast<uint64_t>(f) && arg.device_offset == static_cast<uint64_t>(d) &&
         arg.len == static_cast<uint64_t>(l);
}

TEST(FileLayout, SimpleMapWalksExtentsInFileOrder) {
  omf::FileMap m;
  m.extents = {{0, 100 * kMiB, 4 * kMiB}, {0, 20 * kMiB, 2 * kMiB}};
  auto s = segments(m, 0, 6 * kMiB);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_THAT(s[0], Seg(0, 100 * kMiB, 4 * kMiB));
  EXPECT_THAT(s[1], Seg(4 * kMiB, 20 * kMiB, 2 * kMiB));
  s = segments(m, 3 * kMiB, 5 * kMiB);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_THAT(s[0], Seg(3 * kMiB, 103 * kMiB, kMiB));
  EXPECT_THAT(s[1], Seg(4 * kMiB, 20 * kMiB, kMiB));
}

TEST(FileLayout, RangeBeyondTheMapIsClipped) {
  omf::FileMap m;
  m.extents = {{0, 10 * kMiB, 2 * kMiB}};
  auto s = segments(m, kMiB, 100 * kMiB);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_THAT(s[0], Seg(kMiB, 11 * kMiB, kMiB));
  EXPECT_TRUE(segments(m, 3 * kMiB, 4 * kMiB).empty());
}

TEST(FileLayout, InterleavedChunksRotateOverStrips) {
  omf::FileMap m;
  m.type = omf::MapType::interleaved;
  m.chunk_size = 2 * kMiB;
  m.extents = {{0, 100 * kMiB, 4 * kMiB}, {0, 200 * kMiB, 4 * kMiB}, {0, 300 * kMiB, 4 * kMiB}};
  auto s = segments(m, 0, 12 * kMiB);
  ASSERT_EQ(s.size(), 6u);
  EXPECT_THAT(s[0], Seg(0, 100 * kMiB, 2 * kMiB));
  EXPECT_THAT(s[1], Seg(2 * kMiB, 200 * kMiB, 2 * kMiB));
  EXPECT_THAT(s[2], Seg(4 * kMiB, 300 * kMiB, 2 * kMiB));
  EXPECT_THAT(s[3], Seg(6 * kMiB, 102 * kMiB, 2 * kMiB));
  EXPECT_THAT(s[5], Seg(10 * kMiB, 302 * kMiB, 2 * kMiB));
  s = segments(m, 5 * kMiB, 7 * kMiB);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_THAT(s[0], Seg(5 * kMiB, 301 * kMiB, kMiB));
  EXPECT_THAT(s[1], Seg(6 * kMiB, 102 * kMiB, kMiB));
  EXPECT_EQ(segments(m, 0, 100 * kMiB).size(), 6u) << "clipped to what the strips hold";
}

TEST(FileLayout, StopsWhenTheCallbackSaysSo) {
  omf::FileMap m;
  m.extents = {{0, 10 * kMiB, 2 * kMiB}, {0, 20 * kMiB, 2 * kMiB}};
  int calls = 0;
  EXPECT_FALSE(for_each_segment(m, 0, 4 * kMiB, [&](const FileSegment&) { return ++calls < 1; }));
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace famfs

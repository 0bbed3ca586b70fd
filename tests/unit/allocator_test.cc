#include "engine/allocator.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace famfs {
namespace {

constexpr uint64_t kMiB = 1ULL << 20, kGiB = 1ULL << 30, kAu = 2 * kMiB;

omf::Geometry geo(uint64_t size) { return {size, omf::kLogOffset, omf::kDefaultLogLen, kAu}; }

TEST(AllocationBitmap, SetRangeReturnsBitsAlreadySetClipsAtTheEndAndSearchesAreFirstFit) {
  AllocationBitmap b(200);
  EXPECT_EQ(b.set_range(10, 100), 0u);
  EXPECT_EQ(b.count_set(), 100u);
  EXPECT_EQ(b.set_range(100, 20), 10u);  // 100..109 were set already
  EXPECT_EQ(b.count_set(), 110u);
  EXPECT_EQ(b.count_range(0, 200), 110u);
  EXPECT_EQ(b.next_set(0, 200), 10u);
  EXPECT_EQ(b.next_clear(10, 200), 120u);
  EXPECT_EQ(b.find_clear_run(10, 0, 200), 0u);
  EXPECT_EQ(b.find_clear_run(11, 0, 200), 120u);
  EXPECT_EQ(b.find_clear_run(81, 0, 200), AllocationBitmap::npos);
  b.clear_range(50, 10);
  EXPECT_EQ(b.count_set(), 100u);
  EXPECT_EQ(b.find_clear_run(10, 11, 200), 50u);
  EXPECT_EQ(b.set_range(190, 1000), 0u);  // clipped to the bitmap
  EXPECT_EQ(b.count_set(), 110u);
}

TEST(Allocator, MetadataUnitsStartInUse) {
  Allocator a(geo(kGiB));
  EXPECT_EQ(a.allocated_bytes(), 10 * kMiB);
  EXPECT_EQ(a.free_bytes(), kGiB - 10 * kMiB);
}

TEST(Allocator, FirstFitFromTheFirstDataUnit) {
  Allocator a(geo(kGiB));
  auto m1 = a.allocate(4096, std::nullopt);
  auto m2 = a.allocate(3 * kMiB, std::nullopt);
  ASSERT_TRUE(m1 && m2);
  EXPECT_EQ(m1->extents, (std::vector<omf::Extent>{{0, 10 * kMiB, kAu}}));
  EXPECT_EQ(m2->extents, (std::vector<omf::Extent>{{0, 12 * kMiB, 4 * kMiB}}));
  a.release(*m1);
  auto m3 = a.allocate(1, std::nullopt);
  EXPECT_EQ(m3->extents.front().offset, 10 * kMiB);  // the freed hole is reused
}

TEST(Allocator, RejectsZeroAndOversizedRequests) {
  Allocator a(geo(kGiB));
  EXPECT_EQ(a.allocate(0, std::nullopt).error().code(), Errc::invalid_argument);
  EXPECT_EQ(a.allocate(kGiB, std::nullopt).error().code(), Errc::no_space);
  EXPECT_EQ(a.allocate(UINT64_MAX, std::nullopt).error().code(), Errc::no_space);
  EXPECT_TRUE(a.allocate(kGiB - 10 * kMiB, std::nullopt));  // exactly the data area
  EXPECT_EQ(a.allocate(1, std::nullopt).error().code(), Errc::no_space);
}

TEST(Allocator, FallsBackToSeveralExtentsWhenNoRunFits) {
  Allocator a(geo(kGiB));
  std::vector<omf::FileMap> maps;
  for (int i = 0; i < 40; ++i) maps.push_back(*a.allocate(kAu, std::nullopt));
  for (int i = 0; i < 40; i += 2) a.release(maps[i]);           // 20 single-unit holes
  a.allocate(a.free_bytes() - 20 * kAu, std::nullopt).value();  // the tail is used
  auto m = a.allocate(5 * kAu, std::nullopt);
  ASSERT_TRUE(m) << m.error().message();
  ASSERT_EQ(m->extents.size(), 5u);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(m->extents[i].offset, 10 * kMiB + 2 * i * kAu);
  EXPECT_EQ(m->mapped_bytes(), 5 * kAu);
  // 15 single holes left: 16 extents cannot cover 16 units? they can't, only 15 exist.
  EXPECT_EQ(a.allocate(16 * kAu, std::nullopt).error().code(), Errc::no_space);
  auto rest = a.allocate(15 * kAu, std::nullopt);
  ASSERT_TRUE(rest);
  EXPECT_EQ(rest->extents.size(), 15u);
}

TEST(Allocator, TooFragmentedForSixteenExtentsIsNoSpace) {
  Allocator a(geo(kGiB));
  std::vector<omf::FileMap> maps;
  for (int i = 0; i < 60; ++i) maps.push_back(*a.allocate(kAu, std::nullopt));
  a.allocate(a.free_bytes(), std::nullopt).value();
  for (int i = 0; i < 60; i += 2) a.release(maps[i]);  // 30 one-unit holes
  auto m = a.allocate(17 * kAu, std::nullopt);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code(), Errc::no_space);
  EXPECT_NE(m.error().message().find("fragmented"), std::string::npos);
}

TEST(Allocator, FallbackPrefersLargestRunsWhenAddressOrderNeedsMoreThanSixteen) {
  Allocator a(geo(kGiB));
  std::vector<omf::FileMap> maps;
  for (int i = 0; i < 40; ++i) maps.push_back(*a.allocate(kAu, std::nullopt));
  auto big_hole = *a.allocate(8 * kAu, std::nullopt);
  a.allocate(a.free_bytes(), std::nullopt).value();
  for (int i = 0; i < 40; i += 2) a.release(maps[i]);  // 20 one-unit holes first
  a.release(big_hole);                                 // then one 8-unit hole
  auto m = a.allocate(23 * kAu, std::nullopt);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->extents.size(), 16u);
  EXPECT_EQ(m->mapped_bytes(), 23 * kAu);
  EXPECT_EQ(a.conflicts(*m), 16 * 1u + 7u);  // every unit is now in use (it conflicts with itself)
}

TEST(Allocator, InterleavedStripsLandInDistinctBuckets) {
  Allocator a(geo(8 * kGiB));
  auto m = a.allocate(100 * kMiB, InterleaveParams{4, 2 * kMiB, 8});
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->type, omf::MapType::interleaved);
  EXPECT_EQ(m->chunk_size, 2 * kMiB);
  ASSERT_EQ(m->extents.size(), 4u);
  uint64_t data = 8 * kGiB - 10 * kMiB, bucket = data / 8 / kAu * kAu;
  std::set<uint64_t> buckets;
  for (const auto& s : m->extents) {
    EXPECT_EQ(s.len, 26 * kMiB);  // ceil(100 MiB / 8 MiB) chunks of 2 MiB
    buckets.insert((s.offset - 10 * kMiB) / bucket);
  }
  EXPECT_EQ(buckets.size(), 4u);
  EXPECT_FALSE(omf::check_file_map(*m, 100 * kMiB, geo(8 * kGiB)));
  // Deterministic: the same state gives the same placement.
  Allocator b(geo(8 * kGiB));
  EXPECT_EQ(*b.allocate(100 * kMiB, InterleaveParams{4, 2 * kMiB, 8}), *m);
}

TEST(Allocator, InterleavedRequestNoLargerThanAChunkGetsASimpleMap) {
  Allocator a(geo(8 * kGiB));
  auto m = a.allocate(4096, InterleaveParams{4, 2 * kMiB, 8});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type, omf::MapType::simple);
}

TEST(Allocator, RejectsBadInterleaveParameters) {
  Allocator a(geo(8 * kGiB));
  EXPECT_EQ(a.allocate(64 * kMiB, InterleaveParams{0, kAu, 0}).error().code(), Errc::invalid_argument);
  EXPECT_EQ(a.allocate(64 * kMiB, InterleaveParams{17, kAu, 0}).error().code(), Errc::invalid_argument);
  EXPECT_EQ(a.allocate(64 * kMiB, InterleaveParams{2, 3 * kMiB, 0}).error().code(), Errc::invalid_argument);
  EXPECT_EQ(a.allocate(64 * kMiB, InterleaveParams{2, kMiB, 0}).error().code(), Errc::invalid_argument);
  EXPECT_EQ(a.allocate(64 * kMiB, InterleaveParams{4, kAu, 2}).error().code(), Errc::invalid_argument);
}

TEST(Allocator, InterleavedNoSpaceLeavesNothingAllocated) {
  Allocator a(geo(kGiB));
  a.allocate(600 * kMiB, std::nullopt).value();  // fills buckets 0 and 1 of 4
  uint64_t before = a.allocated_bytes();
  // 400 MiB fits the free space (414 MiB) but not in 4 distinct buckets.
  auto m = a.allocate(400 * kMiB, InterleaveParams{4, kAu, 4});
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code(), Errc::no_space);
  EXPECT_EQ(a.allocated_bytes(), before);
}

TEST(Allocator, ClaimReportsOverlapAndIgnoresSpaceOutsideTheDataArea) {
  Allocator a(geo(kGiB));
  omf::FileMap m{omf::MapType::simple, 0, {{0, 20 * kMiB, 4 * kMiB}}};
  EXPECT_EQ(a.conflicts(m), 0u);
  EXPECT_EQ(a.claim(m), 0u);
  omf::FileMap overlap{omf::MapType::simple, 0, {{0, 22 * kMiB, 4 * kMiB}}};
  EXPECT_EQ(a.conflicts(overlap), 1u);
  uint64_t used = a.allocated_bytes();
  omf::FileMap wild{omf::MapType::simple, 0, {{0, 0, 8 * kMiB}, {0, 2 * kGiB, kGiB}, {0, UINT64_MAX - 5, 100}}};
  EXPECT_EQ(a.claim(wild), 0u);
  EXPECT_EQ(a.allocated_bytes(), used);
  omf::FileMap straddle{omf::MapType::simple, 0, {{0, kGiB - kAu, 10 * kAu}}};
  a.claim(straddle);
  EXPECT_EQ(a.allocated_bytes(), used + kAu);  // only the in-range unit
}

// Randomized: allocate and free at random; no two live maps overlap, every
// extent is inside the data area, and the bitmap count matches the live maps.
TEST(Allocator, RandomizedAllocationsNeverOverlapOrLeaveTheDevice) {
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    std::mt19937_64 rng(seed);
    const uint64_t size = (1 + rng() % 4) * kGiB + (rng() % 7) * kAu;
    omf::Geometry g = geo(size);
    Allocator a(g);
    std::vector<omf::FileMap> live;
    uint64_t live_units = 0;
    for (int step = 0; step < 3000; ++step) {
      if (!live.empty() && rng() % 3 == 0) {
        size_t i = rng() % live.size();
        live_units -= live[i].mapped_bytes() / kAu;
        a.release(live[i]);
        live[i] = live.back();
        live.pop_back();
        continue;
      }
      uint64_t bytes = 1 + rng() % (rng() % 4 == 0 ? 200 * kMiB : 8 * kMiB);
      std::optional<InterleaveParams> ilv;
      if (rng() % 5 == 0) ilv = InterleaveParams{static_cast<uint32_t>(1 + rng() % 4), kAu << (rng() % 2), 4};
      auto m = a.allocate(bytes, ilv);
      if (!m) {
        ASSERT_EQ(m.error().code(), Errc::no_space) << m.error().message();
        continue;
      }
      ASSERT_FALSE(omf::check_file_map(*m, bytes, g)) << omf::check_file_map(*m, bytes, g)->message;
      ASSERT_LE(m->extents.size(), 16u);
      live_units += m->mapped_bytes() / kAu;
      live.push_back(std::move(m.value()));
    }
    // Replaying every live map into a fresh allocator finds no cross-link.
    Allocator check(g);
    for (const auto& m : live) ASSERT_EQ(check.claim(m), 0u) << "seed " << seed;
    EXPECT_EQ(check.allocated_bytes(), a.allocated_bytes());
    EXPECT_EQ(a.allocated_bytes(), (live_units + 5) * kAu);
  }
}

}  // namespace
}  // namespace famfs

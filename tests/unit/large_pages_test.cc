// util/large_pages: alignment, the small/huge split, and reuse of freed blocks.
#include "util/large_pages.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <new>

namespace famfs {
namespace {

uintptr_t addr(const void* p) { return reinterpret_cast<uintptr_t>(p); }

TEST(LargePages, SmallBlocksComeFromTheHeapOnACacheLine) {
  for (size_t bytes : {size_t{1}, size_t{4096}, kLargePage - 1}) {
    void* p = allocate_large(bytes);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(addr(p) % 64, 0u) << bytes;
    std::memset(p, 0xab, bytes);
    free_large(p, bytes);
  }
}

TEST(LargePages, LargeBlocksAreAlignedTo2MiBAndWholeWritable) {
  for (size_t bytes : {kLargePage, kLargePage + 1, 3 * kLargePage + 4096}) {
    auto* p = static_cast<uint8_t*>(allocate_large(bytes));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(addr(p) % kLargePage, 0u) << bytes;
    p[0] = 1;
    p[bytes - 1] = 2;
    std::memset(p, 0x5a, bytes);
    EXPECT_EQ(p[bytes / 2], 0x5a);
    free_large(p, bytes);
  }
}

TEST(LargePages, HugeFalseTakesTheHeapWhateverTheSize) {
  void* p = allocate_large(2 * kLargePage, /*huge=*/false);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(addr(p) % 64, 0u);
  std::memset(p, 1, 2 * kLargePage);
  free_large(p, 2 * kLargePage, /*huge=*/false);
}

TEST(LargePages, AFreedBlockIsGivenAgainForTheSameLength) {
  release_kept_large();  // other tests' freed tables may fill the keep
  const size_t bytes = 5 * kLargePage;
  void* first = allocate_large(bytes);
  free_large(first, bytes);
  // Another length does not take it ...
  void* other = allocate_large(2 * kLargePage);
  EXPECT_NE(other, first);
  // ... the same rounded length does.
  void* again = allocate_large(bytes - 100);
  EXPECT_EQ(again, first);
  free_large(again, bytes - 100);
  free_large(other, 2 * kLargePage);
}

TEST(LargePages, AtMost64MiBIsKeptAndReleaseUnmapsIt) {
  release_kept_large();
  EXPECT_EQ(kept_large_bytes(), 0u);
  const size_t big = 40 * kLargePage;  // 80 MiB: more than the keep holds
  free_large(allocate_large(big), big);
  EXPECT_EQ(kept_large_bytes(), 0u);
  void* a = allocate_large(16 * kLargePage);
  void* b = allocate_large(16 * kLargePage);
  void* c = allocate_large(kLargePage);
  free_large(a, 16 * kLargePage);
  free_large(b, 16 * kLargePage);
  EXPECT_EQ(kept_large_bytes(), 32 * kLargePage);
  free_large(c, kLargePage);  // the keep is full: unmapped
  EXPECT_EQ(kept_large_bytes(), 32 * kLargePage);
  void* again = allocate_large(16 * kLargePage);  // one comes back out
  EXPECT_TRUE(again == a || again == b);
  EXPECT_EQ(kept_large_bytes(), 16 * kLargePage);
  free_large(again, 16 * kLargePage);
  release_kept_large();
  EXPECT_EQ(kept_large_bytes(), 0u);
}

TEST(LargePages, ASizeThatWouldWrapWhenRoundedIsBadAlloc) {
  EXPECT_THROW(allocate_large(SIZE_MAX - 5), std::bad_alloc);
  EXPECT_THROW(allocate_large(SIZE_MAX / 2 + 1), std::bad_alloc);
}

TEST(LargePages, NullIsIgnoredOnFree) { free_large(nullptr, 3 * kLargePage); }

}  // namespace
}  // namespace famfs

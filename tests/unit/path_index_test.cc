// The namespace's storage and lookup parts: StableVector (nodes that never
// move) and PathIndex's hash (every byte of a path counts, any length).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "engine/namespace.h"
#include "engine/path_index.h"
#include "engine/stable_vector.h"

namespace famfs {
namespace {

struct Counted {
  static int live;
  int value;
  explicit Counted(int v) : value(v) { ++live; }
  ~Counted() { --live; }
};
int Counted::live = 0;

TEST(StableVector, ElementsKeepTheirAddressAcrossChunksAndAreDestroyed) {
  {
    StableVector<Counted, 16> v;
    std::vector<const Counted*> where;
    for (int i = 0; i < 100; ++i) where.push_back(&v.emplace_back(i));
    EXPECT_EQ(v.size(), 100u);
    EXPECT_EQ(Counted::live, 100);
    for (int i = 0; i < 100; ++i) {
      EXPECT_EQ(&v[i], where[i]) << i;  // growth moved nothing
      EXPECT_EQ(v[i].value, i);
    }
    EXPECT_EQ(v.back().value, 99);
  }
  EXPECT_EQ(Counted::live, 0);
}

TEST(StableVector, ChunksAfterTheFirstAre2MiBAlignedBlocks) {
  struct Wide {
    char bytes[128];
  };
  StableVector<Wide> v;  // default chunk: 2 MiB of elements
  constexpr size_t kPerChunk = kLargePage / sizeof(Wide);
  for (size_t i = 0; i < 3 * kPerChunk + 5; ++i) {
    Wide& w = v.emplace_back();
    std::memset(w.bytes, static_cast<int>(i & 0xff), sizeof w.bytes);
  }
  auto at = [&](size_t i) { return reinterpret_cast<uintptr_t>(&v[i]); };
  EXPECT_EQ(at(0) % 64, 0u);  // the first: heap memory on a cache line
  for (size_t c = 1; c <= 3; ++c) EXPECT_EQ(at(c * kPerChunk) % kLargePage, 0u) << "chunk " << c;
  for (size_t i = 0; i < v.size(); i += 4093) EXPECT_EQ(v[i].bytes[127], static_cast<char>(i & 0xff)) << i;
  // The chunk after the last element is not there yet.
  EXPECT_NE(v.slot_ahead(kPerChunk - 6), nullptr);
  EXPECT_EQ(v.slot_ahead(kPerChunk - 5), nullptr);
}

TEST(PathIndexHash, DependsOnEveryByteAtEveryLength) {
  // Lengths 0..40 cover the 1-3 byte, 4-7 byte and word paths with every tail.
  std::string base = "abcdefghijklmnopqrstuvwxyz0123456789ABCDE";
  std::vector<uint64_t> seen;
  for (size_t n = 0; n <= 40; ++n) {
    std::string s = base.substr(0, n);
    uint64_t h = PathIndex::hash(s);
    EXPECT_EQ(h, PathIndex::hash(std::string(s)));  // the bytes, not the buffer
    for (uint64_t other : seen) EXPECT_NE(h, other) << "length " << n;
    seen.push_back(h);
    for (size_t i = 0; i < n; ++i) {
      std::string t = s;
      t[i] ^= 0x20;
      EXPECT_NE(PathIndex::hash(t), h) << "byte " << i << " of a " << n << "-byte path";
    }
  }
}

TEST(PathIndexHash, NamespaceFindsPathsOfEveryLength) {
  Namespace ns;
  std::vector<std::string> paths;
  for (size_t n = 1; n <= 79; ++n) paths.push_back(std::string(n, static_cast<char>('a' + n % 26)));
  for (size_t i = 0; i < paths.size(); ++i) {
    omf::FileEntry f;
    f.path = paths[i];
    f.size = 1;
    ASSERT_TRUE(ns.add_file(std::move(f), i)) << paths[i];
  }
  for (size_t i = 0; i < paths.size(); ++i) {
    const Node* n = ns.find(paths[i]);
    ASSERT_NE(n, nullptr) << paths[i];
    EXPECT_EQ(n->path, paths[i]);
    EXPECT_EQ(n->log_index, i);
    EXPECT_EQ(ns.can_add(paths[i]).error().code(), Errc::exists);
  }
  EXPECT_EQ(ns.find(std::string(80, 'x')), nullptr);
}

TEST(PathIndex, InsertAtTheHoleFindGaveMatchesInsertAcrossGrowth) {
  // Ids 0..N-1 with paths p0..; every hash in few buckets so probes run
  // long, and far past the first table size so insert_at() also grows.
  std::vector<std::string> paths;
  for (int i = 0; i < 1000; ++i) paths.push_back("p" + std::to_string(i));
  auto path_of = [&](uint32_t id) -> std::string_view { return paths[id]; };
  auto h_of = [](uint32_t id) { return static_cast<uint64_t>(id % 7) * 0x9e3779b97f4a7c15ULL; };
  PathIndex a, b;
  for (uint32_t id = 0; id < paths.size(); ++id) {
    size_t hole = SIZE_MAX;
    ASSERT_EQ(a.find(paths[id], h_of(id), path_of, &hole), PathIndex::kNone) << id;
    ASSERT_NE(hole, SIZE_MAX) << "an absent path gives the slot that ended its probe";
    a.insert_at(hole, h_of(id), id);
    b.insert(h_of(id), id);
  }
  for (uint32_t id = 0; id < paths.size(); ++id) {
    EXPECT_EQ(a.find(paths[id], h_of(id), path_of), id) << id;
    EXPECT_EQ(b.find(paths[id], h_of(id), path_of), id) << id;
  }
  std::string absent = "q";
  EXPECT_EQ(a.find(absent, h_of(3), path_of), PathIndex::kNone);
}

TEST(PathIndex, GrowsFromTheHeapOntoHugePageBlocksAndBackKeepingEveryEntry) {
  // 300,000 paths: the table grows through 64 .. 1M slots, past 2 MiB (from
  // there util/large_pages blocks), and erase() shifts within them.
  constexpr uint32_t kN = 300000;
  std::vector<std::string> paths;
  paths.reserve(kN);
  for (uint32_t i = 0; i < kN; ++i) paths.push_back("d" + std::to_string(i % 97) + "/f" + std::to_string(i));
  auto path_of = [&](uint32_t id) -> std::string_view { return paths[id]; };
  PathIndex index;
  for (uint32_t id = 0; id < kN; ++id) index.insert(PathIndex::hash(paths[id]), id);
  for (uint32_t id = 0; id < kN; id += 7) index.erase(PathIndex::hash(paths[id]), id);
  for (uint32_t id = 0; id < kN; ++id)
    ASSERT_EQ(index.find(paths[id], PathIndex::hash(paths[id]), path_of), id % 7 == 0 ? PathIndex::kNone : id) << id;
  // A reserve() past the current size moves every entry into one new block.
  PathIndex reserved;
  reserved.reserve(kN);
  for (uint32_t id = 0; id < kN; ++id) reserved.insert(PathIndex::hash(paths[id]), id);
  for (uint32_t id = 0; id < kN; id += 1001)
    EXPECT_EQ(reserved.find(paths[id], PathIndex::hash(paths[id]), path_of), id);
}

}  // namespace
}  // namespace famfs

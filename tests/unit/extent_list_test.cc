// ExtentList (a map's extents, the first one inline) and ChildList (a
// directory's children behind a pointer): the containers replay fills once
// per entry, with the behaviour of the std::vector they replace.
#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "engine/namespace.h"
#include "omf/extent_list.h"
#include "omf/log_entry.h"

namespace famfs {
namespace {

using omf::Extent;
using omf::ExtentList;

std::vector<Extent> sample(size_t n) {
  std::vector<Extent> v;
  for (size_t i = 0; i < n; ++i) v.push_back(Extent{0, (i + 1) << 21, (i + 2) << 21});
  return v;
}

TEST(ExtentList, GrowsPastTheInlineExtentKeepingOrder) {
  for (size_t n : {0u, 1u, 2u, 3u, 16u, 17u, 40u}) {
    ExtentList l;
    for (const Extent& x : sample(n)) l.push_back(x);
    ASSERT_EQ(l.size(), n);
    EXPECT_EQ(l.empty(), n == 0);
    EXPECT_TRUE(l == sample(n)) << n;
    if (n) {
      EXPECT_EQ(l.front(), sample(n).front());
      EXPECT_EQ(l.back(), sample(n).back());
      EXPECT_EQ(l.data(), &l[0]);
    }
    size_t k = 0;
    for (const Extent& x : l) EXPECT_EQ(x, sample(n)[k++]);
    EXPECT_EQ(k, n);
  }
}

TEST(ExtentList, CopiesAndMovesInlineAndHeapStorage) {
  for (size_t n : {1u, 5u}) {
    ExtentList a(sample(n));
    ExtentList b(a);  // copy
    EXPECT_TRUE(b == a);
    b[0].len += 1;  // the copy owns its extents
    EXPECT_FALSE(b == a);
    ExtentList c(std::move(a));
    EXPECT_TRUE(c == sample(n));
    EXPECT_TRUE(a.empty());  // NOLINT: moved-from is empty and usable
    a.push_back(Extent{0, 1, 2});
    EXPECT_EQ(a.size(), 1u);
    ExtentList d;
    d = c;  // copy assignment over an empty list
    EXPECT_TRUE(d == c);
    d = ExtentList{{0, 7, 8}};  // move assignment from inline storage over heap storage
    EXPECT_TRUE(d == (std::vector<Extent>{{0, 7, 8}}));
    d = std::move(c);  // and back to heap storage (n = 5)
    EXPECT_TRUE(d == sample(n));
    d = d;  // NOLINT: self-assignment keeps the contents
    EXPECT_TRUE(d == sample(n));
  }
}

TEST(ExtentList, ClearAndReserveKeepItUsable) {
  ExtentList l(sample(4));
  l.clear();
  EXPECT_TRUE(l.empty());
  l.reserve(32);
  for (const Extent& x : sample(20)) l.push_back(x);
  EXPECT_TRUE(l == sample(20));
}

TEST(ExtentList, FileMapsCompareByTheirExtents) {
  omf::FileMap a, b;
  a.extents = {{0, 2 << 21, 1 << 21}, {0, 8 << 21, 1 << 21}};
  b.extents = a.extents;
  EXPECT_EQ(a, b);
  b.extents.push_back(Extent{0, 12 << 21, 1 << 21});
  EXPECT_NE(a, b);
  EXPECT_EQ(b.mapped_bytes(), 3u << 21);
}

TEST(ChildList, ADirectoryListsItsChildrenInOrderAndFilesHaveNone) {
  Namespace ns;
  ASSERT_TRUE(ns.add_directory(omf::MkdirEntry{0, 0, 0755, "d"}, 0));
  std::vector<NodeId> want;
  for (int i = 0; i < 5; ++i) {
    omf::FileEntry f;
    f.size = 1;
    f.path = "d/f" + std::to_string(i);
    f.map.extents = {{0, uint64_t(i + 2) << 21, 1 << 21}};
    auto id = ns.add_file(std::move(f), i + 1);
    ASSERT_TRUE(id);
    want.push_back(*id);
  }
  const Node& d = *ns.find("d");
  EXPECT_TRUE(d.children == want);
  EXPECT_EQ(d.children.size(), 5u);
  EXPECT_EQ(d.children[4], want[4]);
  const Node& f = ns.node(want[2]);
  EXPECT_TRUE(f.children.empty());
  EXPECT_EQ(f.children.begin(), f.children.end());
  ASSERT_TRUE(ns.remove(want[2]));
  want.erase(want.begin() + 2);
  EXPECT_TRUE(ns.find("d")->children == want);
}

}  // namespace
}  // namespace famfs

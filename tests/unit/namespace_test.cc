// The namespace alone: what may be added where, and what it then holds.
#include "engine/namespace.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace famfs {
namespace {

omf::MkdirEntry dir(std::string path, uint32_t mode = 0755) { return omf::MkdirEntry{1, 2, mode, std::move(path)}; }

omf::FileEntry file(std::string path, uint64_t size) {
  omf::FileEntry f;
  f.path = std::move(path);
  f.size = size;
  return f;
}

TEST(Namespace, StartsWithTheImplicitMetaDirectoryOnly) {
  Namespace ns;
  const Node* meta = ns.find(".meta");
  ASSERT_NE(meta, nullptr);
  EXPECT_TRUE(meta->is_dir);
  EXPECT_TRUE(Namespace::implicit(*meta));
  EXPECT_EQ(meta->mode, 0700u);
  EXPECT_EQ(ns.find_id(".meta"), kMetaNode);
  EXPECT_EQ(ns.node_count(), 1u);
  EXPECT_EQ(ns.directory_count(), 0u);  // not logged, so not counted
  EXPECT_EQ(ns.file_count(), 0u);
  ASSERT_NE(ns.find(""), nullptr);  // the root
  EXPECT_EQ(ns.find("a"), nullptr);
}

TEST(Namespace, AddsFilesUnderDirectoriesAndKeepsTheirMetadata) {
  Namespace ns;
  auto d = ns.add_directory(dir("a", 0750), 0);
  ASSERT_TRUE(d) << d.error().message();
  auto f = ns.add_file(file("a/f", 5000), 1);
  ASSERT_TRUE(f) << f.error().message();
  const Node& fn = ns.node(*f);
  EXPECT_EQ(fn.path, "a/f");
  EXPECT_FALSE(fn.is_dir);
  EXPECT_EQ(fn.size, 5000u);
  EXPECT_EQ(fn.log_index, 1u);
  EXPECT_EQ(fn.parent, *d);
  EXPECT_EQ(ns.node(*d).children, std::vector<NodeId>{*f});
  EXPECT_EQ(ns.node(*d).mode, 0750u);
  EXPECT_EQ(ns.node(*d).uid, 1u);
  EXPECT_EQ(ns.node(*d).gid, 2u);
  EXPECT_EQ(ns.file_count(), 1u);
  EXPECT_EQ(ns.directory_count(), 1u);
  EXPECT_EQ(ns.sum_of_file_sizes(), 5000u);
  EXPECT_EQ(ns.find("a/f"), &fn);
}

TEST(Namespace, MissingParentIsNotFoundAndChangesNothing) {
  Namespace ns;
  EXPECT_EQ(ns.can_add("x/y").error().code(), Errc::not_found);
  auto f = ns.add_file(file("x/y", 1), 0);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code(), Errc::not_found);
  EXPECT_EQ(ns.node_count(), 1u);
  EXPECT_EQ(ns.sum_of_file_sizes(), 0u);
}

TEST(Namespace, ParentThatIsAFileIsNotADirectory) {
  Namespace ns;
  ASSERT_TRUE(ns.add_file(file("f", 1), 0));
  EXPECT_EQ(ns.can_add("f/g").error().code(), Errc::not_directory);
  auto d = ns.add_directory(dir("f/g"), 1);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code(), Errc::not_directory);
}

TEST(Namespace, ExistingPathIsRefusedAsExists) {
  Namespace ns;
  ASSERT_TRUE(ns.add_directory(dir("a"), 0));
  EXPECT_EQ(ns.can_add("a").error().code(), Errc::exists);
  EXPECT_EQ(ns.add_file(file("a", 1), 1).error().code(), Errc::exists);
  EXPECT_EQ(ns.node_count(), 2u);
}

TEST(Namespace, PathsBreakingThePathRulesAreInvalidArguments) {
  Namespace ns;
  ASSERT_TRUE(ns.add_directory(dir("a"), 0));
  for (const char* bad : {"a/../b", "/a/b", "a//b", "a/./b"})
    EXPECT_EQ(ns.can_add(bad).error().code(), Errc::invalid_argument) << bad;
}

TEST(Namespace, FirstLoggedMkdirOfMetaGivesItThatEntrysMetadata) {
  Namespace ns;
  auto m = ns.add_directory(omf::MkdirEntry{7, 8, 0711, ".meta"}, 4);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(*m, kMetaNode);
  const Node& meta = ns.node(kMetaNode);
  EXPECT_FALSE(Namespace::implicit(meta));
  EXPECT_EQ(meta.mode, 0711u);
  EXPECT_EQ(meta.uid, 7u);
  EXPECT_EQ(meta.log_index, 4u);
  EXPECT_EQ(ns.directory_count(), 1u);  // now a logged directory
  EXPECT_EQ(ns.node_count(), 1u);
  // A second one is a duplicate like any other path.
  EXPECT_EQ(ns.add_directory(omf::MkdirEntry{0, 0, 0755, ".meta"}, 5).error().code(), Errc::exists);
}

TEST(Namespace, ForEachVisitsEveryNodeButTheRootInLogOrder) {
  Namespace ns;
  ASSERT_TRUE(ns.add_directory(dir("b"), 0));
  ASSERT_TRUE(ns.add_file(file("b/z", 1), 1));
  ASSERT_TRUE(ns.add_file(file("a", 2), 2));
  std::vector<std::string> seen;
  ns.for_each([&](const Node& n) { seen.push_back(n.path); });
  EXPECT_EQ(seen, (std::vector<std::string>{".meta", "b", "b/z", "a"}));
}

}  // namespace
}  // namespace famfs

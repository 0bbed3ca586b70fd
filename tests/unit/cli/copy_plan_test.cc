#include "copy_plan.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace famfs::cli {
namespace {

using Kind = CopyStep::Kind;

class CliCopyPlan : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/famfsctl-plan-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf '" + root_ + "'").c_str()); }

  std::string file(const std::string& rel) {
    std::string p = root_ + "/" + rel;
    std::ofstream(p) << "x";
    return p;
  }
  std::string dir(const std::string& rel) {
    std::string p = root_ + "/" + rel;
    mkdir(p.c_str(), 0755);
    return p;
  }

  static std::vector<std::string> describe(const CopyPlan& plan) {
    std::vector<std::string> out;
    for (const auto& s : plan.steps) out.push_back((s.kind == Kind::make_directory ? "mkdir " : "copy ") + s.target);
    return out;
  }

  std::string root_;
};

TEST_F(CliCopyPlan, OneFileToAPath) {
  auto plan = plan_copy({file("a.bin")}, "/data/b.bin", false);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->steps.size(), 1u);
  EXPECT_EQ(plan->steps[0].kind, Kind::copy_file);
  EXPECT_EQ(plan->steps[0].local, root_ + "/a.bin");
  EXPECT_EQ(plan->steps[0].target, "data/b.bin");
}

TEST_F(CliCopyPlan, TrailingSlashOrRootMeansIntoTheDirectory) {
  auto into = plan_copy({file("a.bin")}, "data/", false);
  ASSERT_TRUE(into.ok());
  EXPECT_EQ(describe(*into), std::vector<std::string>{"copy data/a.bin"});
  auto root = plan_copy({file("a.bin")}, "/", false);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(describe(*root), std::vector<std::string>{"copy a.bin"});
}

TEST_F(CliCopyPlan, SeveralFilesLandInDestWithoutCreatingIt) {
  auto plan = plan_copy({file("a"), file("b")}, "d", false);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(describe(*plan), (std::vector<std::string>{"copy d/a", "copy d/b"}));
}

TEST_F(CliCopyPlan, RecursiveMakesDestAndWalksSorted) {
  dir("src");
  dir("src/sub");
  file("src/z");
  file("src/a");
  file("src/sub/inner");
  symlink("/etc/passwd", (root_ + "/src/link").c_str());
  auto plan = plan_copy({root_ + "/src/", file("top")}, "/out", true);
  ASSERT_TRUE(plan.ok()) << plan.error().message();
  EXPECT_EQ(describe(*plan), (std::vector<std::string>{"mkdir out", "mkdir out/src", "copy out/src/a",
                                                       "mkdir out/src/sub", "copy out/src/sub/inner",
                                                       "copy out/src/z", "copy out/top"}));
  EXPECT_EQ(plan->skipped, std::vector<std::string>{root_ + "/src/link"});
}

TEST_F(CliCopyPlan, RecursiveIntoTheRootMakesNoDestDirectory) {
  dir("d");
  file("d/f");
  auto plan = plan_copy({root_ + "/d"}, "/", true);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(describe(*plan), (std::vector<std::string>{"mkdir d", "copy d/f"}));
}

TEST_F(CliCopyPlan, DotCopiesContentsIntoDest) {
  dir("d");
  file("d/f");
  auto plan = plan_copy({root_ + "/d/."}, "x", true);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(describe(*plan), (std::vector<std::string>{"mkdir x", "copy x/f"}));
}

TEST_F(CliCopyPlan, DirectoryWithoutDashRAndMissingSourcesFailBeforeAnyStep) {
  dir("d");
  auto no_r = plan_copy({root_ + "/d"}, "x", false);
  ASSERT_FALSE(no_r.ok());
  EXPECT_NE(no_r.error().message().find("is a directory (use cp -r)"), std::string::npos);
  auto missing = plan_copy({file("ok"), root_ + "/nope"}, "x", false);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("cannot stat"), std::string::npos);
  auto special = plan_copy({"/dev/null"}, "x", false);
  ASSERT_FALSE(special.ok());
  EXPECT_NE(special.error().message().find("not a regular file"), std::string::npos);
}

TEST(CliCopyPlanPaths, JoinFamfsPaths) {
  EXPECT_EQ(join_famfs_path("", "a"), "a");
  EXPECT_EQ(join_famfs_path("d", "a"), "d/a");
  EXPECT_EQ(join_famfs_path("d", ""), "d");
}

}  // namespace
}  // namespace famfs::cli

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

using Dest = DestKind;

TEST_F(CliCopyPlan, OneFileToANewPath) {
  auto plan = plan_copy({file("a.bin")}, "/data/b.bin", false, Dest::missing);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->steps.size(), 1u);
  EXPECT_EQ(plan->steps[0].kind, Kind::copy_file);
  EXPECT_EQ(plan->steps[0].local, root_ + "/a.bin");
  EXPECT_EQ(plan->steps[0].target, "data/b.bin");
}

TEST_F(CliCopyPlan, AFileIntoAnExistingDirectoryKeepsItsName) {
  // cp small.bin data, data a directory: data/small.bin (as cp(1))
  auto into = plan_copy({file("small.bin")}, "data", false, Dest::directory);
  ASSERT_TRUE(into.ok());
  EXPECT_EQ(describe(*into), std::vector<std::string>{"copy data/small.bin"});
  auto slash = plan_copy({file("a.bin")}, "data/", false, Dest::directory);
  ASSERT_TRUE(slash.ok());
  EXPECT_EQ(describe(*slash), std::vector<std::string>{"copy data/a.bin"});
  auto root = plan_copy({file("a.bin")}, "/", false, Dest::missing);  // the root always is a directory
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(describe(*root), std::vector<std::string>{"copy a.bin"});
}

TEST_F(CliCopyPlan, ATrailingSlashOnAMissingDestIsAnError) {
  auto plan = plan_copy({file("a.bin")}, "nodir/", false, Dest::missing);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.error().message().find("not a directory"), std::string::npos) << plan.error().message();
}

TEST_F(CliCopyPlan, SeveralSourcesNeedAnExistingDirectory) {
  auto plan = plan_copy({file("a"), file("b")}, "d", false, Dest::directory);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(describe(*plan), (std::vector<std::string>{"copy d/a", "copy d/b"}));
  for (Dest k : {Dest::missing, Dest::file}) {
    auto bad = plan_copy({file("a"), file("b")}, "d", false, k);
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message().find("target \"d\" is not a directory"), std::string::npos)
        << bad.error().message();
  }
}

TEST_F(CliCopyPlan, RecursiveToANewDestCopiesTheContentsIntoIt) {
  // cp -r src/tree data/tree, data/tree new: data/tree/..., not data/tree/tree
  dir("tree");
  dir("tree/sub");
  file("tree/z");
  file("tree/a");
  file("tree/sub/inner");
  symlink("/etc/passwd", (root_ + "/tree/link").c_str());
  auto plan = plan_copy({root_ + "/tree/"}, "/data/tree", true, Dest::missing);
  ASSERT_TRUE(plan.ok()) << plan.error().message();
  EXPECT_EQ(describe(*plan), (std::vector<std::string>{"mkdir data/tree", "copy data/tree/a", "mkdir data/tree/sub",
                                                       "copy data/tree/sub/inner", "copy data/tree/z"}));
  EXPECT_EQ(plan->skipped, std::vector<std::string>{root_ + "/tree/link"});
}

TEST_F(CliCopyPlan, RecursiveIntoAnExistingDirectoryNestsByName) {
  dir("src");
  file("src/f");
  auto plan = plan_copy({root_ + "/src", file("top")}, "/out", true, Dest::directory);
  ASSERT_TRUE(plan.ok()) << plan.error().message();
  EXPECT_EQ(describe(*plan), (std::vector<std::string>{"mkdir out/src", "copy out/src/f", "copy out/top"}));
  auto root = plan_copy({root_ + "/src"}, "/", true, Dest::missing);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(describe(*root), (std::vector<std::string>{"mkdir src", "copy src/f"}));
}

TEST_F(CliCopyPlan, ADirectoryOverAFileIsRefused) {
  dir("d");
  auto plan = plan_copy({root_ + "/d"}, "f", true, Dest::file);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.error().message().find("cannot overwrite non-directory"), std::string::npos);
}

TEST_F(CliCopyPlan, DotCopiesContentsIntoDest) {
  dir("d");
  file("d/f");
  auto missing = plan_copy({root_ + "/d/."}, "x", true, Dest::missing);
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(describe(*missing), (std::vector<std::string>{"mkdir x", "copy x/f"}));
  auto existing = plan_copy({root_ + "/d/."}, "x", true, Dest::directory);
  ASSERT_TRUE(existing.ok());
  EXPECT_EQ(describe(*existing), (std::vector<std::string>{"copy x/f"}));
}

TEST_F(CliCopyPlan, DirectoryWithoutDashRAndMissingSourcesFailBeforeAnyStep) {
  dir("d");
  auto no_r = plan_copy({root_ + "/d"}, "x", false, Dest::missing);
  ASSERT_FALSE(no_r.ok());
  EXPECT_NE(no_r.error().message().find("is a directory (use cp -r)"), std::string::npos);
  auto missing = plan_copy({file("ok"), root_ + "/nope"}, "x", false, Dest::directory);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("cannot stat"), std::string::npos);
  auto special = plan_copy({"/dev/null"}, "x", false, Dest::missing);
  ASSERT_FALSE(special.ok());
  EXPECT_NE(special.error().message().find("not a regular file"), std::string::npos);
}

TEST_F(CliCopyPlan, CopyOutTargetsAndOperands) {
  dir("out");
  EXPECT_EQ(copy_out_target("data/f.bin", root_ + "/out"), root_ + "/out/f.bin");
  EXPECT_EQ(copy_out_target("data/f.bin", root_ + "/out/"), root_ + "/out/f.bin");
  EXPECT_EQ(copy_out_target("data/f.bin", root_ + "/new.bin"), root_ + "/new.bin");
  EXPECT_TRUE(is_famfs_operand("famfs:data/f"));
  EXPECT_FALSE(is_famfs_operand("data/f"));
  EXPECT_EQ(famfs_operand_path("famfs:/data/f"), "data/f");
  EXPECT_EQ(famfs_operand_path("famfs:data/f"), "data/f");
}

TEST(CliCopyPlanPaths, JoinFamfsPaths) {
  EXPECT_EQ(join_famfs_path("", "a"), "a");
  EXPECT_EQ(join_famfs_path("d", "a"), "d/a");
  EXPECT_EQ(join_famfs_path("d", ""), "d");
}

}  // namespace
}  // namespace famfs::cli

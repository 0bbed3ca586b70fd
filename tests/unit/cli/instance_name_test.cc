#include "instance_name.h"

#include <gtest/gtest.h>

namespace famfs::cli {
namespace {

TEST(CliInstanceName, EscapesLikeTheDaemon) {
  EXPECT_EQ(escape_instance("dax0.0"), "dax0_0");
  EXPECT_EQ(escape_instance("pmem0"), "pmem0");
  EXPECT_EQ(escape_instance("0dev"), "_0dev");
  EXPECT_EQ(escape_instance("my-dev.1"), "my_dev_1");
  EXPECT_EQ(escape_instance("dax0_0"), "dax0_0");  // escaping an escaped name changes nothing
  EXPECT_EQ(escape_instance("_0dev"), "_0dev");
}

TEST(CliInstanceName, DashDAcceptsNamesEscapedNamesPathsAndBusNames) {
  EXPECT_EQ(*bus_name_for("dax0.0"), "org.famfs.Famfs1.dax0_0");
  EXPECT_EQ(*bus_name_for("dax0_0"), "org.famfs.Famfs1.dax0_0");
  EXPECT_EQ(*bus_name_for("/dev/dax0.0"), "org.famfs.Famfs1.dax0_0");
  EXPECT_EQ(*bus_name_for("/dev/shm/famfs-test.img"), "org.famfs.Famfs1.famfs_test_img");
  EXPECT_EQ(*bus_name_for("org.famfs.Famfs1.dax1_0"), "org.famfs.Famfs1.dax1_0");
  EXPECT_FALSE(bus_name_for("").ok());
  EXPECT_FALSE(bus_name_for("/").ok());
}

TEST(CliInstanceName, OnlyPrefixedNamesAreInstances) {
  auto names = famfs_bus_names({"org.freedesktop.DBus", ":1.4", "org.famfs.Famfs1.dax1_0", "org.famfs.Famfs1.",
                                "org.famfs.Famfs1.dax0_0", "org.famfs.Famfs2.x"});
  EXPECT_EQ(names, (std::vector<std::string>{"org.famfs.Famfs1.dax0_0", "org.famfs.Famfs1.dax1_0"}));
  EXPECT_EQ(instance_suffix("org.famfs.Famfs1.dax0_0"), "dax0_0");
}

TEST(CliInstanceName, ChoosingWithoutDashD) {
  auto none = choose_instance({});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().message(), "no famfsd instance is running");
  EXPECT_EQ(*choose_instance({"org.famfs.Famfs1.a"}), "org.famfs.Famfs1.a");
  auto several = choose_instance({"org.famfs.Famfs1.a", "org.famfs.Famfs1.b"});
  ASSERT_FALSE(several.ok());
  EXPECT_NE(several.error().message().find("(a, b)"), std::string::npos) << several.error().message();
  EXPECT_NE(several.error().message().find("-d"), std::string::npos);
}

}  // namespace
}  // namespace famfs::cli

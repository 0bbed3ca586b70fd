#include "util/bus_name.h"

#include <gtest/gtest.h>

namespace famfs {
namespace {

TEST(BusName, DotsAndOtherPunctuationBecomeUnderscores) {
  EXPECT_EQ(escape_bus_element("dax0.0"), "dax0_0");
  EXPECT_EQ(escape_bus_element("pmem0"), "pmem0");
  EXPECT_EQ(escape_bus_element("my-dev:1/x"), "my_dev_1_x");
  EXPECT_EQ(instance_bus_name("dax0.0"), "org.famfs.Famfs1.dax0_0");
}

TEST(BusName, LeadingDigitAndEmptyNameGetAPrefix) {
  EXPECT_EQ(escape_bus_element("0abc"), "_0abc");
  EXPECT_EQ(escape_bus_element(""), "_");
}

TEST(BusName, NonAsciiBytesAreEscapedToo) { EXPECT_EQ(escape_bus_element("d\xc3\xa9v"), "d__v"); }

TEST(BusName, DefaultInstanceIsTheDeviceBaseName) {
  EXPECT_EQ(default_instance_name("/dev/dax0.0"), "dax0.0");
  EXPECT_EQ(default_instance_name("/dev/shm/famfs.img"), "famfs.img");
  EXPECT_EQ(default_instance_name("pmem1"), "pmem1");
  EXPECT_EQ(default_instance_name("/dev/dax1.0/"), "dax1.0");
}

}  // namespace
}  // namespace famfs

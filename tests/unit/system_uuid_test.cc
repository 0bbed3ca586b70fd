#include "util/system_uuid.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace famfs {
namespace {

class SystemUuidFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[] = "/tmp/famfs-sysuuid-XXXXXX";
    int fd = mkstemp(name);
    ASSERT_GE(fd, 0);
    close(fd);
    path_ = name;
  }
  void TearDown() override { unlink(path_.c_str()); }
  void write(const std::string& text) { std::ofstream(path_, std::ios::binary) << text; }
  std::string path_;
};

TEST_F(SystemUuidFile, ConfiguredValueWinsOverTheFile) {
  write("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
  auto r = resolve_system_uuid(std::string("11111111-2222-4333-8444-555555555555"), path_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->uuid.to_string(), "11111111-2222-4333-8444-555555555555");
  EXPECT_STREQ(r->source_name(), "configured");
}

TEST_F(SystemUuidFile, MalformedConfiguredValueIsNamed) {
  auto r = resolve_system_uuid(std::string("not-a-uuid"), path_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::invalid_argument);
  EXPECT_NE(r.error().message().find("not-a-uuid"), std::string::npos);
}

TEST_F(SystemUuidFile, ReadsTheReferenceFileWithOrWithoutNewline) {
  for (std::string text : {"AAAAAAAA-bbbb-4ccc-8ddd-eeeeeeeeeeee", "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee\n"}) {
    write(text);
    auto r = resolve_system_uuid(std::nullopt, path_);
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->uuid.to_string(), "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
    EXPECT_EQ(r->source, SystemUuid::Source::file);
  }
}

TEST_F(SystemUuidFile, ReadsTheReferenceFileWithItsTrailingNul) {
  // What the reference writes: 36 characters and the string's NUL, 37 bytes.
  for (std::string text : {std::string("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee\0", 37),
                           std::string("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee\0\n", 38),
                           std::string("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee\r\n", 38)}) {
    write(text);
    auto r = resolve_system_uuid(std::nullopt, path_);
    ASSERT_TRUE(r.ok()) << text.size() << " bytes: " << r.error().message();
    EXPECT_EQ(r->uuid.to_string(), "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
    EXPECT_EQ(r->source, SystemUuid::Source::file);
  }
}

TEST_F(SystemUuidFile, MalformedFileNamesItsBytesPrintably) {
  write(std::string("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee\0XY", 39));
  auto r = resolve_system_uuid(std::nullopt, path_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::invalid_argument);
  EXPECT_NE(r.error().message().find("eeeeeeeeeeee\\0XY"), std::string::npos) << r.error().message();
}

TEST_F(SystemUuidFile, GarbageInTheFileIsAnErrorNotASilentFallback) {
  for (std::string text :
       {std::string(""), std::string("garbage"), std::string("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeeeXX"),
        std::string("\0", 1), std::string("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeee\0", 36),
        std::string("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee\0a", 38),
        std::string(" aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"),
        std::string("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee\naaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"),
        std::string("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee") + std::string(100, '\0'),
        std::string("aaaaaaaa_bbbb-4ccc-8ddd-eeeeeeeeeeee\0", 37)}) {
    write(text);
    auto r = resolve_system_uuid(std::nullopt, path_);
    ASSERT_FALSE(r.ok()) << "accepted " << text.size() << " bytes \"" << text << "\"";
    EXPECT_NE(r.error().message().find(path_), std::string::npos);
  }
}

TEST(SystemUuid, MissingFileFallsBackToAStableMachineId) {
  if (access("/etc/machine-id", R_OK) != 0) GTEST_SKIP() << "no /etc/machine-id on this host";
  auto a = resolve_system_uuid(std::nullopt, "/nonexistent/system_uuid");
  auto b = resolve_system_uuid(std::nullopt, "/nonexistent/system_uuid");
  ASSERT_TRUE(a.ok()) << a.error().message();
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->source, SystemUuid::Source::machine_id);
  EXPECT_EQ(a->uuid, b->uuid);
  EXPECT_FALSE(a->uuid.is_nil());
}

}  // namespace
}  // namespace famfs

#include "method_options.h"

#include <gtest/gtest.h>

namespace famfs::cli {
namespace {

Request parse(std::vector<std::string> args) {
  auto r = parse_command_line(args);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
  return r.ok() ? *r : Request{};
}

std::vector<std::string> keys(const OptionMap& m) {
  std::vector<std::string> out;
  for (const auto& [k, v] : m) out.push_back(k);
  return out;
}

TEST(CliMethodOptions, NothingGivenSendsNoOptions) {
  EXPECT_TRUE(format_options(parse({"format"})).empty());
  EXPECT_TRUE(create_options(parse({"create", "a", "--size", "1M"})).empty());
  EXPECT_TRUE(mkdir_options(parse({"mkdir", "a"})).empty());
  EXPECT_TRUE(copy_options(parse({"cp", "x", "a"})).empty());
}

TEST(CliMethodOptions, FormatUsesUint64LogSizeAndBoolForce) {
  OptionMap m = format_options(parse({"format", "--log-size", "32M", "--force"}));
  ASSERT_EQ(keys(m), (std::vector<std::string>{"force", "log_size"}));
  EXPECT_EQ(m["log_size"].peekValueType(), "t");
  EXPECT_EQ(m["log_size"].get<uint64_t>(), 32u << 20);
  EXPECT_EQ(m["force"].peekValueType(), "b");
  EXPECT_TRUE(m["force"].get<bool>());
}

TEST(CliMethodOptions, CreateTypesFollowTheContract) {
  OptionMap m = create_options(parse({"create", "a", "--size", "8M", "--mode", "600", "--uid", "7", "--gid", "8",
                                      "--nstrips", "3", "--chunk-size", "4M", "--no-zero"}));
  ASSERT_EQ(keys(m), (std::vector<std::string>{"chunk_size", "gid", "mode", "nstrips", "uid", "zero"}));
  EXPECT_EQ(m["mode"].peekValueType(), "u");
  EXPECT_EQ(m["mode"].get<uint32_t>(), 0600u);
  EXPECT_EQ(m["uid"].peekValueType(), "u");
  EXPECT_EQ(m["uid"].get<uint32_t>(), 7u);
  EXPECT_EQ(m["gid"].peekValueType(), "u");
  EXPECT_EQ(m["gid"].get<uint32_t>(), 8u);
  EXPECT_EQ(m["nstrips"].peekValueType(), "u");
  EXPECT_EQ(m["nstrips"].get<uint32_t>(), 3u);
  EXPECT_EQ(m["chunk_size"].peekValueType(), "t");
  EXPECT_EQ(m["chunk_size"].get<uint64_t>(), 4u << 20);
  EXPECT_EQ(m["zero"].peekValueType(), "b");
  EXPECT_FALSE(m["zero"].get<bool>());
}

TEST(CliMethodOptions, MkdirSendsParentsOnlyWithDashP) {
  OptionMap m = mkdir_options(parse({"mkdir", "-p", "--mode", "750", "--uid", "0", "a/b"}));
  ASSERT_EQ(keys(m), (std::vector<std::string>{"mode", "parents", "uid"}));
  EXPECT_EQ(m["parents"].peekValueType(), "b");
  EXPECT_TRUE(m["parents"].get<bool>());
  EXPECT_EQ(m["mode"].get<uint32_t>(), 0750u);
  EXPECT_EQ(m["uid"].get<uint32_t>(), 0u);
}

TEST(CliMethodOptions, CopyPassesFileOptionsButNoZeroFlag) {
  Request r = parse({"cp", "-r", "--mode", "444", "--gid", "5", "--nstrips", "2", "--chunk-size", "2M", "src", "d"});
  OptionMap files = copy_options(r);
  ASSERT_EQ(keys(files), (std::vector<std::string>{"chunk_size", "gid", "mode", "nstrips"}));
  EXPECT_EQ(files["mode"].get<uint32_t>(), 0444u);
  OptionMap dirs = copy_mkdir_options(r);
  ASSERT_EQ(keys(dirs), (std::vector<std::string>{"gid", "parents"}));
  EXPECT_EQ(dirs["gid"].peekValueType(), "u");
  EXPECT_TRUE(dirs["parents"].get<bool>());
}

}  // namespace
}  // namespace famfs::cli

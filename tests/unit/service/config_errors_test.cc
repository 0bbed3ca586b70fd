// Configuration errors: every one invalid_argument, "FILE:LINE:COLUMN: what".
#include "service/config.h"

#include <gtest/gtest.h>

#include <string>

#include "service/config_testing.h"

namespace famfs::service {
namespace {

using testing::error_of;
using testing::parse;

// ---- errors: all invalid_argument, "FILE:LINE:COLUMN: what" ----

TEST(ConfigErrors, UnknownKeyIsNamedWithLineAndColumn) {
  EXPECT_EQ(error_of("log_level = \"info\"\n  colour = 1\n"), "test.toml:2:3: unknown key \"colour\"");
}

TEST(ConfigErrors, UnknownKeyInDeviceTableNamesTheTable) {
  EXPECT_EQ(error_of("[devices.\"dax0.0\"]\nallow_format = true\nmount_point = \"/x\"\n"),
            "test.toml:3:1: unknown key \"mount_point\" in [devices.\"dax0.0\"]");
}

TEST(ConfigErrors, UnquotedDottedInstanceNameGetsAHint) {
  EXPECT_EQ(error_of("[devices.dax0.0]\nallow_format = true\n"),
            "test.toml:1:15: unknown key \"0\" in [devices.dax0]; quote an instance name that contains "
            "dots, as in [devices.\"dax0.0\"]");
}

// Syntax errors carry toml++'s own position: where it noticed the problem.
TEST(ConfigErrors, SyntaxErrorReportsLineAndColumnOnOneLine) {
  EXPECT_EQ(error_of("poll_interval_ms = 10\nallow_format = tru\n"),
            "test.toml:2:19: Error while parsing boolean: expected 'true', saw 'tru\\n'");
  EXPECT_EQ(error_of("[devices.pmem0\n"), "test.toml:1:15: Error while parsing table header: expected ']', saw '\\n'");
}

TEST(ConfigErrors, DuplicateKeyIsASyntaxErrorOnItsSecondLine) {
  EXPECT_EQ(error_of("watchdog = true\nwatchdog = false\n"),
            "test.toml:2:12: Error while parsing key-value pair: cannot redefine existing boolean 'watchdog'");
}

TEST(ConfigErrors, WrongTypeNamesKeyExpectedAndFoundTypes) {
  EXPECT_EQ(error_of("poll_interval_ms = \"10\""),
            "test.toml:1:20: poll_interval_ms: expected an integer number of milliseconds, found a string");
  EXPECT_EQ(error_of("allow_format = 1"),
            "test.toml:1:16: allow_format: expected a boolean (true or false), found an integer");
  EXPECT_EQ(error_of("log_level = 6"), "test.toml:1:13: log_level: expected a string, found an integer");
  EXPECT_EQ(error_of("copy_job_threshold = 1.5"),
            "test.toml:1:22: copy_job_threshold: expected a size (an integer number of bytes or a string "
            "such as \"64M\"), found a floating-point number");
}

TEST(ConfigErrors, EveryKeyRejectsAValueOfTheWrongType) {
  const char* wrong[][2] = {
      {"log_level", "true"},
      {"system_uuid", "1"},
      {"backend", "[\"none\"]"},
      {"mountpoint", "{}"},
      {"poll_interval_ms", "10.0"},
      {"allow_format", "\"yes\""},
      {"zero_new_files", "0"},
      {"copy_job_threshold", "true"},
      {"famfs_group", "1979-05-27"},
      {"watchdog", "\"true\""},
      {"heartbeat_interval_ms", "1.5"},
      {"client_files_writable", "1"},
  };
  ASSERT_EQ(std::size(wrong), config_key_names().size());
  for (auto& [key, value] : wrong) {
    std::string top = error_of(std::string(key) + " = " + value);
    EXPECT_EQ(top.rfind("test.toml:1:", 0), 0u) << top;
    EXPECT_NE(top.find(std::string(key) + ": expected "), std::string::npos) << top;
    std::string dev = error_of(std::string("[devices.pmem0]\n") + key + " = " + value);
    EXPECT_EQ(dev.rfind("test.toml:2:", 0), 0u) << dev;
    EXPECT_NE(dev.find(std::string("devices.pmem0.") + key + ": expected "), std::string::npos) << dev;
  }
}

TEST(ConfigErrors, PollIntervalOutOfRangeIsRejected) {
  EXPECT_EQ(error_of("poll_interval_ms = 0"), "test.toml:1:20: poll_interval_ms: 0 is out of range (1..10000)");
  EXPECT_EQ(error_of("poll_interval_ms = 10001"), "test.toml:1:20: poll_interval_ms: 10001 is out of range (1..10000)");
  EXPECT_EQ(error_of("poll_interval_ms = -5"), "test.toml:1:20: poll_interval_ms: -5 is out of range (1..10000)");
  EXPECT_EQ(error_of("poll_interval_ms = 4294967306"),
            "test.toml:1:20: poll_interval_ms: 4294967306 is out of range (1..10000)");
}

TEST(ConfigErrors, MalformedOrNilSystemUuidIsRejected) {
  EXPECT_EQ(error_of("system_uuid = \"not-a-uuid\""),
            "test.toml:1:15: system_uuid: \"not-a-uuid\" is not a UUID (expected 8-4-4-4-12 hexadecimal digits)");
  EXPECT_EQ(error_of("system_uuid = \"5aae9bb1-8369-4a2b-9c0d-0123456789a\""),
            "test.toml:1:15: system_uuid: \"5aae9bb1-8369-4a2b-9c0d-0123456789a\" is not a UUID "
            "(expected 8-4-4-4-12 hexadecimal digits)");
  EXPECT_EQ(error_of("system_uuid = \"00000000-0000-0000-0000-000000000000\""),
            "test.toml:1:15: system_uuid: the nil UUID cannot identify a host");
}

TEST(ConfigErrors, BadSizeCarriesTheSizeParserReason) {
  EXPECT_EQ(error_of("copy_job_threshold = \"64Q\""),
            "test.toml:1:22: copy_job_threshold: invalid size \"64Q\": unknown suffix (use K, M, G or T)");
  EXPECT_EQ(error_of("copy_job_threshold = \"\""),
            "test.toml:1:22: copy_job_threshold: invalid size \"\": expected a number with an optional K, M, G "
            "or T suffix");
  EXPECT_EQ(error_of("copy_job_threshold = -1"), "test.toml:1:22: copy_job_threshold: -1 is negative");
}

TEST(ConfigErrors, BadLogLevelInADeviceTableNamesItsFullKey) {
  EXPECT_EQ(error_of("[devices.pmem0]\nlog_level = \"verbose\"\n"),
            "test.toml:2:13: devices.pmem0.log_level: unknown log level \"verbose\" (expected emerg, alert, "
            "crit, err, warning, notice, info or debug)");
  EXPECT_EQ(error_of("[devices.\"dax0.0\"]\nlog_level = \"INFO\"\n"),
            "test.toml:2:13: devices.\"dax0.0\".log_level: unknown log level \"INFO\" (expected emerg, alert, "
            "crit, err, warning, notice, info or debug)");
}

TEST(ConfigErrors, BadBackendIsRejected) {
  EXPECT_EQ(error_of("backend = \"fuse\""),
            "test.toml:1:11: backend: unknown backend \"fuse\" (expected auto, kernel or none)");
}

TEST(ConfigErrors, RelativeOrEmptyMountpointIsRejected) {
  EXPECT_EQ(error_of("mountpoint = \"mnt/famfs\""),
            "test.toml:1:14: mountpoint: \"mnt/famfs\" is not an absolute path");
  EXPECT_EQ(error_of("mountpoint = \"\""), "test.toml:1:14: mountpoint: \"\" is not an absolute path");
  EXPECT_EQ(error_of("mountpoint = \"/mnt/\\u0000x\""),
            "test.toml:1:14: mountpoint: a path cannot contain a NUL character");
}

TEST(ConfigErrors, InvalidGroupNameIsRejected) {
  EXPECT_EQ(error_of("famfs_group = \"\""), "test.toml:1:15: famfs_group: a group name cannot be empty");
  EXPECT_EQ(error_of("famfs_group = \"a:b\""), "test.toml:1:15: famfs_group: \"a:b\" is not a valid group name");
  EXPECT_EQ(error_of("famfs_group = \"a\\nb\""), "test.toml:1:15: famfs_group: \"a\\nb\" is not a valid group name");
}

TEST(ConfigErrors, DevicesThatIsNotATableIsRejected) {
  EXPECT_EQ(error_of("devices = 5"),
            "test.toml:1:11: devices: expected a table of [devices.\"<instance>\"] tables, found an integer");
  std::string m = error_of("[[devices]]\nwatchdog = true\n");
  EXPECT_EQ(m.rfind("test.toml:1:", 0), 0u) << m;
  EXPECT_NE(m.find("found an array"), std::string::npos) << m;
}

TEST(ConfigErrors, DeviceEntryThatIsNotATableIsRejected) {
  EXPECT_EQ(error_of("[devices]\npmem0 = true\n"), "test.toml:2:9: devices.pmem0: expected a table, found a boolean");
  EXPECT_EQ(error_of("devices.\"dax0.0\" = \"x\"\n"),
            "test.toml:1:20: devices.\"dax0.0\": expected a table, found a string");
}

TEST(ConfigErrors, EmptyInstanceNameIsRejected) {
  EXPECT_EQ(error_of("[devices.\"\"]\n"), "test.toml:1:10: devices: an instance name cannot be empty");
}

TEST(ConfigErrors, FirstProblemInFileOrderIsReported) {
  // toml++ iterates keys by name; the report must follow the file instead.
  EXPECT_EQ(error_of("zero_new_files = 1\nallow_format = 2\n"),
            "test.toml:1:18: zero_new_files: expected a boolean (true or false), found an integer");
  EXPECT_EQ(error_of("devices.x.bogus = 1\naardvark = 1\n"), "test.toml:1:11: unknown key \"bogus\" in [devices.x]");
  EXPECT_EQ(error_of("watchdog = 1\n[devices.a]\nbogus = 1\n"),
            "test.toml:1:12: watchdog: expected a boolean (true or false), found an integer");
}

}  // namespace
}  // namespace famfs::service

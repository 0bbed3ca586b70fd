// The configuration file (docs/configuration.md): key and value names, the
// values of every key and the per-device tables. Errors are
// config_errors_test.cc, files and the shipped example config_file_test.cc.
#include "service/config.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <set>
#include <string>

#include "service/config_testing.h"

namespace famfs::service {
namespace {

using testing::error_of;
using testing::kMiB;
using testing::parse;

// ---- names ----

TEST(ConfigNames, LogLevelNamesRoundTripInSyslogOrder) {
  const char* names[] = {"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"};
  for (int i = 0; i < 8; ++i) {
    auto level = static_cast<LogLevel>(i);
    EXPECT_STREQ(log_level_name(level), names[i]);
    EXPECT_EQ(parse_log_level(names[i]), level);
  }
  EXPECT_EQ(static_cast<int>(LogLevel::debug), 7);
}

TEST(ConfigNames, LogLevelParsingIsExact) {
  for (const char* bad : {"", "INFO", "warn", "error", "7", "info "}) EXPECT_FALSE(parse_log_level(bad)) << bad;
}

TEST(ConfigNames, BackendChoiceNamesRoundTrip) {
  EXPECT_EQ(parse_backend_choice("auto"), BackendChoice::automatic);
  EXPECT_EQ(parse_backend_choice("kernel"), BackendChoice::kernel);
  EXPECT_EQ(parse_backend_choice("none"), BackendChoice::none);
  for (auto c : {BackendChoice::automatic, BackendChoice::kernel, BackendChoice::none})
    EXPECT_EQ(parse_backend_choice(backend_choice_name(c)), c);
  EXPECT_FALSE(parse_backend_choice("automatic"));
  EXPECT_FALSE(parse_backend_choice(""));
}

TEST(ConfigNames, KeyNamesListEveryKeyOnce) {
  auto keys = config_key_names();
  std::set<std::string_view> unique(keys.begin(), keys.end());
  EXPECT_EQ(unique.size(), keys.size());
  EXPECT_EQ(unique,
            (std::set<std::string_view>{"log_level", "system_uuid", "backend", "mountpoint", "poll_interval_ms",
                                        "heartbeat_interval_ms", "allow_format", "zero_new_files", "copy_job_threshold",
                                        "famfs_group", "watchdog", "client_files_writable"}));
}

// ---- values ----

TEST(ConfigParse, EmptyTextGivesTheDefaults) {
  auto r = parse("");
  ASSERT_TRUE(r.ok()) << r.error().message();
  InstanceConfig c = r->for_instance("dax0.0");
  EXPECT_EQ(c.log_level, LogLevel::info);
  EXPECT_FALSE(c.system_uuid);
  EXPECT_EQ(c.backend, BackendChoice::automatic);
  EXPECT_FALSE(c.mountpoint);
  EXPECT_EQ(c.poll_interval_ms, 10u);
  EXPECT_FALSE(c.allow_format);
  EXPECT_TRUE(c.zero_new_files);
  EXPECT_EQ(c.copy_job_threshold, 64 * kMiB);
  EXPECT_EQ(c.famfs_group, "famfs");
  EXPECT_TRUE(c.watchdog);
  EXPECT_FALSE(c.client_files_writable);
  EXPECT_EQ(c, InstanceConfig{});
  EXPECT_EQ(r->defaults(), InstanceConfig{});
  EXPECT_TRUE(r->instances().empty());
  EXPECT_EQ(r->source(), "test.toml");
}

TEST(ConfigParse, DefaultConstructedConfigIsAllDefaultsFromNoFile) {
  Config c;
  EXPECT_EQ(c.for_instance("pmem0"), InstanceConfig{});
  EXPECT_EQ(c.source(), "(defaults)");
  EXPECT_TRUE(c.instances().empty());
}

TEST(ConfigParse, EveryTopLevelKeyIsApplied) {
  auto r = parse(R"(
log_level = "debug"
system_uuid = "11111111-2222-4333-8444-555555555555"
backend = "none"
mountpoint = "/mnt/famfs"
poll_interval_ms = 250
allow_format = true
zero_new_files = false
copy_job_threshold = 4096
famfs_group = "storage"
watchdog = false
client_files_writable = true
)");
  ASSERT_TRUE(r.ok()) << r.error().message();
  InstanceConfig c = r->for_instance("anything");
  EXPECT_EQ(c.log_level, LogLevel::debug);
  EXPECT_EQ(c.system_uuid, "11111111-2222-4333-8444-555555555555");
  EXPECT_EQ(c.backend, BackendChoice::none);
  EXPECT_EQ(c.mountpoint, "/mnt/famfs");
  EXPECT_EQ(c.poll_interval_ms, 250u);
  EXPECT_TRUE(c.allow_format);
  EXPECT_FALSE(c.zero_new_files);
  EXPECT_EQ(c.copy_job_threshold, 4096u);
  EXPECT_EQ(c.famfs_group, "storage");
  EXPECT_FALSE(c.watchdog);
  EXPECT_TRUE(c.client_files_writable);
  EXPECT_TRUE(r->instances().empty());
}

TEST(ConfigParse, EveryLogLevelAndBackendNameIsAccepted) {
  for (const char* name : {"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}) {
    auto r = parse(std::string("log_level = \"") + name + "\"");
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_STREQ(log_level_name(r->defaults().log_level), name);
  }
  for (const char* name : {"auto", "kernel", "none"}) {
    auto r = parse(std::string("backend = \"") + name + "\"");
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_STREQ(backend_choice_name(r->defaults().backend), name);
  }
}

TEST(ConfigParse, SystemUuidIsStoredInLowerCase) {
  auto r = parse(R"(system_uuid = "5AAE9BB1-8369-4A2B-9C0D-0123456789AB")");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->defaults().system_uuid, "5aae9bb1-8369-4a2b-9c0d-0123456789ab");
}

TEST(ConfigParse, CopyJobThresholdTakesBytesOrASuffixedSize) {
  struct Case {
    const char* value;
    uint64_t bytes;
  } cases[] = {
      {"0", 0},        {"1000", 1000}, {"\"512K\"", 512 << 10}, {"\"1G\"", uint64_t{1} << 30}, {"\"64MiB\"", 64 * kMiB},
      {"\"123\"", 123}};
  for (const Case& c : cases) {
    auto r = parse(std::string("copy_job_threshold = ") + c.value);
    ASSERT_TRUE(r.ok()) << c.value << ": " << r.error().message();
    EXPECT_EQ(r->defaults().copy_job_threshold, c.bytes) << c.value;
  }
}

TEST(ConfigParse, PollIntervalBoundsAreInclusive) {
  auto low = parse("poll_interval_ms = 1");
  ASSERT_TRUE(low.ok()) << low.error().message();
  EXPECT_EQ(low->defaults().poll_interval_ms, 1u);
  auto high = parse("poll_interval_ms = 10000");
  ASSERT_TRUE(high.ok()) << high.error().message();
  EXPECT_EQ(high->defaults().poll_interval_ms, 10000u);
}

TEST(ConfigParse, HeartbeatIntervalDefaultsTo1sAndIsBounded) {
  auto d = parse("");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->defaults().heartbeat_interval_ms, 1000u);
  auto low = parse("heartbeat_interval_ms = 10");
  ASSERT_TRUE(low.ok()) << low.error().message();
  EXPECT_EQ(low->defaults().heartbeat_interval_ms, 10u);
  auto high = parse("heartbeat_interval_ms = 60000");
  ASSERT_TRUE(high.ok()) << high.error().message();
  EXPECT_EQ(high->defaults().heartbeat_interval_ms, 60000u);
  for (const char* bad : {"heartbeat_interval_ms = 9", "heartbeat_interval_ms = 60001", "heartbeat_interval_ms = -1"}) {
    auto r = parse(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message().find("out of range (10..60000)"), std::string::npos) << r.error().message();
  }
  auto typed = parse("heartbeat_interval_ms = \"1s\"");
  ASSERT_FALSE(typed.ok());
  EXPECT_NE(typed.error().message().find("integer number of milliseconds"), std::string::npos);
}

// ---- per-device tables ----

TEST(ConfigParse, DeviceTableOverridesOnlyItsOwnKeys) {
  auto r = parse(R"(
log_level = "notice"
poll_interval_ms = 20

[devices."dax0.0"]
allow_format = true
poll_interval_ms = 5

[devices.pmem0]
backend = "kernel"
)");
  ASSERT_TRUE(r.ok()) << r.error().message();
  InstanceConfig dax = r->for_instance("dax0.0");
  EXPECT_TRUE(dax.allow_format);
  EXPECT_EQ(dax.poll_interval_ms, 5u);
  EXPECT_EQ(dax.log_level, LogLevel::notice);        // from the top level
  EXPECT_EQ(dax.backend, BackendChoice::automatic);  // built-in default

  InstanceConfig pmem = r->for_instance("pmem0");
  EXPECT_EQ(pmem.backend, BackendChoice::kernel);
  EXPECT_EQ(pmem.poll_interval_ms, 20u);
  EXPECT_FALSE(pmem.allow_format);
  EXPECT_EQ(pmem.log_level, LogLevel::notice);
}

TEST(ConfigParse, InstanceWithoutATableGetsTheGlobalDefaults) {
  auto r = parse("watchdog = false\n[devices.pmem0]\nwatchdog = true\n");
  ASSERT_TRUE(r.ok()) << r.error().message();
  InstanceConfig expected;
  expected.watchdog = false;
  EXPECT_EQ(r->for_instance("dax1.0"), expected);
  EXPECT_EQ(r->for_instance(""), expected);
  EXPECT_EQ(r->defaults(), expected);
  EXPECT_TRUE(r->for_instance("pmem0").watchdog);
}

TEST(ConfigParse, DeviceTableStartsFromTopLevelValuesWhateverTheirOrder) {
  // "devices" sorts before "watchdog" and is written first, yet merges over it.
  auto r = parse("devices.x.allow_format = true\nwatchdog = false\n");
  ASSERT_TRUE(r.ok()) << r.error().message();
  InstanceConfig x = r->for_instance("x");
  EXPECT_TRUE(x.allow_format);
  EXPECT_FALSE(x.watchdog);
}

TEST(ConfigParse, InstancesListsEveryNameWithATableSorted) {
  auto r = parse(R"(
[devices.pmem0]
[devices."dax1.0"]
[devices."famfs.img"]
watchdog = false
)");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->instances(), (std::vector<std::string>{"dax1.0", "famfs.img", "pmem0"}));
  EXPECT_EQ(r->for_instance("pmem0"), InstanceConfig{});
}

TEST(ConfigParse, InlineDeviceTablesAreAccepted) {
  auto r = parse(R"(devices = { "dax0.0" = { famfs_group = "wheel" } })");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->for_instance("dax0.0").famfs_group, "wheel");
}

}  // namespace
}  // namespace famfs::service

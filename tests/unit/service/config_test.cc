#include "service/config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>

namespace famfs::service {

// Readable failure output for EXPECT_EQ on whole configurations.
void PrintTo(const InstanceConfig& c, std::ostream* os) {
  *os << "{log_level=" << log_level_name(c.log_level) << " system_uuid=" << c.system_uuid.value_or("(unset)")
      << " backend=" << backend_choice_name(c.backend) << " mountpoint=" << c.mountpoint.value_or("(unset)")
      << " poll_interval_ms=" << c.poll_interval_ms << " heartbeat_interval_ms=" << c.heartbeat_interval_ms
      << " allow_format=" << c.allow_format << " zero_new_files=" << c.zero_new_files
      << " copy_job_threshold=" << c.copy_job_threshold << " famfs_group=" << c.famfs_group
      << " watchdog=" << c.watchdog << " client_files_writable=" << c.client_files_writable << "}";
}

namespace {

constexpr uint64_t kMiB = uint64_t{1} << 20;

Result<Config> parse(std::string_view text) { return parse_config(text, "test.toml"); }

// The message of the error TEXT must produce; fails the test when it parses.
std::string error_of(std::string_view text) {
  auto r = parse(text);
  if (r.ok()) {
    ADD_FAILURE() << "parsed, expected an error:\n" << text;
    return {};
  }
  EXPECT_EQ(r.error().code(), Errc::invalid_argument);
  return r.error().message();
}

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

// ---- files ----

class ConfigFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[] = "/tmp/famfs-config-XXXXXX";
    ASSERT_NE(mkdtemp(name), nullptr);
    dir_ = name;
  }
  void TearDown() override {
    for (const std::string& f : files_) unlink(f.c_str());
    rmdir(dir_.c_str());
  }
  std::string write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    files_.push_back(path);
    return path;
  }
  std::string dir_;
  std::vector<std::string> files_;
};

TEST_F(ConfigFile, MissingOptionalFileGivesTheDefaults) {
  auto r = load_config(dir_ + "/absent.toml", false);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->source(), "(defaults)");
  EXPECT_EQ(r->for_instance("dax0.0"), InstanceConfig{});
  EXPECT_TRUE(r->instances().empty());
}

TEST_F(ConfigFile, MissingRequiredFileIsNotFound) {
  std::string path = dir_ + "/absent.toml";
  auto r = load_config(path, true);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::not_found);
  EXPECT_EQ(r.error().message(), path + ": cannot open: No such file or directory");
}

TEST_F(ConfigFile, ExistingFileIsParsedAndNamedAsTheSource) {
  std::string path = write("famfs.toml", "[devices.pmem0]\nallow_format = true\n");
  auto r = load_config(path, true);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->source(), path);
  EXPECT_TRUE(r->for_instance("pmem0").allow_format);
}

TEST_F(ConfigFile, ProblemsInAFileNameItsPath) {
  std::string path = write("famfs.toml", "watchdog = true\nbogus = 1\n");
  auto r = load_config(path, false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::invalid_argument);
  EXPECT_EQ(r.error().message(), path + ":2:1: unknown key \"bogus\"");
}

TEST_F(ConfigFile, SyntaxErrorInAFileNamesItsPath) {
  std::string path = write("famfs.toml", "[devices.pmem0\n");
  auto r = load_config(path, false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::invalid_argument);
  EXPECT_EQ(r.error().message().rfind(path + ":1:", 0), 0u) << r.error().message();
}

TEST_F(ConfigFile, DirectoryIsAnErrorNamingIt) {
  auto r = load_config(dir_, false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::io_error);
  EXPECT_EQ(r.error().message(), dir_ + ": cannot read: Is a directory");
}

TEST_F(ConfigFile, UnreadableFileIsPermissionDeniedNamingIt) {
  if (geteuid() == 0) GTEST_SKIP() << "root reads files whatever their mode";
  std::string path = write("famfs.toml", "");
  ASSERT_EQ(chmod(path.c_str(), 0), 0);
  auto r = load_config(path, false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::permission_denied);
  EXPECT_EQ(r.error().message(), path + ": cannot open: Permission denied");
}

// ---- the shipped example, dist/famfs.toml ----

std::string shipped_example() {
  std::ifstream in(FAMFS_SOURCE_ROOT "/dist/famfs.toml");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Applies EDIT to every line of TEXT; EDIT returns the new line.
template <typename Edit>
std::string edit_lines(const std::string& text, Edit edit) {
  std::istringstream in(text);
  std::string out, line;
  while (std::getline(in, line)) out += edit(line) + "\n";
  return out;
}

// The key of a line "PREFIXkey = ..." with key made of [a-z_] (how the
// shipped example writes documented defaults and examples), else nullopt.
// Plain string matching: gcc 12 with -fsanitize=address warns falsely
// (-Werror=maybe-uninitialized) inside std::regex.
std::optional<std::string> key_after(const std::string& line, std::string_view prefix) {
  if (line.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  size_t end = prefix.size();
  while (end < line.size() && ((line[end] >= 'a' && line[end] <= 'z') || line[end] == '_')) ++end;
  if (end == prefix.size() || line.compare(end, 3, " = ") != 0) return std::nullopt;
  return line.substr(prefix.size(), end - prefix.size());
}

// Whether LINE is a commented-out table header '# [devices."NAME"]'.
bool is_device_header(const std::string& line) {
  const std::string_view open = "# [devices.\"", close = "\"]";
  if (line.size() <= open.size() + close.size() || line.compare(0, open.size(), open) != 0 ||
      line.compare(line.size() - close.size(), close.size(), close) != 0)
    return false;
  std::string_view name(line.data() + open.size(), line.size() - open.size() - close.size());
  return name.find('"') == std::string_view::npos;
}

TEST(ConfigShippedExampleMatchers, RecogniseExactlyTheDocumentedForms) {
  EXPECT_EQ(key_after("# poll_interval_ms = 10", "# "), "poll_interval_ms");
  EXPECT_EQ(key_after("#   mountpoint = \"/mnt\"", "#   "), "mountpoint");
  EXPECT_FALSE(key_after("#   mountpoint = \"/mnt\"", "# "));
  EXPECT_FALSE(key_after("# Poll = 10", "# "));
  EXPECT_FALSE(key_after("# poll_interval_ms= 10", "# "));
  EXPECT_FALSE(key_after("# = 10", "# "));
  EXPECT_FALSE(key_after("#", "# "));
  EXPECT_TRUE(is_device_header("# [devices.\"dax0.0\"]"));
  EXPECT_FALSE(is_device_header("# [devices.\"\"]"));
  EXPECT_FALSE(is_device_header("# [devices.\"a\"b\"]"));
  EXPECT_FALSE(is_device_header("# [devices.\"dax0.0\"] x"));
  EXPECT_FALSE(is_device_header("[devices.\"dax0.0\"]"));
}

TEST(ConfigShippedExample, ParsesToTheDefaults) {
  auto r = load_config(FAMFS_SOURCE_ROOT "/dist/famfs.toml", true);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->defaults(), InstanceConfig{});
  EXPECT_EQ(r->for_instance("dax0.0"), InstanceConfig{});
  EXPECT_TRUE(r->instances().empty());
}

TEST(ConfigShippedExample, UncommentedDocumentedDefaultsAreTheBuiltInDefaults) {
  // A documented default is a line "# key = value"; examples are indented.
  std::set<std::string> documented_keys;
  std::string text = edit_lines(shipped_example(), [&](const std::string& line) {
    auto key = key_after(line, "# ");
    if (!key) return line;
    EXPECT_TRUE(documented_keys.insert(*key).second) << "documented twice: " << line;
    return line.substr(2);
  });
  auto r = parse_config(text, "famfs.toml (uncommented)");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->defaults(), InstanceConfig{});

  // Every key is documented: with its default, or (when unset by default,
  // so there is no value to show) with an indented example.
  std::set<std::string> unset_by_default = {"system_uuid", "mountpoint"};
  std::string shipped = shipped_example();
  for (std::string_view key : config_key_names()) {
    std::string k(key);
    if (unset_by_default.count(k)) {
      EXPECT_FALSE(documented_keys.count(k)) << k << " has no default value to document";
      EXPECT_NE(shipped.find("\n#   " + k + " = "), std::string::npos) << k << " has no example";
    } else {
      EXPECT_TRUE(documented_keys.count(k)) << k << " is not documented as \"# " << k << " = ...\"";
    }
  }
  EXPECT_EQ(documented_keys.size() + unset_by_default.size(), config_key_names().size());
}

TEST(ConfigShippedExample, UncommentedExamplesParse) {
  // The indented examples and the [devices."dax0.0"] section.
  std::string text = edit_lines(shipped_example(), [&](const std::string& line) {
    if (key_after(line, "#   ")) return line.substr(4);
    if (is_device_header(line)) return line.substr(2);
    return line;
  });
  auto r = parse_config(text, "famfs.toml (examples)");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(r->defaults().system_uuid);
  EXPECT_TRUE(r->defaults().mountpoint);
  EXPECT_EQ(r->instances(), std::vector<std::string>{"dax0.0"});
  EXPECT_TRUE(r->for_instance("dax0.0").allow_format);
  EXPECT_FALSE(r->for_instance("dax1.0").allow_format);
}

}  // namespace
}  // namespace famfs::service

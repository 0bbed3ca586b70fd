// Configuration files (a missing, unreadable or bad file names its path)
// and the shipped example dist/famfs.toml: it parses to the defaults, and
// what it documents as defaults and examples is what the parser takes.
#include "service/config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "service/config_testing.h"

namespace famfs::service {
namespace {

using testing::parse;

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

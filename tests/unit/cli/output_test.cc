#include "output.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace famfs::cli {
namespace {

TEST(CliOutput, HumanSizeIsIecWithOneDecimalAndBytesAndHumanShowsBothFromOneKiB) {
  EXPECT_EQ(human_size(0), "0 B");
  EXPECT_EQ(human_size(1023), "1023 B");
  EXPECT_EQ(human_size(1024), "1 KiB");
  EXPECT_EQ(human_size(1536), "1.5 KiB");
  EXPECT_EQ(human_size(8ull << 20), "8 MiB");
  EXPECT_EQ(human_size((3ull << 30) / 2), "1.5 GiB");
  EXPECT_EQ(human_size(16ull << 40), "16 TiB");
  EXPECT_EQ(human_size((123ull << 30) + 1), "123 GiB");
  EXPECT_EQ(human_size(UINT64_MAX), "16.0 EiB");
  EXPECT_EQ(bytes_and_human(512), "512");
  EXPECT_EQ(bytes_and_human(4194304), "4194304 (4 MiB)");
}

TEST(CliOutput, Rates) {
  EXPECT_EQ(human_rate(0), "0 B/s");
  EXPECT_EQ(human_rate(-5), "0 B/s");
  EXPECT_EQ(human_rate(500), "500 B/s");
  EXPECT_EQ(human_rate(850.0 * (1 << 20)), "850 MiB/s");
  EXPECT_EQ(human_rate(1.25 * (1 << 30)), "1.2 GiB/s");
}

TEST(CliOutput, ModeStrings) {
  EXPECT_EQ(mode_string("file", 0644), "-rw-r--r--");
  EXPECT_EQ(mode_string("dir", 0755), "drwxr-xr-x");
  EXPECT_EQ(mode_string("file", 04755), "-rwsr-xr-x");
  EXPECT_EQ(mode_string("file", 02640), "-rw-r-S---");
  EXPECT_EQ(mode_string("dir", 01777), "drwxrwxrwt");
  EXPECT_EQ(octal_mode(0644), "0644");
  EXPECT_EQ(octal_mode(04755), "4755");
}

TEST(CliOutput, TimesInUtc) {
  setenv("TZ", "UTC", 1);
  tzset();
  EXPECT_EQ(clock_time(1714566896789), "12:34:56.789");
  EXPECT_EQ(iso_time(1714566896789), "2024-05-01T12:34:56.789+00:00");
}

TEST(CliOutput, VariantsToJsonUseFieldNamesForKnownStructs) {
  using Extents = std::vector<sdbus::Struct<uint64_t, uint64_t, uint64_t>>;
  using Problems = std::vector<sdbus::Struct<int64_t, std::string, std::string>>;
  EXPECT_EQ(variant_to_json(sdbus::Variant(uint32_t{7})), 7);
  EXPECT_EQ(variant_to_json(sdbus::Variant(std::string("x"))), "x");
  EXPECT_EQ(variant_to_json(sdbus::Variant(true)), true);
  EXPECT_EQ(variant_to_json(sdbus::Variant(int64_t{-1})), -1);
  auto extents = variant_to_json(sdbus::Variant(Extents{{0, 4194304, 2097152}}));
  EXPECT_EQ(extents.dump(), R"([{"devindex":0,"length":2097152,"offset":4194304}])");
  auto problems = variant_to_json(sdbus::Variant(Problems{{3, "bad_crc", "entry 3"}}));
  EXPECT_EQ(problems.dump(), R"([{"index":3,"kind":"bad_crc","message":"entry 3"}])");
  auto unknown = variant_to_json(sdbus::Variant(std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(unknown, "<au>");
}

TEST(CliOutput, TypedLookups) {
  PropertyMap m = {{"t", sdbus::Variant(uint64_t{5})},
                   {"u", sdbus::Variant(uint32_t{6})},
                   {"x", sdbus::Variant(int64_t{-1})},
                   {"s", sdbus::Variant(std::string("v"))},
                   {"b", sdbus::Variant(true)}};
  EXPECT_EQ(get_u64(m, "t"), 5u);
  EXPECT_EQ(get_u64(m, "u"), 6u);
  EXPECT_FALSE(get_u64(m, "x"));
  EXPECT_FALSE(get_u64(m, "s"));
  EXPECT_FALSE(get_u64(m, "missing"));
  EXPECT_EQ(get_string(m, "s"), "v");
  EXPECT_FALSE(get_string(m, "t"));
  EXPECT_EQ(get_bool(m, "b"), true);
}

TEST(CliOutput, TablesAlignColumnsWithoutTrailingSpaces) {
  std::string t = render_table({{"a", "1", "x"}, {"long", "100", ""}}, {1});
  EXPECT_EQ(t, "a       1  x\nlong  100\n");
}

TEST(CliOutput, OneLineReplacesControlCharacters) {
  EXPECT_EQ(one_line("a\nb\tc\x01"), "a b c?");
  EXPECT_EQ(one_line("trailing\n"), "trailing");
}

TEST(CliOutput, ProblemLines) {
  EXPECT_EQ(problem_line({12, "bad_crc", "crc mismatch"}), "  [log 12] bad_crc: crc mismatch");
  EXPECT_EQ(problem_line({-1, "orphan", "x"}), "  orphan: x");
}

}  // namespace
}  // namespace famfs::cli

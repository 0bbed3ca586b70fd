#include "util/size_parse.h"

#include <gtest/gtest.h>

namespace famfs {
namespace {

TEST(ParseSize, AcceptsPlainNumbersAndBinarySuffixes) {
  EXPECT_EQ(*parse_size("0"), 0u);
  EXPECT_EQ(*parse_size("4096"), 4096u);
  EXPECT_EQ(*parse_size("512K"), 512u << 10);
  EXPECT_EQ(*parse_size("8m"), 8u << 20);
  EXPECT_EQ(*parse_size("8MiB"), 8u << 20);
  EXPECT_EQ(*parse_size("4G"), 4ull << 30);
  EXPECT_EQ(*parse_size("4GB"), 4ull << 30);
  EXPECT_EQ(*parse_size("1T"), 1ull << 40);
  EXPECT_EQ(*parse_size("100B"), 100u);
  EXPECT_EQ(*parse_size("18446744073709551615"), UINT64_MAX);
}

TEST(ParseSize, RejectsJunkNegativeAndOverflow) {
  for (const char* bad : {"", "K", "-1", "1.", ".5G", "0.3K", "1.5", "1.1B", "4X", "4GX", "4 G", "0x10",
                          "18446744073709551616", "16777216T", "12Bi"}) {
    auto r = parse_size(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code(), Errc::invalid_argument);
    EXPECT_NE(r.error().message().find(std::string("\"") + bad + "\""), std::string::npos);
  }
}

TEST(ParseSize, AcceptsDecimalsThatComeToWholeBytes) {
  EXPECT_EQ(*parse_size("1.5G"), 3ull << 29);
  EXPECT_EQ(*parse_size("1.5K"), 1536u);
  EXPECT_EQ(*parse_size("0.5M"), 512u << 10);
  EXPECT_EQ(*parse_size("2.25GiB"), 9ull << 28);
  EXPECT_EQ(*parse_size("1.0"), 1u);
  EXPECT_EQ(*parse_size("16777215.75T"), UINT64_MAX - (1ull << 38) + 1);
  auto frac = parse_size("0.3K");
  ASSERT_FALSE(frac);
  EXPECT_NE(frac.error().message().find("whole number of bytes"), std::string::npos);
  auto big = parse_size("16777216.5T");
  ASSERT_FALSE(big);
  EXPECT_NE(big.error().message().find("too large"), std::string::npos);
}

TEST(FormatSize, UsesTheLargestExactUnit) {
  EXPECT_EQ(format_size(8u << 20), "8 MiB");
  EXPECT_EQ(format_size(12345), "12345 B");
  EXPECT_EQ(format_size(0), "0 B");
  EXPECT_EQ(format_size(3ull << 30), "3 GiB");
}

TEST(SizeText, ExactUnitsOrBytesWithAnApproximation) {
  EXPECT_EQ(size_text(8u << 20), "8 MiB");
  EXPECT_EQ(size_text(1), "1 byte");
  EXPECT_EQ(size_text(512), "512 bytes");
  EXPECT_EQ(size_text((5u << 20) + 1), "5242881 bytes (5.0 MiB)");
  EXPECT_EQ(size_text(1536), "1536 bytes (1.5 KiB)") << "not a whole KiB";
  EXPECT_EQ(size_text(3ull << 29), "1536 MiB");
}

}  // namespace
}  // namespace famfs

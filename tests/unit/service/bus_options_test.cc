#include "service/bus_options.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace famfs::service {
namespace {

using OptionMap = std::map<std::string, sdbus::Variant>;

// The InvalidArgument message Options gives for OPTIONS (or "" if none).
std::string refusal(const OptionMap& options) {
  try {
    Options o(options, {{"mode", "u"}, {"zero", "b"}});
  } catch (const sdbus::Error& e) {
    EXPECT_EQ(e.getName(), "org.famfs.Famfs1.Error.InvalidArgument");
    return e.getMessage();
  }
  return "";
}

TEST(Options, AcceptKnownKeysOfTheirType) {
  OptionMap m{{"mode", sdbus::Variant(uint32_t{0600})}, {"zero", sdbus::Variant(false)}};
  Options o(m, {{"mode", "u"}, {"zero", "b"}});
  EXPECT_EQ(o.u32("mode"), 0600u);
  EXPECT_EQ(o.boolean("zero"), false);
}

TEST(Options, UnknownKeyIsNamedWithTheKnownOnes) {
  std::string m = refusal({{"colour", sdbus::Variant(std::string("blue"))}});
  EXPECT_EQ(m, "unknown option 'colour' (known: mode, zero)");
}

TEST(Options, WrongTypeIsNamed) {
  EXPECT_EQ(refusal({{"mode", sdbus::Variant(std::string("0644"))}}), "option 'mode' must be of type u, got s");
}

TEST(Options, HostileKeysGiveAShortOneLineMessage) {
  std::string huge(1 << 20, 'k');
  std::string m = refusal({{huge, sdbus::Variant(true)}});
  EXPECT_LT(m.size(), 200u) << m;
  EXPECT_NE(m.find("'" + std::string(64, 'k') + "'... (1048576 bytes)"), std::string::npos) << m;
  m = refusal({{"line\nbreak\\", sdbus::Variant(true)}});
  EXPECT_EQ(m.find('\n'), std::string::npos);
  EXPECT_NE(m.find("'line\\x0abreak\\x5c'"), std::string::npos) << m;
}

TEST(Options, LongKeysAreCutAtACharacterBoundary) {
  // 63 ASCII bytes, then a 2-byte character straddling the 64-byte cut.
  std::string key = std::string(63, 'a') + "\xc3\xa9" + "tail";
  std::string m = refusal({{key, sdbus::Variant(true)}});
  EXPECT_NE(m.find("'" + std::string(63, 'a') + "'..."), std::string::npos) << m;
  EXPECT_EQ(m.find('\xc3'), std::string::npos) << m;
}

TEST(Options, AbsentKeysReadAsNothing) {
  OptionMap none;
  Options o(none, {{"mode", "u"}, {"size", "t"}, {"zero", "b"}});
  EXPECT_FALSE(o.u32("mode"));
  EXPECT_FALSE(o.u64("size"));
  EXPECT_FALSE(o.boolean("zero"));
}

TEST(Options, SixtyFourBitValuesKeepEveryBit) {
  OptionMap m{{"size", sdbus::Variant(uint64_t{1} << 40 | 3)}};
  Options o(m, {{"size", "t"}});
  EXPECT_EQ(o.u64("size"), (uint64_t{1} << 40) | 3);
}

TEST(Options, AMethodWithoutOptionsSaysSo) {
  OptionMap m{{"zero", sdbus::Variant(true)}};
  try {
    Options o(m, {});
    FAIL() << "accepted an option where none is known";
  } catch (const sdbus::Error& e) {
    EXPECT_EQ(e.getName(), "org.famfs.Famfs1.Error.InvalidArgument");
    EXPECT_EQ(e.getMessage(), "unknown option 'zero' (this method takes none)");
  }
}

TEST(Options, ThirtyTwoBitValueIsNotTakenForSixtyFour) {
  OptionMap m{{"size", sdbus::Variant(uint32_t{5})}};
  try {
    Options o(m, {{"size", "t"}});
    FAIL() << "accepted u for t";
  } catch (const sdbus::Error& e) {
    EXPECT_EQ(e.getMessage(), "option 'size' must be of type t, got u");
  }
}

}  // namespace
}  // namespace famfs::service

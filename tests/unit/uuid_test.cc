#include "util/uuid.h"

#include <gtest/gtest.h>

namespace famfs {
namespace {

TEST(Uuid, ParsesAndFormatsInStoredByteOrder) {
  auto u = Uuid::parse("5aae9bb1-8369-4a2b-9c0d-0123456789AB");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->bytes[0], 0x5a);
  EXPECT_EQ(u->bytes[1], 0xae);
  EXPECT_EQ(u->bytes[15], 0xab);
  EXPECT_EQ(u->to_string(), "5aae9bb1-8369-4a2b-9c0d-0123456789ab");
}

TEST(Uuid, RejectsMalformedText) {
  EXPECT_FALSE(Uuid::parse(""));
  EXPECT_FALSE(Uuid::parse("5aae9bb1-8369-4a2b-9c0d-0123456789a"));
  EXPECT_FALSE(Uuid::parse("5aae9bb1x8369-4a2b-9c0d-0123456789ab"));
  EXPECT_FALSE(Uuid::parse("5aae9bb1-8369-4a2b-9c0d-0123456789ag"));
}

TEST(Uuid, RandomIsVersion4AndDiffers) {
  Uuid a = Uuid::random(), b = Uuid::random();
  EXPECT_NE(a, b);
  EXPECT_EQ(a.bytes[6] >> 4, 4);
  EXPECT_EQ(a.bytes[8] & 0xc0, 0x80);
  EXPECT_FALSE(a.is_nil());
  EXPECT_TRUE(Uuid{}.is_nil());
}

}  // namespace
}  // namespace famfs

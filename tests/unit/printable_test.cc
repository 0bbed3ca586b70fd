#include "util/printable.h"

#include <gtest/gtest.h>

#include <string>

namespace famfs {

TEST(Printable, KeepsTextAndUtf8AsTheyAre) {
  EXPECT_EQ(printable("dir/f1 x"), "dir/f1 x");
  EXPECT_EQ(printable("gr\xc3\xbc\xc3\x9f"), "gr\xc3\xbc\xc3\x9f");
  EXPECT_EQ(printable(""), "");
}

TEST(Printable, EscapesControlCharactersDelAndBackslash) {
  EXPECT_EQ(printable("a\nb"), "a\\x0ab");
  EXPECT_EQ(printable(std::string("\0\x1f\x7f", 3)), "\\x00\\x1f\\x7f");
  EXPECT_EQ(printable("a\\x41"), "a\\x5cx41");  // a literal "\x41" cannot pass for an escape
}

}  // namespace famfs

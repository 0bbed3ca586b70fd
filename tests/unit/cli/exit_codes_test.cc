#include "exit_codes.h"

#include <gtest/gtest.h>

#include <set>

namespace famfs::cli {
namespace {

int code(const char* name) { return to_int(exit_code_for_error(name)); }

TEST(CliExitCodes, FamfsErrorsMapToTheirOwnCodes) {
  EXPECT_EQ(code("org.famfs.Famfs1.Error.Failed"), 1);
  EXPECT_EQ(code("org.famfs.Famfs1.Error.IoError"), 1);
  EXPECT_EQ(code("org.famfs.Famfs1.Error.InvalidArgument"), 4);
  EXPECT_EQ(code("org.famfs.Famfs1.Error.InvalidPath"), 4);
  EXPECT_EQ(code("org.famfs.Famfs1.Error.NotFound"), 5);
  EXPECT_EQ(code("org.famfs.Famfs1.Error.NotDirectory"), 5);
  EXPECT_EQ(code("org.famfs.Famfs1.Error.Exists"), 6);
  EXPECT_EQ(code("org.famfs.Famfs1.Error.NoSpace"), 7);
  EXPECT_EQ(code("org.famfs.Famfs1.Error.LogFull"), 8);
  EXPECT_EQ(code("org.famfs.Famfs1.Error.NotMaster"), 9);
  EXPECT_EQ(code("org.famfs.Famfs1.Error.AccessDenied"), 10);
  EXPECT_EQ(code("org.famfs.Famfs1.Error.NotFormatted"), 11);
  EXPECT_EQ(code("org.famfs.Famfs1.Error.DeviceFailed"), 12);
  EXPECT_EQ(code("org.famfs.Famfs1.Error.Corrupt"), 12);
  EXPECT_EQ(code("org.famfs.Famfs1.Error.Busy"), 13);
  EXPECT_EQ(code("org.famfs.Famfs1.Error.Unsupported"), 13);
}

TEST(CliExitCodes, BusErrors) {
  EXPECT_EQ(code("org.freedesktop.DBus.Error.AccessDenied"), 10);
  EXPECT_EQ(code("org.freedesktop.DBus.Error.NoReply"), 15);
  EXPECT_EQ(code("org.freedesktop.DBus.Error.Timeout"), 15);
  EXPECT_EQ(code("org.freedesktop.DBus.Error.ServiceUnknown"), 3);
  EXPECT_EQ(code("org.freedesktop.DBus.Error.NameHasNoOwner"), 3);
  EXPECT_EQ(code("org.freedesktop.DBus.Error.InvalidArgs"), 4);
}

TEST(CliExitCodes, UnknownNamesAreOtherFailures) {
  EXPECT_EQ(code("org.famfs.Famfs1.Error.SomethingNew"), 1);
  EXPECT_EQ(code("org.freedesktop.DBus.Error.UnknownMethod"), 1);
  EXPECT_EQ(code("com.example.Error"), 1);
  EXPECT_EQ(code(""), 1);
  EXPECT_EQ(code("org.famfs.Famfs1.Error."), 1);
}

TEST(CliExitCodes, TableIsAscendingAndCoversEveryCode) {
  std::set<int> seen;
  int last = -1;
  for (const auto& row : exit_code_table()) {
    EXPECT_GT(to_int(row.code), last);
    last = to_int(row.code);
    seen.insert(last);
  }
  for (int c = 0; c <= 15; ++c) EXPECT_TRUE(seen.count(c)) << c;
}

}  // namespace
}  // namespace famfs::cli

#include "error_report.h"

#include <gtest/gtest.h>

namespace famfs::cli {
namespace {

TEST(CliErrorReport, FamfsMessagesStandAsTheyAre) {
  Failure f = describe_error("org.famfs.Famfs1.Error.Exists", "a/b exists", "org.famfs.Famfs1.dax0_0");
  EXPECT_EQ(f.code, ExitCode::exists);
  EXPECT_EQ(f.message, "a/b exists");
  Failure empty = describe_error("org.famfs.Famfs1.Error.LogFull", "", "org.famfs.Famfs1.dax0_0");
  EXPECT_EQ(empty.message, "LogFull");
  Failure multi = describe_error("org.famfs.Famfs1.Error.Failed", "line one\nline two", "");
  EXPECT_EQ(multi.message, "line one line two");
}

TEST(CliErrorReport, MissingInstanceNamesIt) {
  Failure f = describe_error("org.freedesktop.DBus.Error.ServiceUnknown", "The name is not activatable",
                             "org.famfs.Famfs1.dax9_0");
  EXPECT_EQ(f.code, ExitCode::no_instance);
  EXPECT_EQ(f.message, "famfsd instance \"dax9_0\" is not running (no owner of org.famfs.Famfs1.dax9_0)");
  Failure typed = describe_error("org.freedesktop.DBus.Error.ServiceUnknown", "The name is not activatable",
                                 "org.famfs.Famfs1.host_c", "host-c");
  EXPECT_EQ(typed.message, "famfsd instance \"host-c\" is not running (no owner of org.famfs.Famfs1.host_c)")
      << "as the user typed it";
}

TEST(CliErrorReport, BusPolicyTimeoutsAndUnknownErrors) {
  Failure denied = describe_error("org.freedesktop.DBus.Error.AccessDenied", "Rejected send message", "x");
  EXPECT_EQ(denied.code, ExitCode::access_denied);
  EXPECT_EQ(denied.message, "access denied by the D-Bus policy: Rejected send message");
  Failure named = describe_error("org.freedesktop.DBus.Error.AccessDenied",
                                 "Rejected send message, 1 matched rules; type=\"method_call\", sender=\":1.4\" "
                                 "(uid=65534) interface=\"org.famfs.Famfs1.Filesystem\" member=\"Mkdir\" error "
                                 "name=\"(unset)\"",
                                 "org.famfs.Famfs1.a");
  EXPECT_EQ(named.code, ExitCode::access_denied);
  EXPECT_EQ(named.message,
            "access denied by the D-Bus policy: this user may not call Mkdir (changes take root or the famfs group)");
  Failure format = describe_error("org.freedesktop.DBus.Error.AccessDenied",
                                  "Rejected send message, 1 matched rules; type=\"method_call\", sender=\":1.9\" "
                                  "(uid=1000) interface=\"org.famfs.Famfs1.Filesystem\" member=\"Format\"",
                                  "org.famfs.Famfs1.a");
  EXPECT_EQ(format.message, "access denied by the D-Bus policy: only root may format");
  Failure timeout = describe_error("org.freedesktop.DBus.Error.Timeout", "Connection timed out", "org.famfs.Famfs1.a");
  EXPECT_EQ(timeout.code, ExitCode::timeout);
  EXPECT_NE(timeout.message.find("no reply from famfsd instance \"a\""), std::string::npos);
  Failure other = describe_error("com.example.Weird", "odd", "");
  EXPECT_EQ(other.code, ExitCode::failed);
  EXPECT_EQ(other.message, "odd (com.example.Weird)");
}

}  // namespace
}  // namespace famfs::cli

// The boundary between famfs errors and D-Bus errors.
#include "service/bus_errors.h"

#include <gtest/gtest.h>

#include <string>

namespace famfs::service {
namespace {

TEST(BusErrors, EveryErrorCategoryHasItsOwnName) {
  EXPECT_EQ(dbus_error_name(Errc::invalid_argument), "org.famfs.Famfs1.Error.InvalidArgument");
  EXPECT_EQ(dbus_error_name(Errc::memory_error), "org.famfs.Famfs1.Error.DeviceFailed");
  EXPECT_EQ(dbus_error_name(Errc::not_famfs), "org.famfs.Famfs1.Error.NotFormatted");
  EXPECT_EQ(dbus_error_name(Errc::permission_denied), "org.famfs.Famfs1.Error.AccessDenied");
  EXPECT_EQ(dbus_error_name(Errc::busy), "org.famfs.Famfs1.Error.Busy");
}

TEST(BusErrors, AnErrorKeepsItsMessage) {
  sdbus::Error e = to_dbus_error(Error(Errc::exists, "a/b already exists"));
  EXPECT_EQ(e.getName(), "org.famfs.Famfs1.Error.Exists");
  EXPECT_EQ(e.getMessage(), "a/b already exists");
}

TEST(BusErrors, InvalidPathIsRefusedAndTheRootOnlyWhenAllowed) {
  EXPECT_NO_THROW(require_valid_path("a/b"));
  EXPECT_NO_THROW(require_valid_path("", true));
  for (const char* bad : {"", "/a", "a/../b", "a//b"}) {
    try {
      require_valid_path(bad);
      ADD_FAILURE() << "accepted \"" << bad << "\"";
    } catch (const sdbus::Error& e) {
      EXPECT_EQ(e.getName(), "org.famfs.Famfs1.Error.InvalidPath") << bad;
      EXPECT_FALSE(e.getMessage().empty());
    }
  }
}

}  // namespace
}  // namespace famfs::service

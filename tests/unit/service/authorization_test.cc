#include "service/authorization.h"

#include <gtest/gtest.h>

namespace famfs::service {
namespace {

constexpr gid_t kFamfs = 990;

Caller user(uid_t uid, gid_t gid, std::vector<gid_t> groups = {}) { return Caller{uid, gid, std::move(groups)}; }

TEST(Authorization, AnyoneMayRead) {
  EXPECT_TRUE(authorize(user(65534, 65534), Action::read, kFamfs).ok());
  EXPECT_TRUE(authorize(user(65534, 65534), Action::read, std::nullopt).ok());
}

TEST(Authorization, MutationsAreForRootAndTheFamfsGroup) {
  EXPECT_TRUE(authorize(user(0, 0), Action::mutate, std::nullopt).ok());
  EXPECT_TRUE(authorize(user(1000, kFamfs), Action::mutate, kFamfs).ok()) << "primary group";
  EXPECT_TRUE(authorize(user(1000, 1000, {27, kFamfs}), Action::mutate, kFamfs).ok()) << "supplementary group";
  Status denied = authorize(user(1000, 1000, {27}), Action::mutate, kFamfs);
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code(), Errc::permission_denied);
  EXPECT_NE(denied.error().message().find("1000"), std::string::npos);
  EXPECT_FALSE(authorize(user(1000, kFamfs), Action::mutate, std::nullopt).ok())
      << "without a famfs group only root mutates";
}

TEST(Authorization, OnlyRootFormats) {
  EXPECT_TRUE(authorize(user(0, 0), Action::format, kFamfs).ok());
  EXPECT_FALSE(authorize(user(1000, kFamfs), Action::format, kFamfs).ok());
}

TEST(Authorization, NewFilesBelongToTheCallerByDefault) {
  auto o = resolve_owner(user(1000, 1001), std::nullopt, std::nullopt);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->uid, 1000u);
  EXPECT_EQ(o->gid, 1001u);
}

TEST(Authorization, OnlyRootGivesFilesToOthers) {
  EXPECT_TRUE(resolve_owner(user(0, 0), 1234u, 5678u).ok());
  auto other_user = resolve_owner(user(1000, 1000), 1234u, std::nullopt);
  ASSERT_FALSE(other_user.ok());
  EXPECT_EQ(other_user.error().code(), Errc::permission_denied);
  EXPECT_FALSE(resolve_owner(user(1000, 1000), std::nullopt, 5678u).ok()) << "a group the caller is not in";
  EXPECT_TRUE(resolve_owner(user(1000, 1000, {5678}), 1000u, 5678u).ok()) << "own uid, own supplementary group";
}

}  // namespace
}  // namespace famfs::service

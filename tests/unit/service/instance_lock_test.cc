// One famfsd per device and host: the second lock on the same device and
// system UUID is refused, naming the holder; another UUID or device is fine.
#include "service/instance_lock.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <string>

namespace famfs::service {
namespace {

const Uuid kHost = *Uuid::parse("11111111-2222-4333-8444-555555555555");
const Uuid kOther = *Uuid::parse("99999999-2222-4333-8444-555555555555");
const Uuid kBoot = *Uuid::parse("aaaaaaaa-2222-4333-8444-555555555555");
const Uuid kOtherBoot = *Uuid::parse("bbbbbbbb-2222-4333-8444-555555555555");

class InstanceLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char d[] = "/tmp/famfs-lock-XXXXXX";
    ASSERT_NE(mkdtemp(d), nullptr);
    dir_ = d;
    dev_ = dir_ + "/device";
    dev2_ = dir_ + "/device2";
    for (const std::string& p : {dev_, dev2_}) {
      FILE* f = fopen(p.c_str(), "w");
      ASSERT_NE(f, nullptr);
      fclose(f);
    }
  }
  void TearDown() override { (void)!system(("rm -rf " + dir_).c_str()); }
  std::string dir_, dev_, dev2_;
};

TEST_F(InstanceLockTest, ASecondDaemonForTheSameDeviceAndHostIsRefused) {
  auto first = InstanceLock::acquire(dir_ + "/run", dev_, kHost, kBoot);
  ASSERT_TRUE(first.ok()) << first.error().message();
  auto second = InstanceLock::acquire(dir_ + "/run", dev_, kHost, kBoot);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code(), Errc::busy);
  EXPECT_NE(second.error().message().find(dev_ + " is served by another famfsd on this host (pid " +
                                          std::to_string(getpid()) + ")"),
            std::string::npos)
      << second.error().message();
}

TEST_F(InstanceLockTest, OtherDevicesAndEmulatedHostsDoNotConflict) {
  auto a = InstanceLock::acquire(dir_, dev_, kHost, kBoot);
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(InstanceLock::acquire(dir_, dev2_, kHost, kBoot).ok());
  EXPECT_TRUE(InstanceLock::acquire(dir_, dev_, kOther, kBoot).ok())
      << "another system UUID is another (emulated) host";
  EXPECT_TRUE(InstanceLock::acquire(dir_, dev_, kHost, kOtherBoot).ok()) << "so is another boot id (a cloned host)";
}

TEST_F(InstanceLockTest, TheLockIsFreeAgainOnceItsHolderGoes) {
  {
    auto a = InstanceLock::acquire(dir_, dev_, kHost, kBoot);
    ASSERT_TRUE(a.ok());
  }
  EXPECT_TRUE(InstanceLock::acquire(dir_, dev_, kHost, kBoot).ok());
  EXPECT_EQ(InstanceLock::acquire(dir_, dir_ + "/missing", kHost, kBoot).error().code(), Errc::not_found);
}

}  // namespace
}  // namespace famfs::service

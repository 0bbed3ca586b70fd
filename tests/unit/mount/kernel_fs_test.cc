// The Linux KernelFs where it needs neither famfs.ko nor a device: what a
// mount point path is, what a device path is, errno naming.
#include "mount/kernel_fs.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <string>

namespace famfs::mount {
namespace {

class LinuxKernelFsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char d[] = "/tmp/famfs-kfs-XXXXXX";
    ASSERT_NE(mkdtemp(d), nullptr);
    dir_ = d;
    fs_ = make_linux_kernel_fs();
  }
  void TearDown() override { (void)!system(("rm -rf " + dir_).c_str()); }
  std::string dir_;
  std::unique_ptr<KernelFs> fs_;
};

TEST_F(LinuxKernelFsTest, InspectTellsMissingFileEmptyNonEmptyAndMountedApart) {
  EXPECT_EQ(fs_->inspect(dir_ + "/missing")->state, MountPointState::missing);
  std::ofstream(dir_ + "/file") << "x";
  EXPECT_EQ(fs_->inspect(dir_ + "/file")->state, MountPointState::not_directory);
  ASSERT_TRUE(fs_->make_directories(dir_ + "/a/b/c").ok());
  EXPECT_EQ(fs_->inspect(dir_ + "/a/b/c")->state, MountPointState::empty_directory);
  EXPECT_EQ(fs_->inspect(dir_ + "/a")->state, MountPointState::not_empty);
  auto proc = fs_->inspect("/proc");
  ASSERT_TRUE(proc.ok());
  EXPECT_EQ(proc->state, MountPointState::mounted);
  EXPECT_EQ(proc->fstype, "proc");
}

TEST_F(LinuxKernelFsTest, DevicesAreClassifiedForTheBackendChoice) {
  std::ofstream(dir_ + "/image") << "x";
  EXPECT_EQ(*fs_->classify_device(dir_ + "/image"), DeviceClass::regular_file);
  EXPECT_EQ(*fs_->classify_device("/dev/null"), DeviceClass::other) << "a character device that is not device-dax";
  auto missing = fs_->classify_device(dir_ + "/none");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), Errc::not_found);
  EXPECT_TRUE(fs_->same_device("/dev/null", "/dev/null"));
  EXPECT_FALSE(fs_->same_device("/dev/null", "/dev/zero"));
}

TEST(KernelFsErrors, ErrnoErrorsNameTheCallAndTheErrno) {
  Error e = errno_error("mkdir a/b", EEXIST);
  EXPECT_EQ(e.code(), Errc::exists);
  EXPECT_EQ(e.message(), "mkdir a/b: File exists (EEXIST)");
  EXPECT_TRUE(is_errno(e, EEXIST));
  EXPECT_FALSE(is_errno(e, EIO));
  EXPECT_EQ(errno_error("flock", EWOULDBLOCK).code(), Errc::busy);
  EXPECT_EQ(errno_error("umount", EBUSY).code(), Errc::busy);
  EXPECT_EQ(errno_error("x", EIO).code(), Errc::io_error);
}

}  // namespace
}  // namespace famfs::mount

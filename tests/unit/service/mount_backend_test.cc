// Which backend famfsd picks: auto/kernel/none against the device class and
// whether famfs.ko is loaded.
#include "service/mount_backend.h"

#include <gtest/gtest.h>

#include "mount/fake_kernel_fs.h"

namespace famfs::service {
namespace {

struct Pick {
  Result<std::unique_ptr<MountBackend>> backend;
  std::string why;
};

Pick pick(BackendChoice choice, mount::DeviceClass cls, bool registered) {
  mount::FakeKernelFs::State st;
  st.device_class = cls;
  st.registered = registered;
  std::string why;
  BackendRequest req{choice, "/dev/x", "/run/famfs/x", false};
  auto b = make_backend(req, std::make_unique<mount::FakeKernelFs>(&st), why);
  return Pick{std::move(b), why};
}

TEST(MountBackendChoice, AutoPicksTheKernelForPmemAndDevdaxWhenTheModuleIsLoaded) {
  for (auto cls : {mount::DeviceClass::pmem, mount::DeviceClass::devdax}) {
    auto p = pick(BackendChoice::automatic, cls, true);
    ASSERT_TRUE(p.backend.ok());
    EXPECT_STREQ((*p.backend)->name(), "kernel");
    EXPECT_NE(p.why.find("mounting on /run/famfs/x"), std::string::npos) << p.why;
  }
}

TEST(MountBackendChoice, AutoPicksNoneAndSaysWhy) {
  auto file = pick(BackendChoice::automatic, mount::DeviceClass::regular_file, true);
  ASSERT_TRUE(file.backend.ok());
  EXPECT_STREQ((*file.backend)->name(), "none");
  EXPECT_EQ(file.why,
            "/dev/x is a regular file; famfs.ko mounts only pmem and device-dax devices: serving metadata only");
  auto unloaded = pick(BackendChoice::automatic, mount::DeviceClass::devdax, false);
  ASSERT_TRUE(unloaded.backend.ok());
  EXPECT_STREQ((*unloaded.backend)->name(), "none");
  EXPECT_EQ(unloaded.why,
            "famfs.ko is not loaded (no famfs in /proc/filesystems; modprobe famfs): serving metadata only");
}

TEST(MountBackendChoice, KernelIsRefusedWithTheReasonWhenItCannotWork) {
  auto file = pick(BackendChoice::kernel, mount::DeviceClass::regular_file, true);
  ASSERT_FALSE(file.backend.ok());
  EXPECT_EQ(file.backend.error().code(), Errc::unsupported);
  EXPECT_EQ(file.backend.error().message(),
            "backend kernel: /dev/x is a regular file; famfs.ko mounts only pmem and device-dax devices");
  auto other = pick(BackendChoice::kernel, mount::DeviceClass::other, true);
  ASSERT_FALSE(other.backend.ok());
  auto unloaded = pick(BackendChoice::kernel, mount::DeviceClass::pmem, false);
  ASSERT_FALSE(unloaded.backend.ok());
  EXPECT_NE(unloaded.backend.error().message().find("famfs.ko is not loaded"), std::string::npos);
  auto ok = pick(BackendChoice::kernel, mount::DeviceClass::pmem, true);
  ASSERT_TRUE(ok.backend.ok());
  EXPECT_STREQ((*ok.backend)->name(), "kernel");
}

TEST(MountBackendChoice, NoneIsNoneWhateverTheDevice) {
  auto p = pick(BackendChoice::none, mount::DeviceClass::pmem, true);
  ASSERT_TRUE(p.backend.ok());
  EXPECT_STREQ((*p.backend)->name(), "none");
}

}  // namespace
}  // namespace famfs::service

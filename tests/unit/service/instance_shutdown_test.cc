// The instance and famfs.ko's shutdown of its mount: the reason from
// FAMFSIOC_GET_STATE (or the EIO probe of an older module), and a removal
// of the device (FAMFSIOC_SHUTDOWN, failed, unmount), with the fake KernelFs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "engine/format.h"
#include "mount/fake_kernel_fs.h"
#include "mount/kernel_backend.h"
#include "service/instance.h"
#include "service/log.h"
#include "service/shm_device_fixture.h"

namespace famfs::service {
namespace {

using testing::kClient;
using testing::kMaster;
using testing::kMiB;

class InstanceShutdownTest : public testing::ShmDeviceTest {
 protected:
  InstanceShutdownTest() : ShmDeviceTest(64 * kMiB) {}
  std::unique_ptr<Instance> make_mounted(const Uuid& uuid, mount::FakeKernelFs::State& fs) {
    mount::KernelBackendOptions o;
    o.mountpoint = "/run/famfs/test";
    return std::make_unique<Instance>(
        InstanceSettings{path_, "test", uuid, {}},
        std::make_unique<mount::KernelBackend>(std::make_unique<mount::FakeKernelFs>(&fs), std::move(o)),
        InstanceEvents{});
  }
};

TEST_F(InstanceShutdownTest, AFamfsKoWithoutGetStateIsProbedWithMapGet) {
  format();
  mount::FakeKernelFs::State fs;
  fs.has_get_state = false;
  auto master = make_mounted(kMaster, fs);
  master->start();
  master->check_mount();
  EXPECT_EQ(master->state(), InstanceState::ready);
  fs.shut_down = true;
  master->check_mount();
  EXPECT_EQ(master->state(), InstanceState::failed);
  EXPECT_EQ(master->state_reason().rfind("famfs.ko shut the mount /run/famfs/test down (memory failure or a vanished "
                                         "device): FAMFSIOC_MAP_GET_V2: Input/output error (EIO)",
                                         0),
            0u)
      << master->state_reason();
}

TEST_F(InstanceShutdownTest, ADeviceRemovalShutsTheMountDownAndFails) {
  format();
  mount::FakeKernelFs::State fs;
  auto master = make_mounted(kMaster, fs);
  master->start();
  ASSERT_EQ(master->state(), InstanceState::ready);
  master->device_removed("udev remove of block device pmem0");
  EXPECT_EQ(fs.shutdowns, 1);
  EXPECT_EQ(master->state(), InstanceState::failed);
  EXPECT_EQ(master->state_reason(),
            "the device was removed (udev remove of block device pmem0); famfs.ko shut the mount /run/famfs/test "
            "down: shut down by FAMFSIOC_SHUTDOWN (an administrator or famfsd)");
  auto problems = master->problems();
  ASSERT_FALSE(problems.empty());
  EXPECT_EQ(problems.back().kind, ProblemKind::memory_error);
  master->stop();
  EXPECT_FALSE(fs.mounted) << "unmounted after the shutdown";
}

TEST_F(InstanceShutdownTest, AShutdownByTheModuleKeepsItsReason) {
  format();
  mount::FakeKernelFs::State fs;
  auto master = make_mounted(kMaster, fs);
  master->start();
  fs.shut_down = true;  // the module's watch saw the device dying first
  fs.shutdown_reason = FAMFS_REASON_DEVICE_GONE;
  master->device_removed("udev unbind of dax device dax0.0");
  EXPECT_EQ(master->state_reason(),
            "the device was removed (udev unbind of dax device dax0.0); famfs.ko shut the mount /run/famfs/test "
            "down: the device went away (unbound or removed)");
}

}  // namespace
}  // namespace famfs::service

// famfsd stopping while files of its famfs.ko mount are still open or
// mapped: with deletion on the mount stays (the next famfsd adopts it) and
// the host's slot is not marked stopped, so it keeps holding removed files'
// memory; without deletion the mount is detached lazily as before.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "device/device.h"
#include "engine/format.h"
#include "engine/host_registry.h"
#include "engine/superblock_read.h"
#include "mount/fake_kernel_fs.h"
#include "mount/kernel_backend.h"
#include "service/instance.h"
#include "service/shm_device_fixture.h"

namespace famfs::service {
namespace {

using testing::kMaster;
using testing::kMiB;

class InstanceStopTest : public testing::ShmDeviceTest {
 protected:
  InstanceStopTest() : ShmDeviceTest(64 * kMiB) {}
  // A master on the fake famfs.ko FS, started and with one heartbeat
  // written (its slot in the host area).
  std::unique_ptr<Instance> started(mount::FakeKernelFs::State& fs) {
    mount::KernelBackendOptions o;
    o.mountpoint = "/run/famfs/test";
    auto inst = std::make_unique<Instance>(
        InstanceSettings{path_, "test", kMaster, {}},
        std::make_unique<mount::KernelBackend>(std::make_unique<mount::FakeKernelFs>(&fs), std::move(o)),
        InstanceEvents{});
    inst->start();
    inst->heartbeat();
    return inst;
  }
  // The state this host's slot shows in the host area.
  std::string slot_state() {
    auto dev = open_device(path_, OpenMode::read_only);
    EXPECT_TRUE(dev.ok());
    auto sb = read_superblock(**dev);
    EXPECT_TRUE(sb.ok());
    auto view = read_host_area(**dev, sb->record.fs_uuid, true);
    EXPECT_TRUE(view.ok());
    if (!view.ok() || view->hosts.size() != 1) return "no slot";
    return omf::host_state_name(view->hosts[0].record.state);
  }
};

TEST_F(InstanceStopTest, WithDeletionABusyMountStaysAndTheSlotKeepsHolding) {
  ASSERT_NO_FATAL_FAILURE(format(true));
  mount::FakeKernelFs::State fs;
  auto master = started(fs);
  ASSERT_EQ(slot_state(), "ready");
  fs.busy_unmounts = 1;  // a file is open or mapped
  fs.calls.clear();
  master->stop();
  EXPECT_TRUE(fs.mounted) << "left for the next famfsd to adopt";
  EXPECT_EQ(fs.calls, (std::vector<std::string>{"umount /run/famfs/test"})) << "no lazy detach";
  EXPECT_EQ(slot_state(), "ready") << "not marked stopped: it goes stale and holds";
}

TEST_F(InstanceStopTest, WithDeletionAnIdleMountIsUnmountedAndTheSlotStopped) {
  ASSERT_NO_FATAL_FAILURE(format(true));
  mount::FakeKernelFs::State fs;
  auto master = started(fs);
  master->stop();
  EXPECT_FALSE(fs.mounted);
  EXPECT_EQ(slot_state(), "stopped");
}

TEST_F(InstanceStopTest, WithoutDeletionABusyMountIsDetachedLazilyAndTheSlotStopped) {
  ASSERT_NO_FATAL_FAILURE(format(false));
  mount::FakeKernelFs::State fs;
  auto master = started(fs);
  fs.busy_unmounts = 1;
  fs.calls.clear();
  master->stop();
  EXPECT_FALSE(fs.mounted);
  EXPECT_EQ(fs.calls, (std::vector<std::string>{"umount /run/famfs/test", "umount -l /run/famfs/test"}));
  EXPECT_EQ(slot_state(), "stopped") << "nothing is ever reused without deletion";
}

}  // namespace
}  // namespace famfs::service

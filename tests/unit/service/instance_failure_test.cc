// Instance failures name where they happened: the device, the superblock,
// the log, the mount (a memory error is always memory_error).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "engine/format.h"
#include "mount/fake_kernel_fs.h"
#include "mount/kernel_backend.h"
#include "omf/layout.h"
#include "service/instance.h"
#include "service/log.h"

namespace famfs::service {
namespace {

constexpr uint64_t kMiB = 1ULL << 20;
const Uuid kMaster = *Uuid::parse("11111111-2222-4333-8444-555555555555");
const Uuid kClient = *Uuid::parse("99999999-2222-4333-8444-555555555555");

class InstanceFailureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    set_log_level(LogLevel::crit);
    char name[] = "/dev/shm/famfs-fail-XXXXXX";
    int fd = mkstemp(name);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(ftruncate(fd, 256 * kMiB), 0);
    close(fd);
    path_ = name;
  }
  void TearDown() override { unlink(path_.c_str()); }

  void format() {
    auto dev = open_device(path_, OpenMode::read_write);
    ASSERT_TRUE(dev.ok());
    FormatOptions o;
    o.system_uuid = kMaster;
    ASSERT_TRUE(format_device(**dev, o).ok());
  }
  // Overwrites BYTES at OFFSET of the device file (damage from outside).
  void scribble(uint64_t offset, const std::string& bytes) {
    int fd = open(path_.c_str(), O_WRONLY);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(offset)), static_cast<ssize_t>(bytes.size()));
    close(fd);
  }
  std::unique_ptr<Instance> make(const Uuid& uuid, std::unique_ptr<MountBackend> backend = make_none_backend()) {
    return std::make_unique<Instance>(InstanceSettings{path_, "test", uuid, {}}, std::move(backend), InstanceEvents{});
  }
  // The kind of the last problem, which is the failure's.
  static std::string last_kind(const Instance& inst) {
    auto problems = inst.problems();
    return problems.empty() ? "" : std::string(problem_kind_name(problems.back().kind));
  }

  std::string path_;
};

TEST_F(InstanceFailureTest, ADeviceThatCannotBeOpenedIsADeviceProblem) {
  std::string missing = path_ + "-missing";
  auto inst =
      std::make_unique<Instance>(InstanceSettings{missing, "test", kMaster, {}}, make_none_backend(), InstanceEvents{});
  inst->start();
  EXPECT_EQ(inst->state(), InstanceState::failed);
  EXPECT_EQ(last_kind(*inst), "device");
}

TEST_F(InstanceFailureTest, AnInvalidSuperblockIsASuperblockProblem) {
  format();
  scribble(0x60, std::string(4, '\x5a'));  // the CRC: magic intact, record invalid
  auto inst = make(kMaster);
  inst->start();
  EXPECT_EQ(inst->state(), InstanceState::failed);
  EXPECT_EQ(last_kind(*inst), "superblock");
}

TEST_F(InstanceFailureTest, AnUnreadableLogHeaderIsALogHeaderProblem) {
  format();
  auto client = make(kClient);
  client->start();
  ASSERT_EQ(client->state(), InstanceState::ready);
  scribble(omf::kLogOffset, std::string(8, '\0'));  // the log header's magic
  EXPECT_EQ(client->poll(), 0u);
  EXPECT_EQ(client->state(), InstanceState::failed);
  EXPECT_EQ(last_kind(*client), "log_header");
}

TEST_F(InstanceFailureTest, ARefusedMountIsAMountProblem) {
  format();
  mount::FakeKernelFs::State fs;
  fs.mount_point.state = mount::MountPointState::not_empty;
  mount::KernelBackendOptions o;
  o.mountpoint = "/run/famfs/test";
  auto master =
      make(kMaster, std::make_unique<mount::KernelBackend>(std::make_unique<mount::FakeKernelFs>(&fs), std::move(o)));
  master->start();
  EXPECT_EQ(master->state(), InstanceState::failed);
  EXPECT_EQ(last_kind(*master), "mount");
}

}  // namespace
}  // namespace famfs::service

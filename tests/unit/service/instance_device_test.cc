// Instance with its device from an injected factory: the fake device of the
// engine tests (anonymous memory, recorded flushes, injectable memory
// errors) instead of a /dev/shm file, and the fake kernel backend.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "../fake_device.h"
#include "engine/format.h"
#include "mount/fake_kernel_fs.h"
#include "mount/kernel_backend.h"
#include "service/instance.h"
#include "service/log.h"

namespace famfs::service {
namespace {

using famfs::testing::FakeDevice;

constexpr uint64_t kMiB = 1ULL << 20;
const Uuid kMaster = *Uuid::parse("11111111-2222-4333-8444-555555555555");

class InstanceDeviceTest : public ::testing::Test {
 protected:
  void SetUp() override { set_log_level(LogLevel::crit); }

  // A formatted fake device the next factory call hands out.
  void make_device(bool formatted = true) {
    next_ = std::make_unique<FakeDevice>(64 * kMiB, "/dev/fake0");
    dev_ = next_.get();
    if (formatted) {
      FormatOptions o;
      o.system_uuid = kMaster;
      ASSERT_TRUE(format_device(*next_, o).ok());
      dev_->clear_log();
    }
  }
  // The factory: records each request, refuses read_write when told to.
  DeviceFactory factory() {
    return [this](const std::string& path, OpenMode mode) -> Result<std::unique_ptr<Device>> {
      asked_.emplace_back(path, mode);
      if (mode == OpenMode::read_write && refuse_write_) return Error(Errc::permission_denied, "read-write refused");
      if (!next_) return Error(Errc::not_found, path + ": no such device");
      if (mode == OpenMode::read_only) next_->set_writable(false);
      return std::unique_ptr<Device>(std::move(next_));
    };
  }
  std::unique_ptr<Instance> make(std::unique_ptr<MountBackend> backend = make_none_backend()) {
    InstanceEvents ev;
    ev.file_created = [this](const std::string& p, uint64_t) { files_.push_back(p); };
    return std::make_unique<Instance>(InstanceSettings{"/dev/fake0", "fake", kMaster, {}}, std::move(backend), ev,
                                      factory());
  }

  std::unique_ptr<FakeDevice> next_;
  FakeDevice* dev_ = nullptr;
  bool refuse_write_ = false;
  std::vector<std::pair<std::string, OpenMode>> asked_;
  std::vector<std::string> files_;
};

TEST_F(InstanceDeviceTest, StartOpensTheConfiguredPathReadWriteThroughTheFactory) {
  make_device();
  auto inst = make();
  inst->start();
  ASSERT_EQ(inst->state(), InstanceState::ready) << inst->state_reason();
  ASSERT_EQ(asked_.size(), 1u);
  EXPECT_EQ(asked_[0].first, "/dev/fake0");
  EXPECT_EQ(asked_[0].second, OpenMode::read_write);
  EXPECT_EQ(inst->device(), dev_);
  EXPECT_EQ(inst->role(), Role::master);
}

TEST_F(InstanceDeviceTest, ARefusedReadWriteOpenFallsBackToReadOnlyAndWritesAreRefused) {
  make_device();
  refuse_write_ = true;
  auto inst = make();
  inst->start();
  ASSERT_EQ(asked_.size(), 2u);
  EXPECT_EQ(asked_[1].second, OpenMode::read_only);
  ASSERT_NE(inst->volume(), nullptr) << inst->state_reason();
  FileRequest f;
  f.path = "f";
  f.size = kMiB;
  f.mode = 0644;
  Status s = inst->create_file(f, true);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), Errc::permission_denied);
  EXPECT_TRUE(files_.empty());
}

TEST_F(InstanceDeviceTest, ADeviceThatCannotBeOpenedFailsTheInstanceAsADeviceProblem) {
  auto inst = make();  // no device: the factory answers not_found
  inst->start();
  EXPECT_EQ(inst->state(), InstanceState::failed);
  EXPECT_NE(inst->state_reason().find("no such device"), std::string::npos) << inst->state_reason();
  auto problems = inst->problems();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].kind, ProblemKind::device);
}

TEST_F(InstanceDeviceTest, AMemoryErrorInTheSuperblockFailsTheInstanceAsAMemoryError) {
  make_device();
  dev_->poison(0, 4096);
  auto inst = make();
  inst->start();
  EXPECT_EQ(inst->state(), InstanceState::failed);
  auto problems = inst->problems();
  ASSERT_FALSE(problems.empty());
  EXPECT_EQ(problems.back().kind, ProblemKind::memory_error);
}

TEST_F(InstanceDeviceTest, CreateFileZeroesExactlyTheNewFilesSpace) {
  make_device();
  auto inst = make();
  inst->start();
  FileRequest f;
  f.path = "zeroed";
  f.size = 3 * kMiB;
  f.mode = 0644;
  ASSERT_TRUE(inst->create_file(f, true).ok());
  const Node* n = inst->volume()->state().names().find("zeroed");
  ASSERT_NE(n, nullptr);
  ASSERT_EQ(dev_->zeroed.size(), n->map.extents.size());
  EXPECT_EQ(dev_->zeroed[0].offset, n->map.extents[0].offset);
  EXPECT_EQ(dev_->zeroed[0].len, n->map.extents[0].len);
  EXPECT_EQ(files_, std::vector<std::string>{"zeroed"});
}

TEST_F(InstanceDeviceTest, TheFakeKernelBackendMountsTheFakeDeviceAndPublishesNewFiles) {
  make_device();
  mount::FakeKernelFs::State fs;
  mount::KernelBackendOptions o;
  o.mountpoint = "/run/famfs/fake";
  auto inst = make(std::make_unique<mount::KernelBackend>(std::make_unique<mount::FakeKernelFs>(&fs), std::move(o)));
  inst->start();
  ASSERT_EQ(inst->state(), InstanceState::ready) << inst->state_reason();
  EXPECT_EQ(inst->backend().mountpoint(), "/run/famfs/fake");
  FileRequest f;
  f.path = "pub";
  f.size = kMiB;
  f.mode = 0644;
  ASSERT_TRUE(inst->create_file(f, true).ok());
  EXPECT_TRUE(fs.mounted);
  EXPECT_EQ(fs.mounted_device, "/dev/fake0");
  ASSERT_EQ(fs.nodes.count("pub"), 1u) << "the new file is in the (fake) mount";
  EXPECT_TRUE(fs.nodes["pub"].mapped);
}

}  // namespace
}  // namespace famfs::service

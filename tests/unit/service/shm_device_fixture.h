// A /dev/shm file as the device of the Instance tests (Instance opens its
// device by path), removed after each test; format() puts famfs on it as
// kMaster. The fixture of instance_test, instance_failure_test,
// instance_shutdown_test and instance_stop_test. ReadyInstanceTest adds a
// started Instance without a mount (the none backend), ready: the fixture
// of reservations_test and transfer_test.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "engine/format.h"
#include "service/instance.h"
#include "service/log.h"
#include "service/mount_backend.h"

namespace famfs::service::testing {

constexpr uint64_t kMiB = 1ULL << 20;
inline const Uuid kMaster = *Uuid::parse("11111111-2222-4333-8444-555555555555");
inline const Uuid kClient = *Uuid::parse("99999999-2222-4333-8444-555555555555");

class ShmDeviceTest : public ::testing::Test {
 protected:
  explicit ShmDeviceTest(uint64_t size) : size_(size) {}

  void SetUp() override {
    set_log_level(LogLevel::crit);  // the state changes are asserted, not logged
    char name[] = "/dev/shm/famfs-inst-XXXXXX";
    int fd = mkstemp(name);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(ftruncate(fd, static_cast<off_t>(size_)), 0);
    close(fd);
    path_ = name;
  }
  void TearDown() override {
    if (!path_.empty()) unlink(path_.c_str());
  }

  void format(bool enable_delete = false) {
    auto dev = open_device(path_, OpenMode::read_write);
    ASSERT_TRUE(dev.ok());
    FormatOptions o;
    o.system_uuid = kMaster;
    o.enable_delete = enable_delete;
    ASSERT_TRUE(format_device(**dev, o).ok());
  }

  std::string path_;

 private:
  uint64_t size_;
};

class ReadyInstanceTest : public ShmDeviceTest {
 protected:
  explicit ReadyInstanceTest(uint64_t size) : ShmDeviceTest(size) {}

  void SetUp() override {
    ShmDeviceTest::SetUp();
    ASSERT_NO_FATAL_FAILURE(format());
    inst_ =
        std::make_unique<Instance>(InstanceSettings{path_, "test", kMaster, {}}, make_none_backend(), InstanceEvents{});
    inst_->start();
    ASSERT_EQ(inst_->state(), InstanceState::ready);
  }
  void TearDown() override {
    inst_.reset();
    ShmDeviceTest::TearDown();
  }

  uint64_t free_bytes() const { return inst_->volume()->state().allocator().free_bytes(); }
  const Node* find(const std::string& path) const { return inst_->volume()->state().names().find(path); }

  std::unique_ptr<Instance> inst_;
};

}  // namespace famfs::service::testing

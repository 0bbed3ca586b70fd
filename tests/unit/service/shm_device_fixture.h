// ShmDeviceTest (shm_device_fixture_base.h) as the device of the Instance
// tests (Instance opens its device by path). The fixture of instance_test, instance_failure_test,
// instance_shutdown_test and instance_stop_test. ReadyInstanceTest adds a
// started Instance without a mount (the none backend), ready: the fixture
// of reservations_test and transfer_test.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "service/instance.h"
#include "service/mount_backend.h"
#include "shm_device_fixture_base.h"

namespace famfs::service::testing {

using test_support::kClient;
using test_support::kMaster;
using test_support::kMiB;
using test_support::ShmDeviceTest;

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

// ShmDeviceTest (shm_device_fixture_base.h) of 128 MiB, formatted as famfs
// by kMaster and open read-write as dev_, with the members a kernel backend
// test drives (the fake famfs.ko's state, the backend, its notices); after
// each test the backend, the volume and the device go, in that order, and
// the file is removed. The fixture of kernel_backend_test and
// delete_backend_test.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "mount/fake_kernel_fs.h"
#include "mount/kernel_backend.h"
#include "shm_device_fixture_base.h"

namespace famfs::mount::testing {

using test_support::kClient;
using test_support::kMaster;
using test_support::kMiB;

class FormattedDeviceTest : public test_support::ShmDeviceTest {
 protected:
  explicit FormattedDeviceTest(bool enable_delete) : ShmDeviceTest(128 * kMiB), enable_delete_(enable_delete) {}

  void SetUp() override {
    ShmDeviceTest::SetUp();
    ASSERT_NO_FATAL_FAILURE(format(enable_delete_));
    auto dev = open_device(path_, OpenMode::read_write);
    ASSERT_TRUE(dev.ok());
    dev_ = std::move(dev.value());
  }
  void TearDown() override {
    backend_.reset();
    volume_.reset();
    dev_.reset();
    ShmDeviceTest::TearDown();
  }

  std::unique_ptr<Device> dev_;
  std::unique_ptr<Volume> volume_;
  FakeKernelFs::State fs_;
  std::unique_ptr<KernelBackend> backend_;
  std::vector<std::string> notices_;

 private:
  bool enable_delete_;
};

}  // namespace famfs::mount::testing

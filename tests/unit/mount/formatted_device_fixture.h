// A /dev/shm file formatted as famfs by kMaster and open read-write as
// dev_, with the members a kernel backend test drives (the fake famfs.ko's
// state, the backend, its notices); after each test the backend, the
// volume and the device go, in that order, and the file is removed. The
// fixture of kernel_backend_test and delete_backend_test.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "engine/format.h"
#include "mount/fake_kernel_fs.h"
#include "mount/kernel_backend.h"

namespace famfs::mount::testing {

constexpr uint64_t kMiB = 1ULL << 20;
inline const Uuid kMaster = *Uuid::parse("11111111-2222-4333-8444-555555555555");
inline const Uuid kClient = *Uuid::parse("99999999-2222-4333-8444-555555555555");

class FormattedDeviceTest : public ::testing::Test {
 protected:
  explicit FormattedDeviceTest(bool enable_delete) : enable_delete_(enable_delete) {}

  void SetUp() override {
    char name[] = "/dev/shm/famfs-kb-XXXXXX";
    int fd = mkstemp(name);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(ftruncate(fd, 128 * kMiB), 0);
    close(fd);
    path_ = name;
    auto dev = open_device(path_, OpenMode::read_write);
    ASSERT_TRUE(dev.ok());
    dev_ = std::move(dev.value());
    FormatOptions o;
    o.system_uuid = kMaster;
    o.enable_delete = enable_delete_;
    ASSERT_TRUE(format_device(*dev_, o).ok());
  }
  void TearDown() override {
    backend_.reset();
    volume_.reset();
    dev_.reset();
    unlink(path_.c_str());
  }

  std::string path_;
  std::unique_ptr<Device> dev_;
  std::unique_ptr<Volume> volume_;
  FakeKernelFs::State fs_;
  std::unique_ptr<KernelBackend> backend_;
  std::vector<std::string> notices_;

 private:
  bool enable_delete_;
};

}  // namespace famfs::mount::testing

// A /dev/shm file of a given size as a test's device, removed after each
// test; format() puts famfs on it as kMaster. The base of the Instance
// fixtures (service/shm_device_fixture.h) and of the kernel backend fixture
// (mount/formatted_device_fixture.h).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "engine/format.h"
#include "service/log.h"

namespace famfs::test_support {

constexpr uint64_t kMiB = 1ULL << 20;
inline const Uuid kMaster = *Uuid::parse("11111111-2222-4333-8444-555555555555");
inline const Uuid kClient = *Uuid::parse("99999999-2222-4333-8444-555555555555");

class ShmDeviceTest : public ::testing::Test {
 protected:
  explicit ShmDeviceTest(uint64_t size) : size_(size) {}

  void SetUp() override {
    service::set_log_level(service::LogLevel::crit);  // the state changes are asserted, not logged
    char name[] = "/dev/shm/famfs-test-XXXXXX";
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

}  // namespace famfs::test_support

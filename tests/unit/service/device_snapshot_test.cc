// DeviceSnapshot on a /dev/shm device: unchanged bytes match what was kept,
// any changed byte does not, and read errors never match.
#include "service/device_snapshot.h"

#include <array>
#include <gtest/gtest.h>

#include <cstring>

#include "shm_device_fixture_base.h"

namespace famfs::service {
namespace {

class DeviceSnapshotTest : public test_support::ShmDeviceTest {
 protected:
  DeviceSnapshotTest() : ShmDeviceTest(1 << 20) {}
  void SetUp() override {
    ShmDeviceTest::SetUp();
    auto d = open_device(path_, OpenMode::read_write);
    ASSERT_TRUE(d);
    dev_ = std::move(d.value());
  }
  void TearDown() override {
    dev_.reset();
    ShmDeviceTest::TearDown();
  }
  void poke(uint64_t off, uint8_t v) { ASSERT_TRUE(dev_->write(off, &v, 1)); }

  std::unique_ptr<Device> dev_;
};

TEST_F(DeviceSnapshotTest, MatchesOnlyAfterKeepAndUntilAByteChanges) {
  DeviceSnapshot s(4096, 64);
  ASSERT_TRUE(s.read(*dev_));
  EXPECT_FALSE(s.matches_kept());  // nothing kept yet
  s.keep();
  EXPECT_TRUE(s.matches_kept());
  ASSERT_TRUE(s.read(*dev_));
  EXPECT_TRUE(s.matches_kept());
  for (uint64_t off : {4096u, 4096u + 31, 4096u + 63}) {
    poke(off, 0x5a);
    ASSERT_TRUE(s.read(*dev_));
    EXPECT_FALSE(s.matches_kept()) << off;
    EXPECT_EQ(s.last()[off - 4096], 0x5a);
    poke(off, 0);
    ASSERT_TRUE(s.read(*dev_));
    EXPECT_TRUE(s.matches_kept()) << off;
  }
}

TEST_F(DeviceSnapshotTest, BytesOutsideTheRangeDoNotCount) {
  DeviceSnapshot s(4096, 64);
  ASSERT_TRUE(s.read(*dev_));
  s.keep();
  poke(4095, 1);
  poke(4096 + 64, 1);
  ASSERT_TRUE(s.read(*dev_));
  EXPECT_TRUE(s.matches_kept());
  EXPECT_EQ(s.last().size(), 64u);
}

TEST_F(DeviceSnapshotTest, KeepingGivenBytesMatchesAReadOfThoseBytesOnly) {
  DeviceSnapshot s(4096, 64);
  std::array<uint8_t, 64> given{};
  given[10] = 0x77;
  s.keep(given);  // what another read (the replay's) saw
  ASSERT_TRUE(s.read(*dev_));
  EXPECT_FALSE(s.matches_kept());  // the device holds zeros there
  poke(4096 + 10, 0x77);
  ASSERT_TRUE(s.read(*dev_));
  EXPECT_TRUE(s.matches_kept());
  s.keep(std::span<const uint8_t>(given.data(), 63));  // not the range's length: nothing kept
  ASSERT_TRUE(s.read(*dev_));
  EXPECT_FALSE(s.matches_kept());
}

TEST_F(DeviceSnapshotTest, ForgetMakesTheNextReadDiffer) {
  DeviceSnapshot s(0, 256);
  ASSERT_TRUE(s.read(*dev_));
  s.keep();
  s.forget();
  ASSERT_TRUE(s.read(*dev_));
  EXPECT_FALSE(s.matches_kept());
}

TEST_F(DeviceSnapshotTest, AFailedReadIsAnErrorAndNeverMatches) {
  DeviceSnapshot s((1 << 20) - 16, 64);  // runs past the end of the device
  Status r = s.read(*dev_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::invalid_argument);
  s.keep();  // nothing read: nothing kept
  EXPECT_FALSE(s.matches_kept());
}

TEST_F(DeviceSnapshotTest, AFailedReadAfterAGoodOneDoesNotMatchTheKeptBytes) {
  DeviceSnapshot s(4096, 64);
  ASSERT_TRUE(s.read(*dev_));
  s.keep();
  ASSERT_EQ(truncate(path_.c_str(), 0), 0);  // the device's memory goes away: SIGBUS on access
  Status r = s.read(*dev_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::memory_error);
  EXPECT_FALSE(s.matches_kept());
}

}  // namespace
}  // namespace famfs::service

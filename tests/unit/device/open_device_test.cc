#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "device/device.h"

namespace famfs {
namespace {

constexpr uint64_t kMiB = 1ULL << 20;

class ShmFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[] = "/dev/shm/famfs-dev-XXXXXX";
    int fd = mkstemp(name);
    ASSERT_GE(fd, 0);
    close(fd);
    path_ = name;
    resize(16 * kMiB);
  }
  void TearDown() override { unlink(path_.c_str()); }
  void resize(uint64_t size) { ASSERT_EQ(truncate(path_.c_str(), static_cast<off_t>(size)), 0); }
  std::unique_ptr<Device> open_rw() {
    auto dev = open_device(path_, OpenMode::read_write);
    EXPECT_TRUE(dev.ok()) << (dev.ok() ? "" : dev.error().message());
    return dev.ok() ? std::move(*dev) : nullptr;
  }
  std::string path_;
};

TEST_F(ShmFile, OpensAsAFileDeviceOfTheFileSize) {
  auto dev = open_rw();
  ASSERT_TRUE(dev);
  EXPECT_EQ(dev->kind(), DeviceKind::file);
  EXPECT_STREQ(device_kind_name(dev->kind()), "file");
  EXPECT_EQ(dev->size(), 16 * kMiB);
  EXPECT_EQ(dev->path(), path_);
  EXPECT_TRUE(dev->writable());
  ASSERT_NE(dev->map_view(), nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(dev->map_view()) % (2 * kMiB), 0u) << "mapping must be 2 MiB aligned";
}

TEST_F(ShmFile, BytesWrittenAreInTheFileAndReadBack) {
  auto dev = open_rw();
  ASSERT_TRUE(dev);
  const char msg[] = "shared memory";
  ASSERT_TRUE(dev->write(3 * kMiB + 5, msg, sizeof msg).ok());
  ASSERT_TRUE(dev->flush(3 * kMiB + 5, sizeof msg).ok());
  char back[sizeof msg] = {};
  ASSERT_TRUE(dev->invalidate(3 * kMiB, kMiB).ok());
  ASSERT_TRUE(dev->read(3 * kMiB + 5, back, sizeof back).ok());
  EXPECT_STREQ(back, msg);
  int fd = open(path_.c_str(), O_RDONLY);
  char raw[sizeof msg] = {};
  ASSERT_EQ(pread(fd, raw, sizeof raw, 3 * kMiB + 5), static_cast<ssize_t>(sizeof raw));
  close(fd);
  EXPECT_STREQ(raw, msg);
}

TEST_F(ShmFile, WriteFlushedAndZeroLandInTheFile) {
  auto dev = open_rw();
  ASSERT_TRUE(dev);
  std::vector<uint8_t> data(5 * kMiB + 77);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i % 251);
  ASSERT_TRUE(dev->write_flushed(2 * kMiB + 3, data.data(), data.size()).ok());
  std::vector<uint8_t> back(data.size());
  ASSERT_TRUE(dev->read(2 * kMiB + 3, back.data(), back.size()).ok());
  EXPECT_EQ(back, data);
  ASSERT_TRUE(dev->zero(2 * kMiB + 10, kMiB).ok());
  ASSERT_TRUE(dev->read(2 * kMiB + 3, back.data(), back.size()).ok());
  for (size_t i = 0; i < back.size(); ++i) {
    bool zeroed = i >= 7 && i < 7 + kMiB;
    ASSERT_EQ(back[i], zeroed ? 0 : data[i]) << "at " << i;
  }
}

TEST_F(ShmFile, AccessOutsideTheDeviceIsInvalidArgument) {
  auto dev = open_rw();
  ASSERT_TRUE(dev);
  uint8_t b[16];
  for (auto [off, len] : std::vector<std::pair<uint64_t, uint64_t>>{
           {16 * kMiB - 8, 16}, {16 * kMiB + 1, 0}, {~0ULL - 4, 8}, {8, ~0ULL}}) {
    Status r = dev->read(off, b, std::min<uint64_t>(len, sizeof b) == len ? len : sizeof b);
    Status f = dev->flush(off, len);
    Status z = dev->zero(off, len);
    ASSERT_FALSE(f.ok()) << off << "+" << len;
    EXPECT_EQ(f.error().code(), Errc::invalid_argument);
    ASSERT_FALSE(z.ok());
    EXPECT_EQ(z.error().code(), Errc::invalid_argument);
    if (len <= sizeof b) {
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.error().code(), Errc::invalid_argument);
    }
  }
}

TEST_F(ShmFile, ReadOnlyDeviceRefusesWrites) {
  auto dev = open_device(path_, OpenMode::read_only);
  ASSERT_TRUE(dev.ok());
  EXPECT_FALSE((*dev)->writable());
  uint8_t b[8] = {};
  for (Status s : {(*dev)->write(0, b, 8), (*dev)->zero(0, 8), (*dev)->write_flushed(0, b, 8)}) {
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code(), Errc::permission_denied);
  }
  EXPECT_TRUE((*dev)->read(0, b, 8).ok());
}

TEST_F(ShmFile, BackingFileTruncatedUnderUsIsAMemoryErrorNotACrash) {
  auto dev = open_rw();
  ASSERT_TRUE(dev);
  resize(4 * kMiB);
  uint8_t b[64];
  Status r = dev->read(10 * kMiB, b, sizeof b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::memory_error);
  EXPECT_NE(r.error().message().find(path_), std::string::npos) << r.error().message();
  Status w = dev->write_flushed(10 * kMiB, b, sizeof b);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code(), Errc::memory_error);
  EXPECT_TRUE(dev->read(kMiB, b, sizeof b).ok()) << "the part still backed keeps working";
}

TEST_F(ShmFile, EmptyFileIsRejected) {
  resize(0);
  auto dev = open_device(path_, OpenMode::read_only);
  ASSERT_FALSE(dev.ok());
  EXPECT_EQ(dev.error().code(), Errc::invalid_argument);
  EXPECT_NE(dev.error().message().find("empty"), std::string::npos);
}

TEST(OpenDevice, MissingPathIsNotFound) {
  auto dev = open_device("/nonexistent/famfs0", OpenMode::read_only);
  ASSERT_FALSE(dev.ok());
  EXPECT_EQ(dev.error().code(), Errc::not_found);
  EXPECT_NE(dev.error().message().find("/nonexistent/famfs0"), std::string::npos);
}

TEST(OpenDevice, DirectoryIsNotADevice) {
  auto dev = open_device("/tmp", OpenMode::read_only);
  ASSERT_FALSE(dev.ok());
  EXPECT_EQ(dev.error().code(), Errc::invalid_argument);
}

TEST(OpenDevice, CharacterDeviceThatIsNotDeviceDaxIsRejected) {
  auto dev = open_device("/dev/null", OpenMode::read_only);
  ASSERT_FALSE(dev.ok());
  EXPECT_EQ(dev.error().code(), Errc::invalid_argument);
  EXPECT_NE(dev.error().message().find("not a device-dax"), std::string::npos) << dev.error().message();
}

TEST(MemoryDevice, IsSparseAnonymousMemory) {
  auto dev = make_memory_device(64ULL << 30);
  ASSERT_TRUE(dev.ok());
  EXPECT_EQ((*dev)->kind(), DeviceKind::memory);
  EXPECT_EQ((*dev)->size(), 64ULL << 30);
  uint64_t v = 0x1122334455667788ULL, back = 0;
  ASSERT_TRUE((*dev)->write(40ULL << 30, &v, sizeof v).ok());
  ASSERT_TRUE((*dev)->read(40ULL << 30, &back, sizeof back).ok());
  EXPECT_EQ(back, v);
  EXPECT_FALSE(make_memory_device(0).ok());
}

}  // namespace
}  // namespace famfs

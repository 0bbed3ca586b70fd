// Moving bytes between descriptors and a file's map on the device.
#include "service/data_copy.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <vector>

#include "../fake_device.h"

namespace famfs::service {
namespace {

using famfs::testing::FakeDevice;
constexpr uint64_t kMiB = 1ULL << 20;

std::vector<uint8_t> pattern(uint64_t len, uint8_t seed) {
  std::vector<uint8_t> v(len);
  for (uint64_t i = 0; i < len; ++i) v[i] = static_cast<uint8_t>(seed + i * 31 + (i >> 12));
  return v;
}

// A memfd holding BYTES (the caller's file).
int memfd_with(const std::vector<uint8_t>& bytes) {
  int fd = memfd_create("data_copy_test", MFD_CLOEXEC);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(pwrite(fd, bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
  return fd;
}

std::vector<uint8_t> contents(int fd) {
  off_t len = lseek(fd, 0, SEEK_END);
  std::vector<uint8_t> v(static_cast<size_t>(len));
  EXPECT_EQ(pread(fd, v.data(), v.size(), 0), static_cast<ssize_t>(v.size()));
  return v;
}

// Two extents, the second before the first on the device.
omf::FileMap two_extents() {
  omf::FileMap m;
  m.extents = {{0, 40 * kMiB, 2 * kMiB}, {0, 20 * kMiB, 4 * kMiB}};
  return m;
}

omf::FileMap interleaved() {
  omf::FileMap m;
  m.type = omf::MapType::interleaved;
  m.chunk_size = 2 * kMiB;
  m.extents = {{0, 60 * kMiB, 4 * kMiB}, {0, 50 * kMiB, 4 * kMiB}};
  return m;
}

TEST(DataCopy, CopyInPutsEachFileByteWhereTheMapPlacesIt) {
  FakeDevice dev(128 * kMiB);
  const uint64_t size = 5 * kMiB + 123;  // into the second extent, not to its end
  auto src = pattern(size, 7);
  int fd = memfd_with(src);
  std::atomic<uint64_t> done{0};
  std::atomic<bool> cancel{false};
  Status s = copy_fd_into_map(dev, two_extents(), fd, size, done, cancel);
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(done.load(), size);
  EXPECT_EQ(std::memcmp(dev.bytes() + 40 * kMiB, src.data(), 2 * kMiB), 0);
  EXPECT_EQ(std::memcmp(dev.bytes() + 20 * kMiB, src.data() + 2 * kMiB, size - 2 * kMiB), 0);
  close(fd);
}

TEST(DataCopy, CopyInFollowsTheChunksOfAnInterleavedMap) {
  FakeDevice dev(128 * kMiB);
  const uint64_t size = 8 * kMiB;
  auto src = pattern(size, 3);
  int fd = memfd_with(src);
  std::atomic<uint64_t> done{0};
  std::atomic<bool> cancel{false};
  ASSERT_TRUE(copy_fd_into_map(dev, interleaved(), fd, size, done, cancel));
  // Chunk n is in strip n % 2 at strip offset (n / 2) * chunk.
  for (uint64_t n = 0; n < 4; ++n) {
    uint64_t strip = n % 2 == 0 ? 60 * kMiB : 50 * kMiB;
    EXPECT_EQ(std::memcmp(dev.bytes() + strip + (n / 2) * 2 * kMiB, src.data() + n * 2 * kMiB, 2 * kMiB), 0)
        << "chunk " << n;
  }
  close(fd);
}

TEST(DataCopy, CopyInFromASourceShorterThanTheSizeIsAnIoError) {
  FakeDevice dev(128 * kMiB);
  int fd = memfd_with(pattern(kMiB, 1));
  std::atomic<uint64_t> done{0};
  std::atomic<bool> cancel{false};
  Status s = copy_fd_into_map(dev, two_extents(), fd, 3 * kMiB, done, cancel);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Errc::io_error);
  close(fd);
}

TEST(DataCopy, CancelledCopyInIsBusyAndCopiesNothingMore) {
  FakeDevice dev(128 * kMiB);
  int fd = memfd_with(pattern(4 * kMiB, 1));
  std::atomic<uint64_t> done{0};
  std::atomic<bool> cancel{true};
  Status s = copy_fd_into_map(dev, two_extents(), fd, 4 * kMiB, done, cancel);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Errc::busy);
  EXPECT_EQ(done.load(), 0u);
  close(fd);
}

TEST(DataCopy, CopyInOntoAFailedDeviceIsAMemoryError) {
  FakeDevice dev(128 * kMiB);
  dev.poison(20 * kMiB, 4096);
  int fd = memfd_with(pattern(4 * kMiB, 1));
  std::atomic<uint64_t> done{0};
  std::atomic<bool> cancel{false};
  Status s = copy_fd_into_map(dev, two_extents(), fd, 4 * kMiB, done, cancel);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Errc::memory_error);
  close(fd);
}

TEST(DataCopy, CopyOutWritesExactlyTheRequestedFileRange) {
  FakeDevice dev(128 * kMiB);
  auto file = pattern(6 * kMiB, 9);
  std::memcpy(dev.bytes() + 40 * kMiB, file.data(), 2 * kMiB);
  std::memcpy(dev.bytes() + 20 * kMiB, file.data() + 2 * kMiB, 4 * kMiB);
  int out = memfd_create("data_copy_out", MFD_CLOEXEC);
  ASSERT_GE(out, 0);
  std::atomic<bool> cancel{false};
  const uint64_t begin = 2 * kMiB - 100, end = 3 * kMiB + 5;  // across the extent boundary
  auto n = copy_map_to_fd(dev, two_extents(), begin, end, out, cancel);
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ(*n, end - begin);
  EXPECT_EQ(contents(out), std::vector<uint8_t>(file.begin() + begin, file.begin() + end));
  close(out);
}

TEST(DataCopy, CopyOutOfAnInterleavedMapReassemblesTheFile) {
  FakeDevice dev(128 * kMiB);
  auto file = pattern(8 * kMiB, 5);
  for (uint64_t n = 0; n < 4; ++n) {
    uint64_t strip = n % 2 == 0 ? 60 * kMiB : 50 * kMiB;
    std::memcpy(dev.bytes() + strip + (n / 2) * 2 * kMiB, file.data() + n * 2 * kMiB, 2 * kMiB);
  }
  int out = memfd_create("data_copy_out", MFD_CLOEXEC);
  ASSERT_GE(out, 0);
  std::atomic<bool> cancel{false};
  auto n = copy_map_to_fd(dev, interleaved(), 0, file.size(), out, cancel);
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ(contents(out), file);
  close(out);
}

TEST(DataCopy, CancelledCopyOutIsBusy) {
  FakeDevice dev(128 * kMiB);
  int out = memfd_create("data_copy_out", MFD_CLOEXEC);
  ASSERT_GE(out, 0);
  std::atomic<bool> cancel{true};
  auto n = copy_map_to_fd(dev, two_extents(), 0, 6 * kMiB, out, cancel);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().code(), Errc::busy);
  close(out);
}

}  // namespace
}  // namespace famfs::service

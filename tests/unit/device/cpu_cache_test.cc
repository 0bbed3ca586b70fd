#include "device/cpu_cache.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace famfs {
namespace {

TEST(CpuCache, NamesTheWritebackInstructionItUses) {
  std::string name = cpu_cache::writeback_instruction();
  EXPECT_TRUE(name == "clwb" || name == "clflushopt" || name == "clflush" || name == "none") << name;
#if defined(__x86_64__)
  EXPECT_NE(name, "none") << "every x86_64 CPU has at least clflush";
#endif
}

TEST(CpuCache, WritebackAndInvalidateKeepTheBytes) {
  std::vector<uint8_t> buf(4096 * 3);
  for (size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<uint8_t>(i * 7);
  std::vector<uint8_t> copy = buf;
  cpu_cache::writeback(buf.data() + 5, 3000);
  cpu_cache::invalidate(buf.data() + 1, buf.size() - 1);
  cpu_cache::writeback(buf.data(), 0);
  EXPECT_EQ(buf, copy);
}

TEST(CpuCache, StreamingCopyMatchesMemcpyForEveryAlignmentAndLength) {
  std::mt19937_64 rng(42);
  std::vector<uint8_t> src(70000), dst(70000 + 64), want(70000 + 64);
  for (auto& b : src) b = static_cast<uint8_t>(rng());
  for (int round = 0; round < 400; ++round) {
    size_t dst_off = rng() % 64, src_off = rng() % 64;
    size_t len = rng() % (src.size() - src_off);
    if (round < 100) len = static_cast<size_t>(round);  // all the tiny lengths
    std::fill(dst.begin(), dst.end(), 0xEE);
    want = dst;
    std::memcpy(want.data() + dst_off, src.data() + src_off, len);
    cpu_cache::copy_to_memory(dst.data() + dst_off, src.data() + src_off, len);
    ASSERT_EQ(dst, want) << "dst_off " << dst_off << " src_off " << src_off << " len " << len;
  }
}

TEST(CpuCache, StreamingZeroClearsExactlyTheRange) {
  std::mt19937_64 rng(7);
  std::vector<uint8_t> buf(9000), want(9000);
  for (int round = 0; round < 300; ++round) {
    size_t off = rng() % 100, len = rng() % (buf.size() - off);
    std::fill(buf.begin(), buf.end(), 0x5A);
    want = buf;
    std::memset(want.data() + off, 0, len);
    cpu_cache::zero_to_memory(buf.data() + off, len);
    ASSERT_EQ(buf, want) << "off " << off << " len " << len;
  }
}

}  // namespace
}  // namespace famfs

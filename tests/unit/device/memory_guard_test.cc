#include "device/memory_guard.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <csignal>
#include <cstring>

namespace famfs {
namespace {

// A two-page shared file mapping whose second page loses its backing.
class TruncatedMapping : public ::testing::Test {
 protected:
  void SetUp() override {
    page_ = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    char name[] = "/dev/shm/famfs-guard-XXXXXX";
    fd_ = mkstemp(name);
    ASSERT_GE(fd_, 0);
    unlink(name);
    ASSERT_EQ(ftruncate(fd_, 2 * page_), 0);
    void* p = mmap(nullptr, 2 * page_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    ASSERT_NE(p, MAP_FAILED);
    base_ = static_cast<uint8_t*>(p);
    memset(base_, 0xAB, 2 * page_);
    ASSERT_EQ(ftruncate(fd_, page_), 0);  // the second page now raises SIGBUS
  }
  void TearDown() override {
    munmap(base_, 2 * page_);
    close(fd_);
  }
  size_t page_ = 0;
  int fd_ = -1;
  uint8_t* base_ = nullptr;
};

TEST_F(TruncatedMapping, GuardedReadOfALostPageIsAMemoryError) {
  uint8_t buf[64];
  uint64_t before = guarded_fault_count();
  Status st = guarded_run(base_, 2 * page_, "reading the test device", [&] { memcpy(buf, base_ + page_, sizeof buf); });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), Errc::memory_error);
  EXPECT_NE(st.error().message().find("reading the test device"), std::string::npos) << st.error().message();
  EXPECT_NE(st.error().message().find("0x" +
                                      [&] {
                                        char h[32];
                                        snprintf(h, sizeof h, "%zx", page_);
                                        return std::string(h);
                                      }()),
            std::string::npos)
      << st.error().message();
  EXPECT_EQ(guarded_fault_count(), before + 1);
}

TEST_F(TruncatedMapping, GuardStillWorksAfterAFaultAndForWrites) {
  for (int i = 0; i < 3; ++i) {
    Status st = guarded_run(base_, 2 * page_, "writing", [&] { base_[page_ + 10] = 1; });
    ASSERT_FALSE(st.ok());
  }
  uint8_t v = 0;
  Status ok = guarded_run(base_, 2 * page_, "reading", [&] { v = base_[10]; });
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(v, 0xAB);
}

TEST_F(TruncatedMapping, NestedGuardsUnwindToTheInnermost) {
  Status inner_status;
  Status outer = guarded_run(base_, 2 * page_, "outer",
                             [&] { inner_status = guarded_run(base_, 2 * page_, "inner", [&] { base_[page_] = 2; }); });
  EXPECT_TRUE(outer.ok());
  ASSERT_FALSE(inner_status.ok());
  EXPECT_NE(inner_status.error().message().find("inner"), std::string::npos);
}

TEST_F(TruncatedMapping, FaultInTheOuterGuardsRangeUnwindsToTheOuterGuard) {
  // A copy from one guarded mapping (the outer range) into another (inner).
  uint8_t other[64] = {};
  bool inner_returned = false;
  Status outer = guarded_run(base_, 2 * page_, "reading the source", [&] {
    (void)guarded_run(other, sizeof other, "writing the device", [&] { memcpy(other, base_ + page_, 8); });
    inner_returned = true;
  });
  ASSERT_FALSE(outer.ok());
  EXPECT_NE(outer.error().message().find("reading the source"), std::string::npos);
  EXPECT_FALSE(inner_returned);
  Status after = guarded_run(base_, page_, "reading", [&] { other[0] = base_[0]; });
  EXPECT_TRUE(after.ok()) << "the inner frame must not be left installed";
}

// AddressSanitizer handles SIGBUS itself: the signal the guard passes on
// ends the process with ASan's report and exit code 1 instead of a kill.
#if defined(__SANITIZE_ADDRESS__)
#define FAMFS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FAMFS_ASAN 1
#endif
#endif

TEST_F(TruncatedMapping, SigbusOutsideTheGuardedRangeStillKills) {
  install_sigbus_handler();
#ifdef FAMFS_ASAN
  EXPECT_EXIT(
      {
        (void)guarded_run(base_, page_, "first page", [&] { base_[page_] = 3; });
        _exit(0);
      },
      ::testing::ExitedWithCode(1), "AddressSanitizer: BUS");
#else
  EXPECT_EXIT(
      {
        // Guard only the first page; the fault is in the second.
        (void)guarded_run(base_, page_, "first page", [&] { base_[page_] = 3; });
        _exit(0);
      },
      ::testing::KilledBySignal(SIGBUS), "");
#endif
}

}  // namespace
}  // namespace famfs

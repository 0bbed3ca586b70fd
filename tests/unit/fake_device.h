// A Device for engine tests: anonymous memory (sparse, so 64 GiB images are
// fine), with every flush/invalidate recorded and injectable memory errors.
#pragma once

#include <sys/mman.h>

#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "device/device.h"

namespace famfs::testing {

class FakeDevice : public Device {
 public:
  struct Range {
    uint64_t offset, len;
    friend bool operator==(const Range&, const Range&) = default;
  };

  explicit FakeDevice(uint64_t size, std::string path = "fake0") : size_(size), path_(std::move(path)) {
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) throw std::runtime_error("mmap of fake device failed");
    base_ = static_cast<uint8_t*>(p);
  }
  ~FakeDevice() override { munmap(base_, size_); }

  DeviceKind kind() const override { return DeviceKind::memory; }
  const std::string& path() const override { return path_; }
  uint64_t size() const override { return size_; }
  bool writable() const override { return writable_; }

  Status read(uint64_t off, void* dst, size_t len) override {
    FAMFS_TRY(check(off, len));
    std::memcpy(dst, base_ + off, len);
    return ok_status();
  }
  Status write(uint64_t off, const void* src, size_t len) override {
    if (!writable_) return Error(Errc::permission_denied, "read-only");
    FAMFS_TRY(check(off, len));
    std::memcpy(base_ + off, src, len);
    writes.push_back({off, len});
    return ok_status();
  }
  Status zero(uint64_t off, uint64_t len) override {
    if (!writable_) return Error(Errc::permission_denied, "read-only");
    FAMFS_TRY(check(off, len));
    std::memset(base_ + off, 0, len);
    zeroed.push_back({off, len});
    return ok_status();
  }
  Status flush(uint64_t off, uint64_t len) override {
    FAMFS_TRY(check(off, len));
    flushes.push_back({off, len});
    return ok_status();
  }
  Status invalidate(uint64_t off, uint64_t len) override {
    FAMFS_TRY(check(off, len));
    invalidates.push_back({off, len});
    if (on_invalidate) on_invalidate(off, len);
    return ok_status();
  }
  uint8_t* map_view() override { return base_; }

  uint8_t* bytes() { return base_; }
  // Asks for 2 MiB pages for the whole device (MADV_HUGEPAGE; honoured when
  // the kernel's THP setting is "madvise" or "always"), as a devdax device
  // is mapped: for benchmarks, before the first write. False if refused.
  bool use_huge_pages() { return madvise(base_, size_, MADV_HUGEPAGE) == 0; }
  void set_writable(bool w) { writable_ = w; }
  // Accesses overlapping [off, off+len) fail with memory_error from now on.
  void poison(uint64_t off, uint64_t len) { poisoned_.push_back({off, len}); }
  void clear_log() {
    writes.clear();
    flushes.clear();
    invalidates.clear();
    zeroed.clear();
  }

  std::vector<Range> writes, flushes, invalidates, zeroed;
  std::function<void(uint64_t, uint64_t)> on_invalidate;  // simulate another host's write landing

 private:
  Status check(uint64_t off, uint64_t len) const {
    if (off > size_ || len > size_ - off) return Error(Errc::invalid_argument, "out of range");
    for (const Range& p : poisoned_)
      if (off < p.offset + p.len && p.offset < off + len) return Error(Errc::memory_error, "poisoned");
    return ok_status();
  }
  uint8_t* base_;
  uint64_t size_;
  std::string path_;
  bool writable_ = true;
  std::vector<Range> poisoned_;
};

}  // namespace famfs::testing

// MappedDevice: a Device whose bytes are reached through one shared mapping
// (a regular or /dev/shm file, a device-dax character device, anonymous
// memory). Every access is bounds-checked and runs under a SIGBUS guard.
#pragma once

#include <string>

#include "device/device.h"

namespace famfs {

struct MappingSpec {
  DeviceKind kind;
  std::string path;
  int fd = -1;              // owned; closed on destruction (-1: none)
  uint8_t* base = nullptr;  // owned mapping of map_len bytes
  uint64_t map_len = 0;
  uint64_t size = 0;  // usable bytes (<= map_len)
  bool writable = false;
  bool msync_on_flush = false;  // page-cache-backed file on a real file system
};

class MappedDevice : public Device {
 public:
  explicit MappedDevice(MappingSpec spec) : s_(std::move(spec)) {}
  ~MappedDevice() override;
  MappedDevice(const MappedDevice&) = delete;
  MappedDevice& operator=(const MappedDevice&) = delete;

  DeviceKind kind() const override { return s_.kind; }
  const std::string& path() const override { return s_.path; }
  uint64_t size() const override { return s_.size; }
  bool writable() const override { return s_.writable; }
  Status read(uint64_t offset, void* dst, size_t len) override;
  Status write(uint64_t offset, const void* src, size_t len) override;
  Status zero(uint64_t offset, uint64_t len) override;
  Status flush(uint64_t offset, uint64_t len) override;
  Status write_flushed(uint64_t offset, const void* src, size_t len) override;
  Status invalidate(uint64_t offset, uint64_t len) override;
  void populate(uint64_t offset, uint64_t len, bool for_write) override;
  uint8_t* map_view() override { return s_.base; }

 private:
  Status check_range(uint64_t offset, uint64_t len, const char* what) const;
  Status check_writable(const char* what) const;
  template <typename Fn>
  Status guarded(const char* what, Fn&& fn);
  Status sync_pages(uint64_t offset, uint64_t len);

  MappingSpec s_;
};

// Maps LEN bytes of FD (shared; FD -1: anonymous private memory) at an
// address aligned to ALIGN (a power of two, at least 2 MiB so 2 MiB pages can
// back it). Returns nullptr and sets errno on failure.
uint8_t* map_aligned(int fd, uint64_t len, bool writable, uint64_t align = 2ULL << 20);

}  // namespace famfs

// The bytes of one small device range as last read, so a poll can tell
// "unchanged since the last time it was decoded" from one invalidate, one
// read and one compare, before any CRC, decode or allocation.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "device/device.h"
#include "util/result.h"

namespace famfs::service {

class DeviceSnapshot {
 public:
  static constexpr size_t kMaxLen = 256;  // a host area record; a log header is 64

  // The range [OFFSET, OFFSET+LEN) of the device; LEN is clamped to kMaxLen.
  DeviceSnapshot(uint64_t offset, size_t len);

  // Reads the range afresh (Device::invalidate, then Device::read). Errors as
  // those; after an error last() is unspecified and matches_kept() false.
  Status read(Device& dev);
  // The bytes of the last successful read().
  std::span<const uint8_t> last() const { return {last_.data(), len_}; }
  // Whether the last read() gave exactly the bytes keep() stored.
  bool matches_kept() const { return have_last_ && have_kept_ && kept_ == last_; }
  // Stores the last read's bytes as the ones a caller decoded (or acted on).
  void keep();
  // Stores BYTES (the range's length of them) as kept: bytes the caller had
  // decoded from a read of its own.
  void keep(std::span<const uint8_t> bytes);
  // Forgets the kept bytes: the next read() never matches.
  void forget() { have_kept_ = false; }

 private:
  uint64_t offset_;
  size_t len_;
  bool have_last_ = false, have_kept_ = false;
  std::array<uint8_t, kMaxLen> last_{}, kept_{};
};

}  // namespace famfs::service

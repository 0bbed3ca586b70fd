#include "service/device_snapshot.h"

#include <algorithm>

namespace famfs::service {

DeviceSnapshot::DeviceSnapshot(uint64_t offset, size_t len) : offset_(offset), len_(std::min(len, kMaxLen)) {}

Status DeviceSnapshot::read(Device& dev) {
  have_last_ = false;
  FAMFS_TRY(dev.invalidate(offset_, len_));
  FAMFS_TRY(dev.read(offset_, last_.data(), len_));
  have_last_ = true;
  return ok_status();
}

void DeviceSnapshot::keep(std::span<const uint8_t> bytes) {
  if (bytes.size() != len_) {
    have_kept_ = false;
    return;
  }
  std::copy(bytes.begin(), bytes.end(), kept_.begin());
  have_kept_ = true;
}

void DeviceSnapshot::keep() {
  if (!have_last_) return;
  kept_ = last_;  // the bytes past len_ stay zero in both
  have_kept_ = true;
}

}  // namespace famfs::service

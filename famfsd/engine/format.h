// Creating (mkfs) and invalidating a famfs file system on a device.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "device/device.h"
#include "omf/superblock.h"
#include "util/result.h"
#include "util/uuid.h"

namespace famfs {

struct FormatOptions {
  uint64_t log_len = omf::kDefaultLogLen;  // power of two, >= 8 MiB
  Uuid system_uuid;                        // the master host
  std::string dev_name;                    // stored in the superblock (<= 64 bytes kept)
  bool force = false;                      // overwrite an existing file system
  // Allow removing files (docs/delete.md): recorded in the host area's
  // header. Reference famfs hosts must not mount such a file system.
  bool enable_delete = false;
};

// Result of looking at byte 0 of a device.
struct Probe {
  enum class What { none, valid, invalid } what = What::none;
  std::optional<omf::ValidSuperblock> superblock;  // when valid
  std::string why;                                 // when invalid
};

// Reads and classifies the superblock: none (no magic), valid, or invalid
// (magic present, validation failed). Errors only for device failures.
Result<Probe> probe_superblock(Device& dev);

// Writes a new file system: invalidates any old superblock first, zeroes the
// host area (writing its header) and the log, writes the log header, then the
// superblock last (a crash midway leaves a device without a valid superblock,
// never one pointing at a half-made log).
// Refuses without opts.force when a valid superblock exists (exists), whatever
// host owns it. invalid_argument: bad log_len or device too small.
Result<omf::ValidSuperblock> format_device(Device& dev, const FormatOptions& opts);

// Invalidates the superblock (zeroes its magic and CRC). not_famfs if there
// is no famfs magic.
Status kill_superblock(Device& dev);

}  // namespace famfs

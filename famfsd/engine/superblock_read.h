// The one superblock reader: every program that looks at a device's
// superblock (famfsd's Volume, mkfs/fsck through probe_superblock, udev's
// famfs_probe) reads and validates it here.
#pragma once

#include "device/device.h"
#include "omf/superblock.h"
#include "util/result.h"

namespace famfs {

// Drops this CPU's cached copy of the superblock (another host may have
// written it), reads it and validates it against DEV's real size.
// not_famfs: DEV is smaller than a superblock or has no famfs magic;
// corrupt: magic present but validation failed; device errors (memory_error,
// io_error, ...) as the device reports them.
Result<omf::ValidSuperblock> read_superblock(Device& dev);

}  // namespace famfs

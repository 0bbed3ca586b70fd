#include "engine/superblock_read.h"

namespace famfs {

Result<omf::ValidSuperblock> read_superblock(Device& dev) {
  omf::SuperblockBytes raw{};
  if (dev.size() < raw.size()) return Error(Errc::not_famfs, dev.path() + " is too small to hold a famfs superblock");
  FAMFS_TRY(dev.invalidate(0, raw.size()));
  FAMFS_TRY(dev.read(0, raw.data(), raw.size()));
  return omf::validate_superblock(raw, dev.size());
}

}  // namespace famfs

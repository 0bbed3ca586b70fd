#include "engine/format.h"

#include <array>
#include <span>

#include "engine/host_registry.h"
#include "engine/superblock_read.h"
#include "omf/host_area.h"
#include "omf/log_header.h"
#include "util/size_parse.h"

namespace famfs {

Result<Probe> probe_superblock(Device& dev) {
  Probe p;
  if (dev.size() < omf::kSuperblockSize) return p;
  auto v = read_superblock(dev);
  if (v) {
    p.what = Probe::What::valid;
    p.superblock = std::move(v.value());
  } else if (v.error().code() == Errc::corrupt) {
    p.what = Probe::What::invalid;
    p.why = v.error().message();
  } else if (v.error().code() != Errc::not_famfs) {
    return v.error();  // the device failed
  }
  return p;
}

Result<omf::ValidSuperblock> format_device(Device& dev, const FormatOptions& opts) {
  if (!omf::is_power_of_two(opts.log_len) || opts.log_len < omf::kMinLogLen)
    return Error(Errc::invalid_argument,
                 "log size " + size_text(opts.log_len) + " is not a power of two of at least 8 MiB");
  if (dev.size() < omf::min_device_size(opts.log_len))
    return Error(Errc::invalid_argument, "device " + dev.path() + " has " + size_text(dev.size()) + "; a log of " +
                                             size_text(opts.log_len) + " needs at least " +
                                             size_text(omf::min_device_size(opts.log_len)));
  auto probe = probe_superblock(dev);
  if (!probe) return probe.error();
  if (probe->what == Probe::What::valid && !opts.force) {
    const auto& r = probe->superblock->record;
    std::string owner = r.system_uuid == opts.system_uuid
                            ? "this host"
                            : "another host (system UUID " + r.system_uuid.to_string() + ")";
    return Error(Errc::exists, dev.path() + " already holds famfs file system " + r.fs_uuid.to_string() + " owned by " +
                                   owner + "; use --force to overwrite it");
  }

  omf::SuperblockRecord sb;
  sb.log_len = opts.log_len;
  sb.fs_uuid = Uuid::random();
  sb.dev_uuid = Uuid::random();
  sb.system_uuid = opts.system_uuid;
  sb.dev_size = dev.size();
  sb.dev_name = opts.dev_name.substr(0, omf::kDevNameLen);

  const uint8_t zeros[16] = {};
  FAMFS_TRY(dev.write(0, zeros, sizeof zeros));  // old magic gone first
  FAMFS_TRY(dev.flush(0, sizeof zeros));
  // The reference never zeroes the rest of the superblock region: start the
  // host area clean, bound to the new file system.
  FAMFS_TRY(dev.zero(omf::kSuperblockSize, omf::kHostAreaOffset - omf::kSuperblockSize));
  FAMFS_TRY(init_host_area(dev, sb.fs_uuid, opts.enable_delete ? omf::kFeatureDelete : 0));
  FAMFS_TRY(dev.zero(omf::kLogOffset, opts.log_len));
  std::array<uint8_t, omf::kLogHeaderSize> hdr;
  omf::encode_log_header(omf::new_log_header(opts.log_len), hdr);
  FAMFS_TRY(dev.write(omf::kLogOffset, hdr.data(), hdr.size()));
  FAMFS_TRY(dev.flush(omf::kLogOffset, hdr.size()));
  std::array<uint8_t, omf::kSuperblockSize> raw;
  omf::encode_superblock(sb, raw);
  FAMFS_TRY(dev.write(0, raw.data(), raw.size()));
  FAMFS_TRY(dev.flush(0, raw.size()));
  return omf::validate_superblock(raw, dev.size());
}

Status kill_superblock(Device& dev) {
  auto probe = probe_superblock(dev);
  if (!probe) return probe.error();
  if (probe->what == Probe::What::none) return Error(Errc::not_famfs, dev.path() + " holds no famfs superblock");
  // Zero magic (0x00) and CRC (0x60): no reader accepts the record any more.
  const uint8_t zeros[8] = {};
  FAMFS_TRY(dev.write(0, zeros, sizeof zeros));
  FAMFS_TRY(dev.write(0x60, zeros, sizeof zeros));
  FAMFS_TRY(dev.flush(0, 0x68));
  return ok_status();
}

}  // namespace famfs

#include "omf/superblock.h"

#include <algorithm>
#include <cstring>

#include "omf/bytes.h"
#include "omf/crc.h"

namespace famfs::omf {
namespace {

// Field offsets (on-media-format.md, "Superblock").
constexpr size_t kMagic = 0x00, kVersion = 0x08, kLogOff = 0x10, kLogLen = 0x18, kAu = 0x20, kMajor = 0x28,
                 kMinor = 0x2C, kFsUuid = 0x30, kDevUuid = 0x40, kSysUuid = 0x50, kCrc = 0x60, kFlags = 0x68,
                 kDevSize = 0x70, kEntryUuid = 0x78, kDevName = 0x88;
constexpr size_t kCrcCovered = 0x60;

void put_uuid(uint8_t* p, const Uuid& u) { std::memcpy(p, u.bytes.data(), 16); }
Uuid get_uuid(const uint8_t* p) {
  Uuid u;
  std::memcpy(u.bytes.data(), p, 16);
  return u;
}

std::string hex(uint64_t v) {
  char buf[24];
  snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

void encode_superblock(const SuperblockRecord& rec, std::span<uint8_t, kSuperblockSize> out) {
  uint8_t* p = out.data();
  std::memset(p, 0, out.size());
  store_u64(p + kMagic, rec.magic);
  store_u64(p + kVersion, rec.version);
  store_u64(p + kLogOff, rec.log_offset);
  store_u64(p + kLogLen, rec.log_len);
  store_u64(p + kAu, rec.alloc_unit);
  store_u32(p + kMajor, rec.omf_major);
  store_u32(p + kMinor, rec.omf_minor);
  put_uuid(p + kFsUuid, rec.fs_uuid);
  put_uuid(p + kDevUuid, rec.dev_uuid);
  put_uuid(p + kSysUuid, rec.system_uuid);
  store_u64(p + kCrc, crc32_of(p, kCrcCovered));
  store_u32(p + kFlags, rec.sb_flags);
  store_u64(p + kDevSize, rec.dev_size);
  put_uuid(p + kEntryUuid, rec.dev_entry_uuid);
  std::memcpy(p + kDevName, rec.dev_name.data(), std::min<size_t>(rec.dev_name.size(), kDevNameLen));
}

SuperblockRecord decode_superblock(std::span<const uint8_t, kSuperblockSize> in) {
  const uint8_t* p = in.data();
  SuperblockRecord r;
  r.magic = load_u64(p + kMagic);
  r.version = load_u64(p + kVersion);
  r.log_offset = load_u64(p + kLogOff);
  r.log_len = load_u64(p + kLogLen);
  r.alloc_unit = load_u64(p + kAu);
  r.omf_major = load_u32(p + kMajor);
  r.omf_minor = load_u32(p + kMinor);
  r.fs_uuid = get_uuid(p + kFsUuid);
  r.dev_uuid = get_uuid(p + kDevUuid);
  r.system_uuid = get_uuid(p + kSysUuid);
  r.crc = load_u64(p + kCrc);
  r.sb_flags = load_u32(p + kFlags);
  r.dev_size = load_u64(p + kDevSize);
  r.dev_entry_uuid = get_uuid(p + kEntryUuid);
  const uint8_t* name = p + kDevName;
  size_t n = 0;
  while (n < kDevNameLen && name[n] != 0) ++n;
  r.dev_name.assign(reinterpret_cast<const char*>(name), n);
  return r;
}

uint32_t superblock_crc(std::span<const uint8_t, kSuperblockSize> in) { return crc32_of(in.data(), kCrcCovered); }

Result<ValidSuperblock> validate_superblock(std::span<const uint8_t, kSuperblockSize> in, uint64_t real_size) {
  ValidSuperblock v;
  v.record = decode_superblock(in);
  const SuperblockRecord& r = v.record;
  if (r.magic != kSuperblockMagic)
    return Error(Errc::not_famfs,
                 "no famfs superblock (magic " + hex(r.magic) + ", expected " + hex(kSuperblockMagic) + ")");
  uint32_t want = superblock_crc(in);
  if (r.crc != want)
    return Error(Errc::corrupt, "superblock CRC mismatch (stored " + hex(r.crc) + ", computed " + hex(want) + ")");
  if (r.version != kVersionWritten && r.version != kVersionOldest)
    return Error(Errc::corrupt, "unsupported superblock version " + std::to_string(r.version) + " (supported: 47, 48)");
  if (r.log_offset != kLogOffset)
    return Error(Errc::corrupt, "log_offset " + hex(r.log_offset) + " is not " + hex(kLogOffset));
  if (!is_power_of_two(r.log_len) || r.log_len < kMinLogLen)
    return Error(Errc::corrupt, "log_len " + hex(r.log_len) + " is not a power of two of at least 8 MiB");
  if (r.alloc_unit != kAllocUnit && r.alloc_unit != kSmallAllocUnit)
    return Error(Errc::corrupt, "alloc_unit " + hex(r.alloc_unit) + " is neither 0x1000 nor 0x200000");

  uint64_t size = r.dev_size;
  if (size == 0 || size > real_size) {
    v.warnings.push_back({kNoIndex, ProblemKind::device_size,
                          "superblock dev_size " + std::to_string(r.dev_size) + " exceeds the real device size " +
                              std::to_string(real_size) + "; using the real size"});
    size = real_size;
  }
  // log_len <= 2^63 here (power of two), so the sum cannot wrap.
  if (size < r.log_offset + r.log_len + r.alloc_unit)
    return Error(Errc::corrupt, "device of " + std::to_string(size) + " bytes cannot hold the superblock, a log of " +
                                    std::to_string(r.log_len) + " bytes and one allocation unit");
  v.geometry = Geometry{size, r.log_offset, r.log_len, r.alloc_unit};
  return v;
}

}  // namespace famfs::omf

#include "omf/host_area.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "omf/bytes.h"
#include "omf/crc.h"

namespace famfs::omf {
namespace {

// Header fields (docs/host-area.md, "Header").
constexpr size_t kHMagic = 0x00, kHVersion = 0x08, kHSlotCount = 0x0C, kHSlotSize = 0x10, kHSlotOffset = 0x14,
                 kHMasterOffset = 0x18, kHFsUuid = 0x20, kHFeatures = 0x30, kHCrc = 0x38;
// Fields common to the master record and a slot ("Master record", "Host slot").
constexpr size_t kRMagic = 0x00, kRSystemUuid = 0x08, kRBootId = 0x18, kRHostname = 0x28, kRPid = 0x68,
                 kRInterval = 0x6C, kRCounter = 0x70, kRBeatTime = 0x78, kRCrc = 0xF8;
// Master record only.
constexpr size_t kMSince = 0x80, kMState = 0x88;
// Slot only.
constexpr size_t kSJoined = 0x80, kSRole = 0x88, kSState = 0x8C, kSApplied = 0x90, kSReleased = 0x98;

static_assert(kHCrc + 8 == kHostHeaderSize);
static_assert(kRCrc + 8 == kHostSlotSize);
static_assert(kRHostname + kHostnameLen == kRPid);

void put_uuid(uint8_t* p, const Uuid& u) { std::memcpy(p, u.bytes.data(), 16); }
Uuid get_uuid(const uint8_t* p) {
  Uuid u;
  std::memcpy(u.bytes.data(), p, 16);
  return u;
}

void put_identity(uint8_t* p, const HostIdentity& h) {
  put_uuid(p + kRSystemUuid, h.system_uuid);
  put_uuid(p + kRBootId, h.boot_id);
  std::memcpy(p + kRHostname, h.hostname.data(), std::min<size_t>(h.hostname.size(), kHostnameLen));
  store_u32(p + kRPid, h.pid);
}

HostIdentity get_identity(const uint8_t* p) {
  HostIdentity h;
  h.system_uuid = get_uuid(p + kRSystemUuid);
  h.boot_id = get_uuid(p + kRBootId);
  const uint8_t* name = p + kRHostname;
  size_t n = 0;
  while (n < kHostnameLen && name[n] != 0) ++n;
  h.hostname.assign(reinterpret_cast<const char*>(name), n);
  h.pid = load_u32(p + kRPid);
  return h;
}

std::string hex(uint64_t v) {
  char buf[24];
  snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// Checks what the master record and a slot share: magic, CRC, hostname bytes, interval.
Status check_record(const uint8_t* p, uint64_t magic, const char* what) {
  uint64_t m = load_u64(p + kRMagic);
  if (m != magic) return Error(Errc::corrupt, std::string(what) + " magic " + hex(m) + " is not " + hex(magic));
  uint32_t want = crc32_of(p, kRCrc);
  uint64_t crc = load_u64(p + kRCrc);
  if (crc != want)
    return Error(Errc::corrupt,
                 std::string(what) + " CRC mismatch (stored " + hex(crc) + ", computed " + hex(want) + ")");
  const uint8_t* name = p + kRHostname;
  size_t n = 0;
  while (n < kHostnameLen && name[n] != 0) {
    if (name[n] < 0x20 || name[n] == 0x7f)
      return Error(Errc::corrupt, std::string(what) + " hostname has a control character at byte " + std::to_string(n));
    ++n;
  }
  for (size_t k = n; k < kHostnameLen; ++k)
    if (name[k] != 0) return Error(Errc::corrupt, std::string(what) + " hostname is not NUL padded");
  if (load_u32(p + kRInterval) == 0) return Error(Errc::corrupt, std::string(what) + " heartbeat interval is 0");
  return ok_status();
}

}  // namespace

const char* host_role_name(HostRole role) { return role == HostRole::master ? "master" : "client"; }

const char* host_state_name(HostState state) {
  switch (state) {
    case HostState::ready: return "ready";
    case HostState::degraded: return "degraded";
    case HostState::failed: return "failed";
    case HostState::stopped: return "stopped";
  }
  return "unknown";
}

HostAreaHeader new_host_header(const Uuid& fs_uuid, uint64_t features) {
  HostAreaHeader h;
  h.fs_uuid = fs_uuid;
  h.features = features;
  return h;
}

void encode_host_header(const HostAreaHeader& h, HostHeaderBytes out) {
  uint8_t* p = out.data();
  std::memset(p, 0, out.size());
  store_u64(p + kHMagic, h.magic);
  store_u32(p + kHVersion, h.version);
  store_u32(p + kHSlotCount, h.slot_count);
  store_u32(p + kHSlotSize, h.slot_size);
  store_u32(p + kHSlotOffset, h.slot_offset);
  store_u32(p + kHMasterOffset, h.master_offset);
  put_uuid(p + kHFsUuid, h.fs_uuid);
  store_u64(p + kHFeatures, h.features);
  store_u64(p + kHCrc, crc32_of(p, kHCrc));
}

HostAreaHeader decode_host_header(ConstHostHeaderBytes in) {
  const uint8_t* p = in.data();
  HostAreaHeader h;
  h.magic = load_u64(p + kHMagic);
  h.version = load_u32(p + kHVersion);
  h.slot_count = load_u32(p + kHSlotCount);
  h.slot_size = load_u32(p + kHSlotSize);
  h.slot_offset = load_u32(p + kHSlotOffset);
  h.master_offset = load_u32(p + kHMasterOffset);
  h.fs_uuid = get_uuid(p + kHFsUuid);
  h.features = load_u64(p + kHFeatures);
  h.crc = load_u64(p + kHCrc);
  return h;
}

Result<HostAreaHeader> validate_host_header(ConstHostHeaderBytes in, const Uuid& fs_uuid) {
  HostAreaHeader h = decode_host_header(in);
  if (h.magic != kHostAreaMagic)
    return Error(Errc::corrupt, "host area magic " + hex(h.magic) + " is not " + hex(kHostAreaMagic));
  uint32_t want = crc32_of(in.data(), kHCrc);
  if (h.crc != want)
    return Error(Errc::corrupt,
                 "host area header CRC mismatch (stored " + hex(h.crc) + ", computed " + hex(want) + ")");
  if (h.version != kHostAreaVersion)
    return Error(Errc::corrupt, "host area version " + std::to_string(h.version) + " is not supported (1)");
  if (h.slot_count != kHostSlotCount || h.slot_size != kHostSlotSize || h.slot_offset != kHostSlotOffset ||
      h.master_offset != kMasterRecordOffset)
    return Error(Errc::corrupt, "host area geometry (" + std::to_string(h.slot_count) + " slots of " +
                                    std::to_string(h.slot_size) + " bytes at " + hex(h.slot_offset) + ", master at " +
                                    hex(h.master_offset) + ") is not version 1's");
  if (h.features & ~kKnownFeatures)
    return Error(Errc::corrupt, "host area features " + hex(h.features) + " include bits this famfsd does not know (" +
                                    hex(kKnownFeatures) + ")");
  if (h.fs_uuid != fs_uuid)
    return Error(Errc::corrupt, "host area belongs to file system " + h.fs_uuid.to_string() + ", not " +
                                    fs_uuid.to_string() + " (left by an earlier mkfs)");
  return h;
}

void encode_master_record(const MasterRecord& m, RecordBytes out) {
  uint8_t* p = out.data();
  std::memset(p, 0, out.size());
  store_u64(p + kRMagic, m.magic);
  put_identity(p, m.host);
  store_u32(p + kRInterval, m.interval_ms);
  store_u64(p + kRCounter, m.counter);
  store_u64(p + kRBeatTime, m.beat_time_us);
  store_u64(p + kMSince, m.since_us);
  store_u32(p + kMState, static_cast<uint32_t>(m.state));
  store_u64(p + kRCrc, crc32_of(p, kRCrc));
}

MasterRecord decode_master_record(ConstRecordBytes in) {
  const uint8_t* p = in.data();
  MasterRecord m;
  m.magic = load_u64(p + kRMagic);
  m.host = get_identity(p);
  m.interval_ms = load_u32(p + kRInterval);
  m.counter = load_u64(p + kRCounter);
  m.beat_time_us = load_u64(p + kRBeatTime);
  m.since_us = load_u64(p + kMSince);
  m.state = static_cast<MasterState>(load_u32(p + kMState));
  m.crc = load_u64(p + kRCrc);
  return m;
}

Result<MasterRecord> validate_master_record(ConstRecordBytes in) {
  FAMFS_TRY(check_record(in.data(), kMasterRecordMagic, "master record"));
  MasterRecord m = decode_master_record(in);
  if (m.state != MasterState::beating && m.state != MasterState::stopped)
    return Error(Errc::corrupt, "master record state " + std::to_string(static_cast<uint32_t>(m.state)) +
                                    " is neither 1 (beating) nor 2 (stopped)");
  return m;
}

void encode_host_slot(const HostSlot& s, RecordBytes out) {
  uint8_t* p = out.data();
  std::memset(p, 0, out.size());
  store_u64(p + kRMagic, s.magic);
  put_identity(p, s.host);
  store_u32(p + kRInterval, s.interval_ms);
  store_u64(p + kRCounter, s.counter);
  store_u64(p + kRBeatTime, s.beat_time_us);
  store_u64(p + kSJoined, s.joined_us);
  store_u32(p + kSRole, static_cast<uint32_t>(s.role));
  store_u32(p + kSState, static_cast<uint32_t>(s.state));
  store_u64(p + kSApplied, s.applied);
  store_u64(p + kSReleased, s.released);
  store_u64(p + kRCrc, crc32_of(p, kRCrc));
}

HostSlot decode_host_slot(ConstRecordBytes in) {
  const uint8_t* p = in.data();
  HostSlot s;
  s.magic = load_u64(p + kRMagic);
  s.host = get_identity(p);
  s.interval_ms = load_u32(p + kRInterval);
  s.counter = load_u64(p + kRCounter);
  s.beat_time_us = load_u64(p + kRBeatTime);
  s.joined_us = load_u64(p + kSJoined);
  s.role = static_cast<HostRole>(load_u32(p + kSRole));
  s.state = static_cast<HostState>(load_u32(p + kSState));
  s.applied = load_u64(p + kSApplied);
  s.released = load_u64(p + kSReleased);
  s.crc = load_u64(p + kRCrc);
  return s;
}

Result<HostSlot> validate_host_slot(ConstRecordBytes in) {
  FAMFS_TRY(check_record(in.data(), kHostSlotMagic, "host slot"));
  HostSlot s = decode_host_slot(in);
  if (s.role != HostRole::master && s.role != HostRole::client)
    return Error(Errc::corrupt, "host slot role " + std::to_string(static_cast<uint32_t>(s.role)) +
                                    " is neither 1 (master) nor 2 (client)");
  if (s.state < HostState::ready || s.state > HostState::stopped)
    return Error(Errc::corrupt, "host slot state " + std::to_string(static_cast<uint32_t>(s.state)) + " is not 1..4");
  return s;
}

bool record_is_empty(ConstRecordBytes in) {
  for (uint8_t b : in)
    if (b != 0) return false;
  return true;
}

SlotProbe slot_probe(const Uuid& system_uuid) {
  uint32_t h = crc32_of(system_uuid.bytes.data(), system_uuid.bytes.size());
  SlotProbe p;
  p.start = h % kHostSlotCount;
  p.step = ((h / kHostSlotCount) % (kHostSlotCount / 2)) * 2 + 1;
  return p;
}

}  // namespace famfs::omf

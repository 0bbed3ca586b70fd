// The famfs host area: who is on this memory. It lives in the 2 MiB
// superblock region after the superblock, bytes the reference famfs never
// reads or writes (and does not zero at mkfs), so every byte of it is
// untrusted: anything that fails validation is an empty area or a slot that
// is not in use, never a crash. See docs/host-area.md for the layout and who
// writes what; this file is the code's copy of it.
//
// Every record occupies whole 64-byte cache lines and has exactly one writer,
// so a write-back by one host never carries another host's bytes with it
// (the memory need not be coherent between hosts).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "omf/layout.h"
#include "util/result.h"
#include "util/uuid.h"

namespace famfs::omf {

// Where the area is (device offsets) and how big its parts are.
inline constexpr uint64_t kHostAreaOffset = 0x1000;  // page after the superblock's
inline constexpr uint64_t kHostHeaderSize = 64;
inline constexpr uint64_t kMasterRecordOffset = 0x1100;
inline constexpr uint64_t kMasterRecordSize = 256;
inline constexpr uint64_t kHostSlotOffset = 0x2000;
inline constexpr uint64_t kHostSlotSize = 256;
// CXL 3.x port-based routing names fabric ports with 12-bit IDs: no more
// than 4096 hosts can reach one memory device, so 4096 slots fit any
// cluster that can share it (1 MiB, half the free region).
inline constexpr uint32_t kHostSlotCount = 4096;
inline constexpr uint64_t kHostAreaEnd = kHostSlotOffset + kHostSlotSize * kHostSlotCount;
inline constexpr uint64_t kHostnameLen = 64;  // HOST_NAME_MAX, NUL padded

inline constexpr uint64_t kHostAreaMagic = 0x0000A5EAF05CA1FAULL;
inline constexpr uint64_t kMasterRecordMagic = 0x00004D53544252A7ULL;
inline constexpr uint64_t kHostSlotMagic = 0x000048535453AB07ULL;
inline constexpr uint32_t kHostAreaVersion = 1;
// Header feature bits (0x30). Delete: the file system was formatted with
// deletion enabled (docs/delete.md); only then are DELETE entries written
// and applied.
inline constexpr uint64_t kFeatureDelete = 1;
inline constexpr uint64_t kKnownFeatures = kFeatureDelete;

static_assert(kSuperblockSize <= kHostAreaOffset);
static_assert(kHostAreaOffset + kHostHeaderSize <= kMasterRecordOffset);
static_assert(kMasterRecordOffset + kMasterRecordSize <= kHostSlotOffset);
static_assert(kHostAreaEnd <= kSuperblockRegion);
static_assert(kHostAreaOffset % 64 == 0 && kMasterRecordOffset % 64 == 0 && kHostSlotOffset % 64 == 0);

// Device offset of host slot SLOT.
constexpr uint64_t host_slot_offset(uint32_t slot) { return kHostSlotOffset + kHostSlotSize * slot; }

// The header: written by mkfs.famfs and by the master when it finds no valid
// header; binds the area to one file system (fs_uuid), so an area left by an
// earlier mkfs is not taken for this one's.
struct HostAreaHeader {
  uint64_t magic = kHostAreaMagic;
  uint32_t version = kHostAreaVersion;
  uint32_t slot_count = kHostSlotCount;
  uint32_t slot_size = kHostSlotSize;
  uint32_t slot_offset = kHostSlotOffset;
  uint32_t master_offset = kMasterRecordOffset;
  Uuid fs_uuid;
  uint64_t features = 0;  // kFeature* bits
  uint64_t crc = 0;       // as stored; encode computes it

  friend bool operator==(const HostAreaHeader&, const HostAreaHeader&) = default;
};

// A host's identity: the system UUID decides the role; boot id and hostname
// tell two hosts (or two boots) with one system UUID apart, e.g. a cloned VM.
struct HostIdentity {
  Uuid system_uuid;
  Uuid boot_id;
  std::string hostname;  // at most 64 bytes are stored
  uint32_t pid = 0;

  // Same system UUID, boot id and hostname (pid not compared).
  bool same_host(const HostIdentity& other) const {
    return system_uuid == other.system_uuid && boot_id == other.boot_id && hostname == other.hostname;
  }
  friend bool operator==(const HostIdentity&, const HostIdentity&) = default;
};

enum class MasterState : uint32_t { beating = 1, stopped = 2 };

// The master's beat: written only by the host that holds the master role.
struct MasterRecord {
  uint64_t magic = kMasterRecordMagic;
  HostIdentity host;
  uint32_t interval_ms = 0;   // its heartbeat interval
  uint64_t counter = 0;       // bumped every beat
  uint64_t beat_time_us = 0;  // wall clock (CLOCK_REALTIME) of the last beat, us since the epoch
  uint64_t since_us = 0;      // when it took the role
  MasterState state = MasterState::beating;
  uint64_t crc = 0;

  friend bool operator==(const MasterRecord&, const MasterRecord&) = default;
};

enum class HostRole : uint32_t { master = 1, client = 2 };
enum class HostState : uint32_t { ready = 1, degraded = 2, failed = 3, stopped = 4 };

// Stable lower-case names ("master", "client"; "ready", "degraded", "failed", "stopped").
const char* host_role_name(HostRole role);
const char* host_state_name(HostState state);

// One host's slot: written only by the host that owns it.
struct HostSlot {
  uint64_t magic = kHostSlotMagic;
  HostIdentity host;
  HostRole role = HostRole::client;
  HostState state = HostState::ready;
  uint64_t applied = 0;  // log entries this host has applied (its next index)
  // Deletion (docs/delete.md): every DELETE entry below this index is
  // applied here and none of the files it removed is still open or mapped
  // on this host. 0 from a famfsd that predates deletion (holds everything).
  uint64_t released = 0;
  uint64_t counter = 0;       // bumped every beat
  uint64_t beat_time_us = 0;  // wall clock of the last beat, us since the epoch
  uint32_t interval_ms = 0;   // its heartbeat interval
  uint64_t joined_us = 0;     // when it claimed the slot
  uint64_t crc = 0;

  friend bool operator==(const HostSlot&, const HostSlot&) = default;
};

using HostHeaderBytes = std::span<uint8_t, kHostHeaderSize>;
using ConstHostHeaderBytes = std::span<const uint8_t, kHostHeaderSize>;
using RecordBytes = std::span<uint8_t, kHostSlotSize>;
using ConstRecordBytes = std::span<const uint8_t, kHostSlotSize>;
static_assert(kMasterRecordSize == kHostSlotSize);

// Encoders write every field at its offset into zeroed OUT and store the CRC.
void encode_host_header(const HostAreaHeader& h, HostHeaderBytes out);
void encode_master_record(const MasterRecord& m, RecordBytes out);
void encode_host_slot(const HostSlot& s, RecordBytes out);

// Decoders read every field, no validation.
HostAreaHeader decode_host_header(ConstHostHeaderBytes in);
MasterRecord decode_master_record(ConstRecordBytes in);
HostSlot decode_host_slot(ConstRecordBytes in);

// Whether all 256 bytes are zero (a free slot, no master record).
bool record_is_empty(ConstRecordBytes in);

// Validators: corrupt with a precise reason (magic, CRC, version, geometry,
// fs_uuid, enum values, hostname bytes), else the record.
Result<HostAreaHeader> validate_host_header(ConstHostHeaderBytes in, const Uuid& fs_uuid);
Result<MasterRecord> validate_master_record(ConstRecordBytes in);
Result<HostSlot> validate_host_slot(ConstRecordBytes in);

// The header a fresh area of file system FS_UUID carries, with FEATURES.
HostAreaHeader new_host_header(const Uuid& fs_uuid, uint64_t features = 0);

// Where the probe for SYSTEM_UUID's slot starts and how it steps: slot
// (start + k * step) % kHostSlotCount for k = 0, 1, ...; step is odd, so the
// sequence visits every slot, and two UUIDs that start at one slot most
// likely step apart. Both come from crc32 of the 16 UUID bytes.
struct SlotProbe {
  uint32_t start = 0, step = 1;
  uint32_t at(uint32_t k) const { return static_cast<uint32_t>((start + uint64_t{k} * step) % kHostSlotCount); }
};
SlotProbe slot_probe(const Uuid& system_uuid);

}  // namespace famfs::omf

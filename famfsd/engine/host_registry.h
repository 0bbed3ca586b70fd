// The host area on a device: reading it (invalidating first), preparing it,
// and the writes each host makes to its own records. No cross-host atomics:
// a record is claimed by writing it, flushing it, waiting, and reading it
// back; whoever still finds its own bytes there owns it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "device/device.h"
#include "omf/host_area.h"
#include "util/result.h"
#include "util/uuid.h"

namespace famfs {

// Wall clock (CLOCK_REALTIME) in microseconds since the epoch: the clock of
// the host records' beat times.
uint64_t wall_clock_us();

// A host (or the master) is stale when its counter has not moved for 2.5 of
// its heartbeat intervals: one late beat is tolerated, two missed ones are
// not. A host with the master's system UUID takes the master role over when
// the holder's beats have stopped for 5 of its intervals.
constexpr uint64_t stale_after_us(uint32_t interval_ms) { return uint64_t{interval_ms} * 2500; }
constexpr uint64_t takeover_after_us(uint32_t interval_ms) { return uint64_t{interval_ms} * 5000; }

// One record as read: absent (all zero), valid, or invalid with the reason.
template <typename Record>
struct RecordRead {
  std::optional<Record> record;  // when valid
  bool empty = false;            // all 256 bytes zero
  std::string problem;           // why it is invalid (neither empty nor valid)
};

struct SlotEntry {
  uint32_t slot = 0;
  omf::HostSlot record;
};

// The whole area as one host saw it at one moment.
struct HostAreaView {
  std::optional<omf::HostAreaHeader> header;                // nullopt: treated as an empty area
  std::string header_problem;                               // why there is no valid header
  RecordRead<omf::MasterRecord> master;                     // only read with a valid header
  std::vector<SlotEntry> hosts;                             // valid slots, in slot order
  std::vector<std::pair<uint32_t, std::string>> bad_slots;  // neither empty nor valid
};

// Reads the header (and, when it is valid for FS_UUID, the master record and,
// with SLOTS, every slot). Device errors only (memory_error); bad bytes are
// reported in the view.
Result<HostAreaView> read_host_area(Device& dev, const Uuid& fs_uuid, bool slots);

// Reads the master record alone (invalidating it first).
Result<RecordRead<omf::MasterRecord>> read_master_record(Device& dev);
// read_master_record's verdict on the record's bytes already read (kHostSlotSize
// of them): for a caller that keeps the bytes and decodes only when they change.
RecordRead<omf::MasterRecord> classify_master_record(omf::ConstRecordBytes bytes);
// Reads slot SLOT alone (invalidating it first).
Result<RecordRead<omf::HostSlot>> read_host_slot(Device& dev, uint32_t slot);

// Zeroes the whole area and writes a fresh header for FS_UUID with FEATURES
// (omf::kFeature*), flushed (mkfs.famfs, and the master when it finds no
// valid header).
Status init_host_area(Device& dev, const Uuid& fs_uuid, uint64_t features = 0);

// Writes and flushes the master record (the holder's beat).
Status write_master_record(Device& dev, const omf::MasterRecord& record);
// Writes and flushes slot SLOT (its owner's beat).
Status write_host_slot(Device& dev, uint32_t slot, const omf::HostSlot& record);
// Zeroes and flushes slot SLOT (forgetting a dead host).
Status clear_host_slot(Device& dev, uint32_t slot);

// How a claim waits for concurrent claimers, and how it judges old slots.
struct ClaimRules {
  // Between write-back and read-back. A concurrent claimer reads a slot and
  // writes it within microseconds; this must be far longer than that.
  uint64_t settle_us = 50'000;
  // Wall clock now, us since the epoch.
  std::function<uint64_t()> now_us;
  // Whether process PID of this host (same boot id and hostname) still runs.
  std::function<bool(uint32_t pid)> pid_alive;
  // A slot of this host whose beat is older than this is free for it again.
  uint64_t stale_us = 0;
  // Sleeps for US microseconds (tests may replace it).
  std::function<void(uint64_t us)> sleep_us;
};

// Claims a slot for MINE: the slot this host (same system UUID, boot id and
// hostname) had before, when its process is gone or its beat stale;
// otherwise the first empty slot in MINE's probe order. Each candidate is
// re-read just before the write; after write, flush, RULES.settle_us and a
// read-back that does not show MINE, the next candidate is tried. Errors:
// no_space (every slot taken), memory_error.
Result<uint32_t> claim_host_slot(Device& dev, const omf::HostSlot& mine, const ClaimRules& rules);

// Writes MINE as the master record, flushes, waits RULES.settle_us and reads
// it back: true when MINE is still there (this host holds the role), false
// when another host's record replaced it.
Result<bool> claim_master_record(Device& dev, const omf::MasterRecord& mine, const ClaimRules& rules);

// Whether two records name one host process (identity and pid).
bool same_process(const omf::HostIdentity& a, const omf::HostIdentity& b);

}  // namespace famfs

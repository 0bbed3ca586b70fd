// This host's part in the host area (docs/host-area.md): its slot, the
// master record when it holds the master role, and what it sees of the
// others (MasterAlive, Hosts). Enforces the single-writer rule on the
// volume: a host with the master's system UUID writes only while it holds
// the master record. Event loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "device/device.h"
#include "engine/host_registry.h"
#include "engine/volume.h"
#include "omf/host_area.h"
#include "service/device_snapshot.h"
#include "util/result.h"

namespace famfs::service {

// One host as the Hosts property shows it.
struct HostView {
  uint32_t slot = 0;
  std::string system_uuid, boot_id, hostname;
  std::string role;           // master, client
  std::string state;          // ready, degraded, failed, stopped, or stale (beats stopped)
  uint64_t applied = 0;       // log entries it has applied
  uint64_t released = 0;      // DELETE entries below this are released there (docs/delete.md)
  uint64_t last_seen_us = 0;  // wall clock of its last beat
  uint32_t pid = 0;
  friend bool operator==(const HostView&, const HostView&) = default;
};

struct PresenceEvents {
  std::function<void(const HostView&)> host_appeared;
  std::function<void(const HostView&)> host_stale;
  std::function<void(const std::string& system_uuid, const std::string& hostname, uint64_t last_seen_us)>
      master_stopped;
  // MasterAlive or Hosts changed (not sent for a beat that changes nothing else).
  std::function<void()> changed;
  // This host took, was refused or lost the master role.
  std::function<void()> role_changed;
};

struct PresenceSettings {
  omf::HostIdentity me;  // system UUID, boot id, hostname, pid
  uint32_t interval_ms = 1000;
  uint64_t settle_us = 50'000;  // claim wait (docs/host-area.md)
  std::string instance_name;    // for log lines
  // The index this host has released up to (docs/delete.md): every DELETE
  // entry below it applied and none of its files still open or mapped here.
  // Empty: the applied index.
  std::function<uint64_t()> released;
};

class HostPresence {
 public:
  HostPresence(Device& dev, Volume& volume, PresenceSettings settings, PresenceEvents events);

  // One heartbeat: prepares the area (master only, when it has no valid
  // header), claims or beats the master record (a host with the master's
  // system UUID), claims or refreshes this host's slot with STATE and the
  // applied log index, and reads the table. Errors: device errors only.
  Status beat(omf::HostState state);
  // Re-reads the master record alone (cheap; every log poll on clients):
  // liveness, and the takeover when the holder has gone silent.
  Status watch();
  // Clean stop: the slot says stopped, and so does the master record if held.
  // With MARK_STOPPED false (files of this host's mount are still in use)
  // the slot is left as it is: it goes stale and holds the release of
  // removed files until famfsd returns here or root forgets the host.
  void stop(bool mark_stopped = true);
  // The volume's write check: re-reads the master record before an append.
  // not_master when another host holds it now (this host stops writing).
  Status confirm_master();
  // Frees the slots of host SYSTEM_UUID that no longer beat. Returns how many.
  // not_found: no such host; busy: it still beats; invalid_argument: this host.
  Result<uint32_t> forget(const Uuid& system_uuid);
  // Zeroes slot SLOT when it holds bytes that do not validate (damage, or a
  // claim that never finished): such a slot may be a host, so it holds the
  // release of removed files back until then (docs/delete.md). Returns 1.
  // not_found: the slot is empty; invalid_argument: out of range, or a valid
  // host (forget that by its UUID); unsupported: no registry.
  Result<uint32_t> forget_slot(uint32_t slot);
  // Slots of other hosts that are neither empty nor valid, with why, as of
  // the last beat.
  const std::vector<std::pair<uint32_t, std::string>>& damaged_slots() const { return damaged_; }
  // Hosts that were registered when this host re-initialized a damaged area
  // (which zeroes every slot) and have not registered again since: they may
  // still use removed files, so they hold the release like stale hosts until
  // they come back or are forgotten by UUID (docs/delete.md).
  const std::vector<HostView>& carried() const { return carried_; }
  // Whether this host re-initialized the area less than 5 of its heartbeat
  // intervals ago: live hosts get that long to register again before
  // anything is released.
  bool settling_after_reinit() const;

  bool master_alive() const { return master_alive_; }
  uint64_t master_last_seen_us() const { return master_last_seen_us_; }
  const std::vector<HostView>& hosts() const { return hosts_; }
  // Why this host, owning the superblock, does not hold the master role ("" otherwise).
  const std::string& refusal() const { return refusal_; }
  // Why there is no registry ("" when the area is in use).
  const std::string& area_problem() const { return area_problem_; }
  std::optional<uint32_t> slot() const { return slot_; }

 private:
  struct Seen {
    omf::HostIdentity host;
    uint64_t counter = 0;
    uint64_t changed_mono_us = 0;  // our monotonic clock when the counter last moved
    bool fresh = false;
  };

  ClaimRules rules() const;
  omf::MasterRecord my_master_record(uint64_t wall) const;
  Status beat_master(const RecordRead<omf::MasterRecord>& read, uint64_t mono, uint64_t wall);
  Status try_master(const RecordRead<omf::MasterRecord>& read, uint64_t mono, uint64_t wall);
  Status claim_master(const RecordRead<omf::MasterRecord>& decided_on, uint64_t mono, uint64_t wall,
                      const std::string& previous);
  void refuse(std::string why);
  void lose(const omf::HostIdentity& holder);
  void observe_master(const RecordRead<omf::MasterRecord>& read, uint64_t mono, uint64_t wall);
  // The master record as it is now (read afresh; decoded only when its bytes
  // differ from the last decode's). The pointer is valid until the next call.
  Result<const RecordRead<omf::MasterRecord>*> master_record_now();
  Status beat_slot(const HostAreaView& view, omf::HostState state, uint64_t wall);
  void observe_hosts(const HostAreaView& view, uint64_t mono, uint64_t wall);
  std::string describe(const omf::HostIdentity& h) const;

  Device& dev_;
  Volume& vol_;
  PresenceSettings s_;
  PresenceEvents events_;
  const bool candidate_;  // this host's system UUID is the superblock's

  bool holding_ = false;  // this host holds the master record
  std::string refusal_;
  uint64_t master_counter_ = 0, master_since_us_ = 0, last_master_beat_mono_us_ = 0, last_master_beat_wall_us_ = 0;
  std::optional<Seen> master_seen_;
  DeviceSnapshot master_bytes_{omf::kMasterRecordOffset, omf::kHostSlotSize};  // watch()'s last read
  RecordRead<omf::MasterRecord> master_read_;                                  // its decode
  bool master_alive_ = false;
  uint64_t master_last_seen_us_ = 0;

  std::optional<uint32_t> slot_;
  omf::HostSlot written_;  // what this host last wrote to its slot
  uint64_t slot_counter_ = 0, joined_us_ = 0;
  std::map<uint32_t, Seen> seen_;  // by slot
  std::vector<HostView> hosts_;
  std::vector<std::pair<uint32_t, std::string>> damaged_;
  std::vector<HostView> carried_;
  uint64_t reinit_mono_us_ = 0;  // when this host last re-initialized the area (0: never)
  bool scanned_ = false;
  std::string area_problem_;
};

// The kernel's boot id (/proc/sys/kernel/random/boot_id).
Result<Uuid> read_boot_id();
// Whether process PID runs on this host.
bool process_alive(uint32_t pid);

}  // namespace famfs::service

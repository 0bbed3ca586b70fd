#include "engine/host_registry.h"

#include <time.h>

#include <array>
#include <span>

#include "omf/bytes.h"

namespace famfs {

uint64_t wall_clock_us() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000 + static_cast<uint64_t>(ts.tv_nsec) / 1000;
}
namespace {

using omf::kHostSlotSize;

template <typename Record>
RecordRead<Record> classify(const uint8_t* p, Result<Record> (*validate)(omf::ConstRecordBytes)) {
  RecordRead<Record> r;
  omf::ConstRecordBytes bytes(p, kHostSlotSize);
  if (omf::record_is_empty(bytes)) {
    r.empty = true;
    return r;
  }
  auto v = validate(bytes);
  if (v)
    r.record = std::move(v.value());
  else
    r.problem = v.error().message();
  return r;
}

Status read_fresh(Device& dev, uint64_t off, void* dst, size_t len) {
  FAMFS_TRY(dev.invalidate(off, len));
  return dev.read(off, dst, len);
}

}  // namespace

bool same_process(const omf::HostIdentity& a, const omf::HostIdentity& b) { return a.same_host(b) && a.pid == b.pid; }

Result<HostAreaView> read_host_area(Device& dev, const Uuid& fs_uuid, bool slots) {
  HostAreaView view;
  if (dev.size() < omf::kHostAreaEnd) {
    view.header_problem = "device too small for a host area";
    return view;
  }
  std::array<uint8_t, omf::kHostHeaderSize> hdr;
  FAMFS_TRY(read_fresh(dev, omf::kHostAreaOffset, hdr.data(), hdr.size()));
  auto h = omf::validate_host_header(hdr, fs_uuid);
  if (!h) {
    view.header_problem = h.error().message();
    return view;
  }
  view.header = h.value();
  auto m = read_master_record(dev);
  if (!m) return m.error();
  view.master = std::move(m.value());
  if (!slots) return view;
  std::vector<uint8_t> table(kHostSlotSize * omf::kHostSlotCount);
  FAMFS_TRY(read_fresh(dev, omf::kHostSlotOffset, table.data(), table.size()));
  for (uint32_t i = 0; i < omf::kHostSlotCount; ++i) {
    const uint8_t* p = table.data() + uint64_t{i} * kHostSlotSize;
    // Most slots are free: skip them without a CRC.
    if (omf::load_u64(p) == 0 && omf::record_is_empty(omf::ConstRecordBytes(p, kHostSlotSize))) continue;
    auto r = classify<omf::HostSlot>(p, omf::validate_host_slot);
    if (r.record)
      view.hosts.push_back({i, std::move(*r.record)});
    else if (!r.empty)
      view.bad_slots.emplace_back(i, std::move(r.problem));
  }
  return view;
}

Result<RecordRead<omf::MasterRecord>> read_master_record(Device& dev) {
  std::array<uint8_t, kHostSlotSize> raw;
  FAMFS_TRY(read_fresh(dev, omf::kMasterRecordOffset, raw.data(), raw.size()));
  return classify<omf::MasterRecord>(raw.data(), omf::validate_master_record);
}

RecordRead<omf::MasterRecord> classify_master_record(omf::ConstRecordBytes bytes) {
  return classify<omf::MasterRecord>(bytes.data(), omf::validate_master_record);
}

Result<RecordRead<omf::HostSlot>> read_host_slot(Device& dev, uint32_t slot) {
  if (slot >= omf::kHostSlotCount)
    return Error(Errc::invalid_argument, "slot " + std::to_string(slot) + " out of range");
  std::array<uint8_t, kHostSlotSize> raw;
  FAMFS_TRY(read_fresh(dev, omf::host_slot_offset(slot), raw.data(), raw.size()));
  return classify<omf::HostSlot>(raw.data(), omf::validate_host_slot);
}

Status init_host_area(Device& dev, const Uuid& fs_uuid, uint64_t features) {
  if (dev.size() < omf::kHostAreaEnd)
    return Error(Errc::invalid_argument, dev.path() + " is too small for a host area");
  // Header first (invalid while the rest is zeroed), then everything else.
  const uint8_t zeros[omf::kHostHeaderSize] = {};
  FAMFS_TRY(dev.write(omf::kHostAreaOffset, zeros, sizeof zeros));
  FAMFS_TRY(dev.flush(omf::kHostAreaOffset, sizeof zeros));
  FAMFS_TRY(dev.zero(omf::kHostAreaOffset, omf::kSuperblockRegion - omf::kHostAreaOffset));
  std::array<uint8_t, omf::kHostHeaderSize> hdr;
  omf::encode_host_header(omf::new_host_header(fs_uuid, features), hdr);
  FAMFS_TRY(dev.write(omf::kHostAreaOffset, hdr.data(), hdr.size()));
  return dev.flush(omf::kHostAreaOffset, hdr.size());
}

Status write_master_record(Device& dev, const omf::MasterRecord& record) {
  std::array<uint8_t, kHostSlotSize> raw;
  omf::encode_master_record(record, raw);
  return dev.write_flushed(omf::kMasterRecordOffset, raw.data(), raw.size());
}

Status write_host_slot(Device& dev, uint32_t slot, const omf::HostSlot& record) {
  if (slot >= omf::kHostSlotCount)
    return Error(Errc::invalid_argument, "slot " + std::to_string(slot) + " out of range");
  std::array<uint8_t, kHostSlotSize> raw;
  omf::encode_host_slot(record, raw);
  return dev.write_flushed(omf::host_slot_offset(slot), raw.data(), raw.size());
}

Status clear_host_slot(Device& dev, uint32_t slot) {
  if (slot >= omf::kHostSlotCount)
    return Error(Errc::invalid_argument, "slot " + std::to_string(slot) + " out of range");
  const std::array<uint8_t, kHostSlotSize> zeros{};
  return dev.write_flushed(omf::host_slot_offset(slot), zeros.data(), zeros.size());
}

namespace {

// Whether MINE may take a slot holding R: it is empty, or it is this host's
// own earlier slot whose process is gone (or whose beat is stale).
bool usable_for(const RecordRead<omf::HostSlot>& r, const omf::HostSlot& mine, const ClaimRules& rules) {
  if (r.empty) return true;
  if (!r.record) return false;  // unreadable: maybe a claim in progress; never overwrite it
  const omf::HostIdentity& other = r.record->host;
  if (!other.same_host(mine.host)) return false;
  if (other.pid == mine.host.pid) return true;
  if (r.record->state == omf::HostState::stopped) return true;
  if (rules.pid_alive && !rules.pid_alive(other.pid)) return true;
  uint64_t now = rules.now_us ? rules.now_us() : 0;
  return rules.stale_us != 0 && r.record->beat_time_us + rules.stale_us < now;
}

Result<bool> settle_and_check(Device& dev, uint64_t off, const std::array<uint8_t, kHostSlotSize>& mine,
                              const ClaimRules& rules) {
  if (rules.sleep_us) rules.sleep_us(rules.settle_us);
  std::array<uint8_t, kHostSlotSize> back;
  FAMFS_TRY(read_fresh(dev, off, back.data(), back.size()));
  return back == mine;
}

}  // namespace

Result<uint32_t> claim_host_slot(Device& dev, const omf::HostSlot& mine, const ClaimRules& rules) {
  const omf::SlotProbe probe = omf::slot_probe(mine.host.system_uuid);
  // This host's own earlier slot first (a restart keeps its slot), then the
  // first free one in probe order.
  std::optional<uint32_t> own;
  std::vector<uint8_t> table(kHostSlotSize * omf::kHostSlotCount);
  FAMFS_TRY(read_fresh(dev, omf::kHostSlotOffset, table.data(), table.size()));
  std::vector<uint32_t> order;
  order.reserve(omf::kHostSlotCount);
  for (uint32_t k = 0; k < omf::kHostSlotCount; ++k) {
    uint32_t slot = probe.at(k);
    auto r = classify<omf::HostSlot>(table.data() + uint64_t{slot} * kHostSlotSize, omf::validate_host_slot);
    if (!own && r.record && r.record->host.same_host(mine.host) && usable_for(r, mine, rules)) own = slot;
    if (r.empty) order.push_back(slot);
  }
  if (own) order.insert(order.begin(), *own);

  std::array<uint8_t, kHostSlotSize> raw;
  omf::encode_host_slot(mine, raw);
  for (uint32_t slot : order) {
    auto now = read_host_slot(dev, slot);  // just before writing: someone may have come first
    if (!now) return now.error();
    if (!usable_for(*now, mine, rules)) continue;
    const uint64_t off = omf::host_slot_offset(slot);
    FAMFS_TRY(dev.write_flushed(off, raw.data(), raw.size()));
    auto kept = settle_and_check(dev, off, raw, rules);
    if (!kept) return kept.error();
    if (*kept) return slot;
    // Another host wrote it after us: it is theirs, leave their bytes alone.
  }
  return Error(Errc::no_space, "every one of the " + std::to_string(omf::kHostSlotCount) +
                                   " host slots is taken (famfsctl hosts forget frees a dead host's)");
}

Result<bool> claim_master_record(Device& dev, const omf::MasterRecord& mine, const ClaimRules& rules) {
  std::array<uint8_t, kHostSlotSize> raw;
  omf::encode_master_record(mine, raw);
  FAMFS_TRY(dev.write_flushed(omf::kMasterRecordOffset, raw.data(), raw.size()));
  return settle_and_check(dev, omf::kMasterRecordOffset, raw, rules);
}

}  // namespace famfs

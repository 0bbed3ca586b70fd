// libFuzzer target over the codec and replay (issue 2).
//
// Input layout: byte 0 selects fix-ups, then the superblock (200 bytes), the
// log header (48 bytes) and log entries (544 bytes each). Fix-ups make valid
// CRCs and sane fields so the fuzzer reaches the deeper checks:
//   bit 0: superblock magic/version/geometry/CRC valid (dev_size left as is)
//   bit 1: log header magic/log_len/last_index/CRC valid (next_index left as is)
//   bit 2: every entry gets seqnum = its slot and a valid CRC
//   bit 6: keep the raw next_index (else it is bounded to the entries given
//          plus two, so most runs stay fast; the raw value exercises clamping)
// Bytes left over after the entries (fewer than 544 when fewer than 64 entries
// are given) fill the host area (issue 12): a fix-up byte (bit 0: valid
// header for the superblock's fs_uuid; bit 1: reseal the master record's
// CRC; bit 2: reseal the slot's CRC; bit 3: the valid header has the
// deletion feature, so DELETE entries are applied), then the header (64 bytes), the master
// record (256) and the slot where the owner's probe starts.
// Beyond "no crash, no sanitizer report", it checks replay's invariants: every
// file in the namespace has a valid map inside the data area, no two files
// share a unit, and appending on the replayed state keeps them; and the host
// area's: every host read back validates, a claim either fails with a named
// error or leaves the claimer's record in the slot it returns, and a claim
// never overwrites a slot that was neither empty nor the claimer's.
#include <array>
#include <cstdint>
#include <cstring>

#include "../unit/fake_device.h"
#include "engine/allocator.h"
#include "engine/host_registry.h"
#include "engine/volume.h"
#include "omf/bytes.h"
#include "omf/crc.h"
#include "omf/host_area.h"
#include "omf/layout.h"
#include "omf/path_rules.h"
#include "tools/check_report.h"
#include "tools/host_area_report.h"

namespace {

using namespace famfs;
constexpr uint64_t kDeviceSize = 64ULL << 20;  // metadata (10 MiB) plus 27 units

void check_invariants(const Volume& v) {
  Allocator fresh(v.geometry());
  const Allocator& live = v.state().allocator();
  v.state().names().for_each([&](const Node& n) {
    if (omf::path_problem(n.path)) __builtin_trap();
    if (n.is_dir) return;
    if (omf::check_file_map(n.map, n.size, v.geometry())) __builtin_trap();
    if (fresh.claim(n.map) != 0) __builtin_trap();  // cross-link got through
  });
  // Deletion: no live file's unit is pending release, every pending unit is in use.
  const AllocationBitmap& pending = live.pending_bitmap();
  for (uint64_t u = 0; u < pending.size(); ++u) {
    if (!pending.test(u)) continue;
    if (fresh.bitmap().test(u) || !live.bitmap().test(u)) __builtin_trap();
  }
}

// Fills the host area from DATA (see the header comment) and exercises it.
void fuzz_host_area(testing::FakeDevice& dev, const uint8_t* data, size_t size) {
  if (size == 0) return;
  const uint8_t hflags = data[0];
  ++data;
  --size;
  uint8_t* base = dev.bytes();
  Uuid fs, owner;
  std::memcpy(fs.bytes.data(), base + 0x30, 16);
  std::memcpy(owner.bytes.data(), base + 0x50, 16);
  const uint32_t start = omf::slot_probe(owner).start;
  struct Part {
    uint64_t off, len, crc_at;
    bool reseal;
  } parts[] = {{omf::kHostAreaOffset, omf::kHostHeaderSize, 0x38, false},
               {omf::kMasterRecordOffset, omf::kMasterRecordSize, 0xF8, (hflags & 2) != 0},
               {omf::host_slot_offset(start), omf::kHostSlotSize, 0xF8, (hflags & 4) != 0}};
  for (const Part& p : parts) {
    size_t n = std::min<size_t>(size, p.len);
    std::memcpy(base + p.off, data, n);
    data += n;
    size -= n;
    if (p.reseal) omf::store_u64(base + p.off + p.crc_at, omf::crc32_of(base + p.off, p.crc_at));
  }
  if (hflags & 1) {
    std::array<uint8_t, omf::kHostHeaderSize> hdr;
    omf::encode_host_header(omf::new_host_header(fs, (hflags & 8) ? omf::kFeatureDelete : 0), hdr);
    std::memcpy(base + omf::kHostAreaOffset, hdr.data(), hdr.size());
  }
  std::array<uint8_t, omf::kHostSlotSize> before;
  std::memcpy(before.data(), base + omf::host_slot_offset(start), before.size());

  auto view = read_host_area(dev, fs, true);
  if (!view) __builtin_trap();  // no memory errors on a fake device
  for (const SlotEntry& e : view->hosts) {
    std::array<uint8_t, omf::kHostSlotSize> raw;
    std::memcpy(raw.data(), base + omf::host_slot_offset(e.slot), raw.size());
    if (!omf::validate_host_slot(raw)) __builtin_trap();
  }
  omf::SuperblockRecord sb;
  sb.fs_uuid = fs;
  sb.system_uuid = owner;
  (void)dump_json(host_area_json(*view, sb, 1'000'000'000));
  (void)host_area_text(*view, sb, 1'000'000'000);
  if (!view->header) return;

  ClaimRules rules;
  rules.settle_us = 0;
  rules.now_us = [] { return uint64_t{1'000'000'000}; };
  rules.pid_alive = [](uint32_t pid) { return pid % 2 == 0; };
  rules.stale_us = stale_after_us(1000);
  omf::HostSlot mine;
  mine.host.system_uuid = owner;
  mine.host.hostname = "fuzz";
  mine.host.pid = 7;
  mine.interval_ms = 1000;
  auto slot = claim_host_slot(dev, mine, rules);
  if (slot) {
    auto back = read_host_slot(dev, *slot);
    if (!back || !back->record || !same_process(back->record->host, mine.host)) __builtin_trap();
    // The probe start held bytes that were neither empty nor this host's: untouched.
    bool start_usable = omf::record_is_empty(before);
    if (auto r = omf::validate_host_slot(before)) start_usable = r->host.same_host(mine.host);
    if (!start_usable && *slot == start) __builtin_trap();
  } else if (slot.error().code() != Errc::no_space) {
    __builtin_trap();
  }
  omf::MasterRecord m;
  m.host = mine.host;
  m.interval_ms = 1000;
  auto kept = claim_master_record(dev, m, rules);
  if (!kept || !*kept) __builtin_trap();  // nobody else writes here
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  ++data;
  --size;
  testing::FakeDevice dev(kDeviceSize);
  uint8_t* base = dev.bytes();

  size_t sb_len = std::min<size_t>(size, omf::kSuperblockSize);
  std::memcpy(base, data, sb_len);
  data += sb_len;
  size -= sb_len;
  if (flags & 1) {
    omf::store_u64(base + 0x00, omf::kSuperblockMagic);
    omf::store_u64(base + 0x08, omf::kVersionWritten);
    omf::store_u64(base + 0x10, omf::kLogOffset);
    omf::store_u64(base + 0x18, omf::kDefaultLogLen);
    omf::store_u64(base + 0x20, (flags & 8) ? omf::kSmallAllocUnit : omf::kAllocUnit);
    omf::store_u64(base + 0x60, omf::crc32_of(base, 0x60));
  }
  uint8_t* log = base + omf::kLogOffset;
  size_t hdr_len = std::min<size_t>(size, omf::kLogHeaderSize);
  std::memcpy(log, data, hdr_len);
  data += hdr_len;
  size -= hdr_len;
  if (flags & 2) {
    omf::store_u64(log + 0, omf::kLogMagic);
    omf::store_u64(log + 8, omf::kDefaultLogLen);
    omf::store_u64(log + 16, omf::last_index_for(omf::kDefaultLogLen));
    omf::store_u64(log + 24, omf::crc32_of(log, 24));
  }
  size_t nentries = std::min<size_t>(size / omf::kLogEntrySize, 64);
  const uint8_t* host_area = data + nentries * omf::kLogEntrySize;
  const size_t host_area_len = size - nentries * omf::kLogEntrySize;
  if (!(flags & 0x40) && omf::load_u64(log + 40) > nentries + 2) omf::store_u64(log + 40, nentries + 2);
  for (size_t i = 0; i < nentries; ++i) {
    uint8_t* slot = base + omf::entry_offset(i);
    std::memcpy(slot, data + i * omf::kLogEntrySize, omf::kLogEntrySize);
    if (flags & 4) {
      omf::store_u64(slot, i);
      omf::store_u64(slot + 536, omf::crc32_of(slot, 536));
    }
  }

  fuzz_host_area(dev, host_area, host_area_len);

  Uuid owner;
  std::memcpy(owner.bytes.data(), base + 0x50, 16);
  auto vol = Volume::open(dev, owner);
  if (!vol) return 0;
  Volume& v = **vol;
  check_invariants(v);
  (void)dump_json(check_report_json(v));
  (void)check_report_text(v, true);
  if (v.role() == Role::master && !v.fatal()) {
    FileRequest f;
    f.path = "fuzz_new";
    f.size = 1 + (flags >> 4) * (3ULL << 20);
    if (flags & 0x80) f.interleave = InterleaveParams{2, 2ULL << 20, 2};
    (void)v.create_file(f, /*zero=*/false);
    DirRequest d;
    d.path = "fuzz_dir";
    (void)v.make_directory(d);
    check_invariants(v);
    // Deletion, when enabled: remove, replay on another host, release, reuse.
    if (v.delete_enabled()) {
      const uint64_t pending_before = v.state().allocator().pending_bytes();
      auto plan = v.removal_plan("fuzz_new", false);
      if (plan && v.remove_nodes(*plan)) {
        if (v.state().names().find("fuzz_new")) __builtin_trap();
        if (v.state().allocator().pending_bytes() <= pending_before) __builtin_trap();
      }
      check_invariants(v);
      (void)v.release_before(v.log_entries());
      if (v.state().allocator().pending_bytes() != 0) __builtin_trap();
      (void)v.create_file(f, /*zero=*/false);
      check_invariants(v);
    }
    auto again = Volume::open(dev, Uuid{});
    if (again && !(*again)->fatal()) check_invariants(**again);
  }
  return 0;
}

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
// Beyond "no crash, no sanitizer report", it checks replay's invariants: every
// file in the namespace has a valid map inside the data area, no two files
// share a unit, and appending on the replayed state keeps them.
#include <cstdint>
#include <cstring>

#include "../unit/fake_device.h"
#include "engine/allocator.h"
#include "engine/check_report.h"
#include "engine/volume.h"
#include "omf/bytes.h"
#include "omf/crc.h"
#include "omf/layout.h"
#include "omf/path_rules.h"

namespace {

using namespace famfs;
constexpr uint64_t kDeviceSize = 64ULL << 20;  // metadata (10 MiB) plus 27 units

void check_invariants(const Volume& v) {
  Allocator fresh(v.geometry());
  v.state().names().for_each([&](const Node& n) {
    if (omf::path_problem(n.path)) __builtin_trap();
    if (n.is_dir) return;
    if (omf::check_file_map(n.map, n.size, v.geometry())) __builtin_trap();
    if (fresh.claim(n.map) != 0) __builtin_trap();  // cross-link got through
  });
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
  if (!(flags & 0x40) && omf::load_u64(log + 40) > nentries + 2) omf::store_u64(log + 40, nentries + 2);
  for (size_t i = 0; i < nentries; ++i) {
    uint8_t* slot = base + omf::entry_offset(i);
    std::memcpy(slot, data + i * omf::kLogEntrySize, omf::kLogEntrySize);
    if (flags & 4) {
      omf::store_u64(slot, i);
      omf::store_u64(slot + 536, omf::crc32_of(slot, 536));
    }
  }

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
    auto again = Volume::open(dev, Uuid{});
    if (again && !(*again)->fatal()) check_invariants(**again);
  }
  return 0;
}

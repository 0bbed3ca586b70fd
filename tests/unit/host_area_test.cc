// The host area codec: every field at its documented offset, CRCs, and every
// validation rule pinned by a corrupted buffer (docs/host-area.md).
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <set>

#include "omf/bytes.h"
#include "omf/crc.h"
#include "omf/host_area.h"

namespace famfs::omf {
namespace {

using HeaderBytes = std::array<uint8_t, kHostHeaderSize>;
using Bytes = std::array<uint8_t, kHostSlotSize>;

Uuid uuid_of(uint8_t seed) {
  Uuid u;
  for (size_t i = 0; i < 16; ++i) u.bytes[i] = static_cast<uint8_t>(seed + i);
  return u;
}

HostIdentity identity() {
  HostIdentity h;
  h.system_uuid = uuid_of(0x10);
  h.boot_id = uuid_of(0x40);
  h.hostname = "node-7.example";
  h.pid = 0x01020304;
  return h;
}

MasterRecord master() {
  MasterRecord m;
  m.host = identity();
  m.interval_ms = 1000;
  m.counter = 0x1122334455667788ULL;
  m.beat_time_us = 0x0006000000000001ULL;
  m.since_us = 0x0005000000000002ULL;
  m.state = MasterState::beating;
  return m;
}

HostSlot slot() {
  HostSlot s;
  s.host = identity();
  s.role = HostRole::client;
  s.state = HostState::degraded;
  s.applied = 15419;
  s.counter = 77;
  s.beat_time_us = 0x0006000000000003ULL;
  s.interval_ms = 250;
  s.joined_us = 0x0006000000000000ULL;
  return s;
}

void reseal(uint8_t* p, size_t crc_at) { store_u64(p + crc_at, crc32_of(p, crc_at)); }

// A mutation for the EachRuleRejects tests: sets the WIDTH-byte field at AT
// to VALUE and makes the CRC at CRC_AT right again, so that the field's own
// rule, not the CRC, is what rejects the record.
struct Resealed {
  size_t at;
  uint64_t value;
  unsigned width;
  size_t crc_at;
  void operator()(uint8_t* p) const {
    if (width == 8)
      store_u64(p + at, value);
    else if (width == 4)
      store_u32(p + at, static_cast<uint32_t>(value));
    else
      p[at] = static_cast<uint8_t>(value);
    reseal(p, crc_at);
  }
};

TEST(HostAreaLayout, FitsAfterTheSuperblockInsideItsRegion) {
  EXPECT_GE(kHostAreaOffset, kSuperblockSize);
  EXPECT_LE(kHostAreaEnd, kSuperblockRegion);
  EXPECT_EQ(host_slot_offset(0), 0x2000u);
  EXPECT_EQ(host_slot_offset(kHostSlotCount - 1) + kHostSlotSize, kHostAreaEnd);
  // Every record owns whole cache lines: no two writers share one.
  EXPECT_EQ(kHostSlotSize % 64, 0u);
  EXPECT_EQ(kMasterRecordOffset % 64, 0u);
}

TEST(HostAreaHeader, EveryFieldAtItsOffset) {
  HeaderBytes b;
  encode_host_header(new_host_header(uuid_of(0xA0)), b);
  const uint8_t* p = b.data();
  EXPECT_EQ(load_u64(p + 0x00), kHostAreaMagic);
  EXPECT_EQ(load_u32(p + 0x08), 1u);
  EXPECT_EQ(load_u32(p + 0x0C), 4096u);
  EXPECT_EQ(load_u32(p + 0x10), 256u);
  EXPECT_EQ(load_u32(p + 0x14), 0x2000u);
  EXPECT_EQ(load_u32(p + 0x18), 0x1100u);
  EXPECT_EQ(load_u32(p + 0x1C), 0u);
  EXPECT_EQ(std::memcmp(p + 0x20, uuid_of(0xA0).bytes.data(), 16), 0);
  EXPECT_EQ(load_u64(p + 0x30), 0u);
  EXPECT_EQ(load_u64(p + 0x38), crc32_of(p, 0x38));
  auto v = validate_host_header(b, uuid_of(0xA0));
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_EQ(v->fs_uuid, uuid_of(0xA0));
  EXPECT_EQ(decode_host_header(b).crc, crc32_of(p, 0x38));
}

TEST(HostAreaHeader, ZeroedOrRandomBytesAreNoArea) {
  HeaderBytes zeros{};
  auto v = validate_host_header(zeros, uuid_of(1));
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message().find("magic"), std::string::npos);
  HeaderBytes junk;
  for (size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<uint8_t>(i * 37 + 11);
  EXPECT_FALSE(validate_host_header(junk, uuid_of(1)));
}

TEST(HostAreaHeader, EachRuleRejects) {
  const Uuid fs = uuid_of(0xA0);
  auto bad = [&](auto mutate, const char* word) {
    HeaderBytes b;
    encode_host_header(new_host_header(fs), b);
    mutate(b.data());
    auto v = validate_host_header(b, fs);
    ASSERT_FALSE(v) << word;
    EXPECT_EQ(v.error().code(), Errc::corrupt);
    EXPECT_NE(v.error().message().find(word), std::string::npos) << v.error().message();
  };
  bad([](uint8_t* p) { p[0x09] ^= 1; }, "CRC");  // any covered byte, CRC left as is
  bad(Resealed{0x08, 2, 4, 0x38}, "version");
  bad(Resealed{0x0C, 8192, 4, 0x38}, "geometry");
  bad(Resealed{0x10, 128, 4, 0x38}, "geometry");
  bad(Resealed{0x14, 0x3000, 4, 0x38}, "geometry");
  bad(Resealed{0x18, 0x1200, 4, 0x38}, "geometry");
  bad(Resealed{0, 0x1234, 8, 0x38}, "magic");
  bad(
      [&](uint8_t* p) {
        p[0x25] ^= 0xFF;
        reseal(p, 0x38);
      },
      "earlier mkfs");
}

TEST(MasterRecordCodec, EveryFieldAtItsOffsetAndRoundTrips) {
  Bytes b;
  MasterRecord m = master();
  encode_master_record(m, b);
  const uint8_t* p = b.data();
  EXPECT_EQ(load_u64(p + 0x00), kMasterRecordMagic);
  EXPECT_EQ(std::memcmp(p + 0x08, uuid_of(0x10).bytes.data(), 16), 0);
  EXPECT_EQ(std::memcmp(p + 0x18, uuid_of(0x40).bytes.data(), 16), 0);
  EXPECT_EQ(std::memcmp(p + 0x28, "node-7.example", 14), 0);
  for (size_t i = 0x28 + 14; i < 0x68; ++i) EXPECT_EQ(p[i], 0) << i;
  EXPECT_EQ(load_u32(p + 0x68), 0x01020304u);
  EXPECT_EQ(load_u32(p + 0x6C), 1000u);
  EXPECT_EQ(load_u64(p + 0x70), 0x1122334455667788ULL);
  EXPECT_EQ(load_u64(p + 0x78), 0x0006000000000001ULL);
  EXPECT_EQ(load_u64(p + 0x80), 0x0005000000000002ULL);
  EXPECT_EQ(load_u32(p + 0x88), 1u);
  for (size_t i = 0x8C; i < 0xF8; ++i) EXPECT_EQ(p[i], 0) << i;
  EXPECT_EQ(load_u64(p + 0xF8), crc32_of(p, 0xF8));
  auto v = validate_master_record(b);
  ASSERT_TRUE(v) << v.error().message();
  m.crc = crc32_of(p, 0xF8);
  EXPECT_EQ(*v, m);
}

TEST(MasterRecordCodec, StoppedStateRoundTrips) {
  Bytes b;
  MasterRecord m = master();
  m.state = MasterState::stopped;
  encode_master_record(m, b);
  auto v = validate_master_record(b);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->state, MasterState::stopped);
}

TEST(MasterRecordCodec, EachRuleRejects) {
  auto bad = [&](auto mutate, const char* word) {
    Bytes b;
    encode_master_record(master(), b);
    mutate(b.data());
    auto v = validate_master_record(b);
    ASSERT_FALSE(v) << word;
    EXPECT_NE(v.error().message().find(word), std::string::npos) << v.error().message();
  };
  bad([](uint8_t* p) { p[0x70] ^= 1; }, "CRC");
  bad([](uint8_t* p) { p[0xF0] ^= 1; }, "CRC");  // reserved bytes are covered too
  bad(Resealed{0, kHostSlotMagic, 8, 0xF8}, "magic");
  bad(Resealed{0x88, 3, 4, 0xF8}, "state");
  bad(Resealed{0x6C, 0, 4, 0xF8}, "interval");
  bad(Resealed{0x29, '\n', 1, 0xF8}, "control character");
  bad(Resealed{0x60, 'x', 1, 0xF8}, "NUL padded");
}

TEST(MasterRecordCodec, SixtyFourByteHostnameHasNoNul) {
  Bytes b;
  MasterRecord m = master();
  m.host.hostname = std::string(64, 'h');
  encode_master_record(m, b);
  auto v = validate_master_record(b);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->host.hostname, std::string(64, 'h'));
  m.host.hostname = std::string(70, 'h');  // longer names are cut at 64 bytes
  encode_master_record(m, b);
  EXPECT_EQ(decode_master_record(b).host.hostname, std::string(64, 'h'));
}

TEST(HostSlotCodec, EveryFieldAtItsOffsetAndRoundTrips) {
  Bytes b;
  HostSlot s = slot();
  encode_host_slot(s, b);
  const uint8_t* p = b.data();
  EXPECT_EQ(load_u64(p + 0x00), kHostSlotMagic);
  EXPECT_EQ(std::memcmp(p + 0x08, uuid_of(0x10).bytes.data(), 16), 0);
  EXPECT_EQ(std::memcmp(p + 0x18, uuid_of(0x40).bytes.data(), 16), 0);
  EXPECT_EQ(std::memcmp(p + 0x28, "node-7.example", 14), 0);
  EXPECT_EQ(load_u32(p + 0x68), 0x01020304u);
  EXPECT_EQ(load_u32(p + 0x6C), 250u);
  EXPECT_EQ(load_u64(p + 0x70), 77u);
  EXPECT_EQ(load_u64(p + 0x78), 0x0006000000000003ULL);
  EXPECT_EQ(load_u64(p + 0x80), 0x0006000000000000ULL);
  EXPECT_EQ(load_u32(p + 0x88), 2u);  // client
  EXPECT_EQ(load_u32(p + 0x8C), 2u);  // degraded
  EXPECT_EQ(load_u64(p + 0x90), 15419u);
  for (size_t i = 0x98; i < 0xF8; ++i) EXPECT_EQ(p[i], 0) << i;
  EXPECT_EQ(load_u64(p + 0xF8), crc32_of(p, 0xF8));
  auto v = validate_host_slot(b);
  ASSERT_TRUE(v) << v.error().message();
  s.crc = crc32_of(p, 0xF8);
  EXPECT_EQ(*v, s);
}

TEST(HostSlotCodec, EachRuleRejects) {
  auto bad = [&](auto mutate, const char* word) {
    Bytes b;
    encode_host_slot(slot(), b);
    mutate(b.data());
    auto v = validate_host_slot(b);
    ASSERT_FALSE(v) << word;
    EXPECT_EQ(v.error().code(), Errc::corrupt);
    EXPECT_NE(v.error().message().find(word), std::string::npos) << v.error().message();
  };
  bad([](uint8_t* p) { p[0x90] ^= 1; }, "CRC");
  bad(Resealed{0, kMasterRecordMagic, 8, 0xF8}, "magic");
  bad(Resealed{0x88, 0, 4, 0xF8}, "role");
  bad(Resealed{0x88, 3, 4, 0xF8}, "role");
  bad(Resealed{0x8C, 0, 4, 0xF8}, "state");
  bad(Resealed{0x8C, 5, 4, 0xF8}, "state");
  bad(Resealed{0x6C, 0, 4, 0xF8}, "interval");
  bad(Resealed{0x28, 0x7f, 1, 0xF8}, "control character");
}

TEST(HostSlotCodec, EmptyMeansAllZero) {
  Bytes b{};
  EXPECT_TRUE(record_is_empty(b));
  b[255] = 1;
  EXPECT_FALSE(record_is_empty(b));
  Bytes zeros{};
  auto v = validate_host_slot(zeros);
  EXPECT_FALSE(v);  // an empty slot is not a host
}

TEST(SlotProbe, VisitsEverySlotOnce) {
  for (uint8_t seed : {0, 1, 2, 99, 200}) {
    SlotProbe p = slot_probe(uuid_of(seed));
    EXPECT_EQ(p.step % 2, 1u);
    std::set<uint32_t> seen;
    for (uint32_t k = 0; k < kHostSlotCount; ++k) seen.insert(p.at(k));
    EXPECT_EQ(seen.size(), kHostSlotCount);
  }
}

TEST(SlotProbe, DependsOnlyOnTheUuid) {
  Uuid u = uuid_of(5);
  uint32_t h = crc32_of(u.bytes.data(), 16);
  SlotProbe p = slot_probe(u);
  EXPECT_EQ(p.start, h % 4096);
  EXPECT_EQ(p.step, ((h / 4096) % 2048) * 2 + 1);
}

}  // namespace
}  // namespace famfs::omf

// Every validation rule of the codec, each pinned by a corrupted buffer.
#include <gtest/gtest.h>
#include <zlib.h>

#include <array>
#include <cstring>
#include <random>
#include <vector>

#include "omf/bytes.h"
#include "omf/crc.h"
#include "omf/log_entry.h"
#include "omf/log_header.h"
#include "omf/path_rules.h"
#include "omf/superblock.h"

namespace famfs::omf {
namespace {

constexpr uint64_t kGiB = 1ULL << 30;
constexpr uint64_t kMiB = 1ULL << 20;

using SbBytes = std::array<uint8_t, kSuperblockSize>;

SbBytes good_superblock(uint64_t dev_size = kGiB) {
  SuperblockRecord r;
  r.fs_uuid = Uuid::random();
  r.dev_uuid = Uuid::random();
  r.system_uuid = Uuid::random();
  r.dev_size = dev_size;
  r.dev_name = "/dev/dax0.0";
  SbBytes b;
  encode_superblock(r, b);
  return b;
}
void reseal_superblock(SbBytes& b) { store_u64(b.data() + 0x60, crc32_of(b.data(), 0x60)); }

TEST(Crc, MatchesTheCheckValue) {
  const char* s = "123456789";
  EXPECT_EQ(crc32_of(reinterpret_cast<const uint8_t*>(s), 9), 0xCBF43926u);
}

TEST(Crc, SameValuesAsZlibForEveryLengthAndAlignment) {
  // The on-media CRC must be zlib's crc32 bit for bit (the reference writes
  // it with zlib): every length 0..600 at every alignment 0..15.
  std::vector<uint8_t> buf(640);
  std::mt19937 rng(7);
  for (auto& b : buf) b = static_cast<uint8_t>(rng());
  for (size_t off = 0; off < 16; ++off)
    for (size_t len = 0; len <= 600; ++len)
      ASSERT_EQ(crc32_of(buf.data() + off, len),
                static_cast<uint32_t>(crc32(0L, buf.data() + off, static_cast<uInt>(len))))
          << "offset " << off << " length " << len;
}

TEST(Superblock, RoundTripsEveryField) {
  SuperblockRecord r;
  r.fs_uuid = Uuid::random();
  r.dev_uuid = Uuid::random();
  r.system_uuid = Uuid::random();
  r.dev_entry_uuid = Uuid::random();
  r.sb_flags = 7;
  r.dev_size = 5 * kGiB;
  r.dev_name = std::string(64, 'x');  // exactly 64: stored without a NUL
  SbBytes b;
  encode_superblock(r, b);
  SuperblockRecord back = decode_superblock(b);
  r.crc = back.crc;
  EXPECT_EQ(back, r);
  EXPECT_EQ(back.crc, superblock_crc(b));
  SbBytes again;
  encode_superblock(back, again);
  EXPECT_EQ(again, b);
}

TEST(Superblock, ValidatesAGoodRecord) {
  auto b = good_superblock();
  auto v = validate_superblock(b, kGiB);
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_EQ(v->geometry.device_size, kGiB);
  EXPECT_EQ(v->geometry.data_offset(), 10 * kMiB);
  EXPECT_TRUE(v->warnings.empty());
}

TEST(Superblock, WrongMagicIsNotFamfs) {
  auto b = good_superblock();
  b[0] ^= 1;
  EXPECT_EQ(validate_superblock(b, kGiB).error().code(), Errc::not_famfs);
}

TEST(Superblock, CrcMismatchIsCorrupt) {
  auto b = good_superblock();
  b[0x30] ^= 1;  // inside the CRC-covered range
  auto v = validate_superblock(b, kGiB);
  EXPECT_EQ(v.error().code(), Errc::corrupt);
  EXPECT_NE(v.error().message().find("CRC"), std::string::npos);
}

TEST(Superblock, AcceptsVersion47AndRejectsOthers) {
  for (uint64_t version : {46ull, 47ull, 49ull}) {
    auto b = good_superblock();
    store_u64(b.data() + 0x08, version);
    reseal_superblock(b);
    EXPECT_EQ(validate_superblock(b, kGiB).ok(), version == 47) << version;
  }
}

TEST(Superblock, RejectsBadLogGeometry) {
  auto with = [](size_t off, uint64_t v) {
    auto b = good_superblock();
    store_u64(b.data() + off, v);
    reseal_superblock(b);
    return validate_superblock(b, kGiB);
  };
  EXPECT_FALSE(with(0x10, 0x100000));    // log_offset
  EXPECT_FALSE(with(0x18, 12 * kMiB));   // log_len not a power of two
  EXPECT_FALSE(with(0x18, 4 * kMiB));    // log_len below 8 MiB
  EXPECT_FALSE(with(0x18, 1ULL << 63));  // log larger than the device
  EXPECT_FALSE(with(0x20, 0x10000));     // alloc_unit
  EXPECT_FALSE(with(0x20, 0));
  EXPECT_TRUE(with(0x20, 0x1000));  // small AU accepted on read
  EXPECT_TRUE(with(0x18, 16 * kMiB));
}

TEST(Superblock, NeverTrustsDevSizeBeyondTheRealDevice) {
  auto b = good_superblock(64 * kGiB);  // dev_size is not covered by the CRC
  auto v = validate_superblock(b, kGiB);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->geometry.device_size, kGiB);
  ASSERT_EQ(v->warnings.size(), 1u);
  EXPECT_EQ(v->warnings[0].kind, ProblemKind::device_size);

  auto zero = good_superblock(0);
  auto z = validate_superblock(zero, kGiB);
  ASSERT_TRUE(z);
  EXPECT_EQ(z->geometry.device_size, kGiB);

  auto smaller = good_superblock(512 * kMiB);  // a smaller claim is honoured
  EXPECT_EQ(validate_superblock(smaller, kGiB)->geometry.device_size, 512 * kMiB);
}

TEST(Superblock, DeviceTooSmallForMetadataIsCorrupt) {
  auto b = good_superblock(kGiB);
  EXPECT_EQ(validate_superblock(b, 10 * kMiB).error().code(), Errc::corrupt);
  EXPECT_TRUE(validate_superblock(b, 12 * kMiB));
}

std::array<uint8_t, kLogHeaderSize> good_header(uint64_t next = 3) {
  auto h = new_log_header(kDefaultLogLen);
  h.next_index = h.next_seqnum = next;
  std::array<uint8_t, kLogHeaderSize> b;
  encode_log_header(h, b);
  return b;
}

TEST(LogHeader, RoundTripsAndValidates) {
  auto b = good_header();
  auto v = validate_log_header(b, kDefaultLogLen);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->record.last_index, 15419u);
  EXPECT_EQ(v->next_index, 3u);
  std::array<uint8_t, kLogHeaderSize> again;
  encode_log_header(v->record, again);
  EXPECT_EQ(again, b);
}

TEST(LogHeader, RejectsMagicCrcLogLenAndLastIndex) {
  auto b = good_header();
  b[0] ^= 1;
  EXPECT_EQ(validate_log_header(b, kDefaultLogLen).error().code(), Errc::corrupt);
  b = good_header();
  b[16] ^= 1;  // last_index, CRC now wrong
  EXPECT_NE(validate_log_header(b, kDefaultLogLen).error().message().find("CRC"), std::string::npos);
  b = good_header();
  EXPECT_FALSE(validate_log_header(b, 16 * kMiB));  // log_len disagrees with the superblock
  b = good_header();
  store_u64(b.data() + 16, 100);
  store_u64(b.data() + 24, crc32_of(b.data(), 24));
  EXPECT_NE(validate_log_header(b, kDefaultLogLen).error().message().find("last_index"), std::string::npos);
}

TEST(LogHeader, BoundsNextIndexByLastIndexPlusOne) {
  auto b = good_header(1ULL << 40);  // next_index is not covered by the CRC
  auto v = validate_log_header(b, kDefaultLogLen);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->next_index, 15420u);
  ASSERT_EQ(v->warnings.size(), 1u);
  EXPECT_EQ(v->warnings[0].kind, ProblemKind::log_header);
  EXPECT_TRUE(validate_log_header(good_header(15420), kDefaultLogLen)->warnings.empty());
}

TEST(PathRules, AcceptsOrdinaryRelativePaths) {
  for (const char* p : {"a", "dir/file", "a.b/c..d/.e", "x y", "\xc3\xa9t\xc3\xa9"}) EXPECT_FALSE(path_problem(p)) << p;
  EXPECT_FALSE(path_problem(std::string(79, 'a')));
}

TEST(PathRules, RejectsEachForbiddenShape) {
  for (const char* p : {"", "/abs", "a//b", "a/", "..", "a/../b", ".", "a/./b", "a/..", "tab\there", "del\x7f", "nl\n"})
    EXPECT_TRUE(path_problem(p)) << p;
  EXPECT_TRUE(path_problem(std::string(80, 'a')));
}

// The rules written the plain way, one byte and one component at a time:
// what the word-at-a-time check in path_rules.cc must agree with.
bool plainly_valid(const std::string& p) {
  if (p.empty() || p.size() > kMaxPathLen) return false;
  size_t start = 0;
  for (size_t i = 0; i <= p.size(); ++i) {
    if (i < p.size()) {
      auto c = static_cast<unsigned char>(p[i]);
      if (c < 0x20 || c == 0x7f) return false;
      if (c != '/') continue;
    }
    std::string comp = p.substr(start, i - start);
    if (comp.empty() || comp == "." || comp == "..") return false;
    start = i + 1;
  }
  return true;
}

TEST(PathRules, WordAtATimeCheckAgreesWithTheRulesOnRandomPaths) {
  // Few letters, so slashes, dots, control bytes and their neighbours meet
  // at every offset within and across 8-byte words, and at every length.
  const std::string alphabet = std::string("a./") + '\x1f' + '\x7f' + '\x80' + '\x00' + "/.";
  std::mt19937_64 rng(15);
  int valid = 0;
  for (int round = 0; round < 200000; ++round) {
    size_t len = rng() % 86;
    std::string p;
    for (size_t i = 0; i < len; ++i) {
      // Mostly letters and dots and slashes: invalid bytes now and then.
      uint64_t r = rng() % 100;
      p += r < 55 ? 'a' : r < 75 ? '/' : r < 93 ? '.' : alphabet[3 + rng() % 4];
    }
    if (p.find('\0') != std::string::npos) p.resize(p.find('\0'));
    const bool want = plainly_valid(p);
    valid += want;
    ASSERT_EQ(!path_problem(p).has_value(), want) << '"' << p << '"';
    // The same path as a log entry's field, with garbage after its NUL.
    if (p.size() < kPathFieldLen) {
      uint8_t field[kPathFieldLen];
      for (auto& b : field) b = alphabet[rng() % alphabet.size()];
      std::memcpy(field, p.data(), p.size());
      field[p.size()] = 0;
      std::string out;
      ASSERT_EQ(!decode_path_field(field, out).has_value(), want) << '"' << p << '"';
      ASSERT_EQ(out, p);
    }
  }
  // Both outcomes were exercised, many times.
  EXPECT_GT(valid, 10000);
  EXPECT_LT(valid, 190000);
}

TEST(PathRules, ParentAndBaseName) {
  EXPECT_EQ(parent_path("a/b/c"), "a/b");
  EXPECT_EQ(parent_path("top"), "");
  EXPECT_EQ(base_name("a/b/c"), "c");
  EXPECT_EQ(base_name("top"), "top");
}

// ---- log entries -------------------------------------------------------------

using Slot = std::array<uint8_t, kLogEntrySize>;

Slot encode(const LogEntry& e) {
  Slot s;
  encode_entry(e, s);
  return s;
}
void reseal(Slot& s) { store_u64(s.data() + 536, crc32_of(s.data(), 536)); }

FileEntry simple_file(std::string path = "dir/f", uint64_t size = 4096) {
  FileEntry f;
  f.path = std::move(path);
  f.size = size;
  f.uid = 1000;
  f.gid = 100;
  f.mode = 0640;
  f.map.extents = {{0, 10 * kMiB, 2 * kMiB}};
  return f;
}

FileEntry interleaved_file() {
  FileEntry f = simple_file("il/x", 20 * kMiB);
  f.map.type = MapType::interleaved;
  f.map.chunk_size = 2 * kMiB;
  f.map.extents = {
      {0, 10 * kMiB, 6 * kMiB}, {0, 100 * kMiB, 6 * kMiB}, {0, 200 * kMiB, 6 * kMiB}, {0, 300 * kMiB, 6 * kMiB}};
  return f;
}

Problem decode_problem(const Slot& s, uint64_t index) {
  auto d = decode_entry(ConstEntryBytes(s.data(), kLogEntrySize), index);
  EXPECT_TRUE(std::holds_alternative<Problem>(d));
  return std::holds_alternative<Problem>(d) ? std::get<Problem>(d) : Problem{};
}

TEST(LogEntry, EveryTypeRoundTrips) {
  std::vector<LogEntry> entries = {
      {5, simple_file()},
      {6, interleaved_file()},
      {7, MkdirEntry{1, 2, 0700, "a/b"}},
      {8, DeleteEntry{5, false, 3 * kMiB, "a/f", simple_file().map}},
      {10, DeleteEntry{7, true, 0, "a/b", {}}},
      {11, DeleteEntry{6, false, 20 * kMiB, "x/ilv", interleaved_file().map}},
      {9, AddDaxdevEntry{kGiB, Uuid::random(), 3}},
  };
  for (const LogEntry& e : entries) {
    Slot s = encode(e);
    auto d = decode_entry(ConstEntryBytes(s.data(), kLogEntrySize), e.seqnum);
    ASSERT_TRUE(std::holds_alternative<LogEntry>(d)) << std::get<Problem>(d).message;
    EXPECT_EQ(std::get<LogEntry>(d), e);
    EXPECT_EQ(encode(std::get<LogEntry>(d)), s);
  }
}

TEST(LogEntry, SixteenExtentsAndSixteenStripsFitTheSlot) {
  FileEntry f = simple_file("f", 32 * kMiB);
  f.map.extents.clear();
  for (uint64_t i = 0; i < 16; ++i) f.map.extents.push_back({0, (10 + 4 * i) * kMiB, 2 * kMiB});
  FileEntry g = interleaved_file();
  g.map.extents.clear();
  for (uint64_t i = 0; i < 16; ++i) g.map.extents.push_back({0, (10 + 4 * i) * kMiB, 2 * kMiB});
  for (const FileEntry& e : {f, g}) {
    LogEntry le{1, e};
    Slot s = encode(le);
    EXPECT_EQ(std::get<LogEntry>(decode_entry(ConstEntryBytes(s.data(), kLogEntrySize), 1)), le);
  }
}

TEST(LogEntry, CrcMismatchIsReported) {
  Slot s = encode({0, simple_file()});
  s[50] ^= 0x10;
  EXPECT_EQ(decode_problem(s, 0).kind, ProblemKind::bad_crc);
  s = encode({0, simple_file()});
  s[540] = 1;  // upper half of the CRC field must be zero
  EXPECT_EQ(decode_problem(s, 0).kind, ProblemKind::bad_crc);
}

TEST(LogEntry, SeqnumMustEqualTheSlotIndex) {
  Slot s = encode({4, simple_file()});
  Problem p = decode_problem(s, 5);
  EXPECT_EQ(p.kind, ProblemKind::bad_seqnum);
  EXPECT_EQ(p.index, 5u);
}

TEST(LogEntry, UnknownTypeIsReported) {
  Slot s = encode({0, simple_file()});
  store_u32(s.data() + 8, 4);
  reseal(s);
  EXPECT_EQ(decode_problem(s, 0).kind, ProblemKind::bad_type);
}

TEST(LogEntry, PathWithoutNulInside80BytesIsReported) {
  Slot s = encode({0, simple_file()});
  std::memset(s.data() + 40, 'a', 80);
  reseal(s);
  Problem p = decode_problem(s, 0);
  EXPECT_EQ(p.kind, ProblemKind::invalid_path);
  EXPECT_NE(p.message.find("NUL"), std::string::npos);
}

TEST(LogEntry, ForbiddenPathsFromTheLogAreReported) {
  for (const char* bad : {"../etc/passwd", "/etc/passwd", "a/../../b", "", "a//b", "x\x01y"}) {
    for (size_t field : {size_t{40}, size_t{28}}) {  // FILE and MKDIR path fields
      Slot s = field == 40 ? encode({0, simple_file()}) : encode({0, MkdirEntry{0, 0, 0755, "d"}});
      std::memset(s.data() + field, 0, 80);
      std::memcpy(s.data() + field, bad, strlen(bad));
      reseal(s);
      EXPECT_EQ(decode_problem(s, 0).kind, ProblemKind::invalid_path) << bad;
    }
  }
}

TEST(LogEntry, ExtentCountsOutsideOneToSixteenAreReported) {
  for (uint32_t count : {0u, 17u, 0xffffffffu}) {
    Slot s = encode({0, simple_file()});
    store_u32(s.data() + 128, count);
    reseal(s);
    EXPECT_EQ(decode_problem(s, 0).kind, ProblemKind::invalid_map) << count;
  }
}

TEST(LogEntry, InterleavedCountsAreChecked) {
  Slot s = encode({0, interleaved_file()});
  store_u32(s.data() + 128, 2);  // more than one interleaved extent
  reseal(s);
  EXPECT_EQ(decode_problem(s, 0).kind, ProblemKind::invalid_map);
  for (uint64_t nstrips : {0ull, 17ull, 1ull << 40}) {
    s = encode({0, interleaved_file()});
    store_u64(s.data() + 136, nstrips);
    reseal(s);
    EXPECT_EQ(decode_problem(s, 0).kind, ProblemKind::invalid_map) << nstrips;
  }
}

TEST(LogEntry, UnknownMapTypeIsReported) {
  Slot s = encode({0, simple_file()});
  store_u32(s.data() + 120, 2);
  reseal(s);
  EXPECT_EQ(decode_problem(s, 0).kind, ProblemKind::invalid_map);
}

TEST(LogEntry, ModeKeepsPermissionBitsOnly) {
  Slot s = encode({0, simple_file()});
  store_u32(s.data() + 36, 0100644);  // S_IFREG | 0644
  reseal(s);
  auto d = decode_entry(ConstEntryBytes(s.data(), kLogEntrySize), 0);
  EXPECT_EQ(std::get<FileEntry>(std::get<LogEntry>(d).body).mode, 0644u);
}

// ---- maps against the geometry -------------------------------------------

Geometry geo_1g() { return Geometry{kGiB, kLogOffset, kDefaultLogLen, kAllocUnit}; }

std::optional<ProblemKind> map_kind(const FileMap& m, uint64_t size) {
  auto p = check_file_map(m, size, geo_1g());
  return p ? std::optional(p->kind) : std::nullopt;
}

TEST(FileMapRules, AcceptsValidSimpleAndInterleavedMaps) {
  EXPECT_FALSE(map_kind(simple_file().map, 4096));
  EXPECT_FALSE(map_kind(interleaved_file().map, 20 * kMiB));
  FileMap last{MapType::simple, 0, {{0, kGiB - 2 * kMiB, 2 * kMiB}}};
  EXPECT_FALSE(map_kind(last, 1));
}

TEST(FileMapRules, RejectsEachBadExtent) {
  auto one = [](Extent x) { return FileMap{MapType::simple, 0, {x}}; };
  EXPECT_EQ(map_kind(one({1, 10 * kMiB, 2 * kMiB}), 1), ProblemKind::invalid_map);               // devindex
  EXPECT_EQ(map_kind(one({0, 10 * kMiB, 0}), 0), ProblemKind::invalid_map);                      // empty
  EXPECT_EQ(map_kind(one({0, 10 * kMiB + 4096, 2 * kMiB}), 1), ProblemKind::invalid_map);        // offset alignment
  EXPECT_EQ(map_kind(one({0, 10 * kMiB, kMiB}), 1), ProblemKind::invalid_map);                   // length alignment
  EXPECT_EQ(map_kind(one({0, kGiB, 2 * kMiB}), 1), ProblemKind::out_of_range);                   // past the end
  EXPECT_EQ(map_kind(one({0, kGiB - 2 * kMiB, 4 * kMiB}), 1), ProblemKind::out_of_range);        // straddles the end
  EXPECT_EQ(map_kind(one({0, 0xFFFFFFFFFFE00000ull, 4 * kMiB}), 1), ProblemKind::out_of_range);  // wraps
  EXPECT_EQ(map_kind(one({0, 0, 2 * kMiB}), 1), ProblemKind::out_of_range);                      // superblock
  EXPECT_EQ(map_kind(one({0, 8 * kMiB, 2 * kMiB}), 1), ProblemKind::out_of_range);               // log
  EXPECT_EQ(map_kind(one({0, 10 * kMiB, 2 * kMiB}), 2 * kMiB + 1), ProblemKind::invalid_map);    // short
}

TEST(FileMapRules, RejectsBadInterleaveGeometry) {
  FileMap m = interleaved_file().map;
  m.chunk_size = 3 * kMiB;
  EXPECT_EQ(map_kind(m, 1), ProblemKind::invalid_map);
  m.chunk_size = kMiB;  // power of two but below the AU
  EXPECT_EQ(map_kind(m, 1), ProblemKind::invalid_map);
  m = interleaved_file().map;
  m.extents[2].len = 8 * kMiB;  // unequal strips
  EXPECT_EQ(map_kind(m, 1), ProblemKind::invalid_map);
  m = interleaved_file().map;
  m.chunk_size = 4 * kMiB;  // 6 MiB strips are not whole 4 MiB chunks
  EXPECT_EQ(map_kind(m, 1), ProblemKind::invalid_map);
  m = interleaved_file().map;
  EXPECT_EQ(map_kind(m, 24 * kMiB + 1), ProblemKind::invalid_map);  // strips too small
}

}  // namespace
}  // namespace famfs::omf

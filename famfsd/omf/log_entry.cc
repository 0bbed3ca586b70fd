#include "omf/log_entry.h"

#include <cassert>
#include <cstring>

#include "omf/bytes.h"
#include "omf/crc.h"
#include "omf/path_rules.h"

namespace famfs::omf {
namespace {

// Entry field offsets (on-media-format.md, "Log entry").
constexpr size_t kSeq = 0, kType = 8, kCrc = 536, kCrcCovered = 536;
constexpr size_t kFileSize = 16, kFileFlags = 24, kFileUid = 28, kFileGid = 32, kFileMode = 36, kFilePath = 40,
                 kMapType = 120, kMapCount = 128, kSimpleExt = 136, kIlvNstrips = 136, kIlvChunk = 144,
                 kIlvStrips = 152;
constexpr size_t kDirUid = 16, kDirGid = 20, kDirMode = 24, kDirPath = 28;
constexpr size_t kDaxSize = 16, kDaxUuid = 24, kDaxIndex = 40;
// DELETE (docs/delete.md): path and map at the FILE entry's offsets.
constexpr size_t kDelTarget = 16, kDelKind = 24, kDelReserved = 28, kDelSize = 32, kDelPath = 40;
constexpr uint32_t kDelKindFile = 0, kDelKindDir = 1;
constexpr size_t kExtentSize = 24;
constexpr uint32_t kPermMask = 07777;

void put_extent(uint8_t* p, const Extent& e) {
  store_u64(p, e.devindex);
  store_u64(p + 8, e.offset);
  store_u64(p + 16, e.len);
}
Extent get_extent(const uint8_t* p) { return {load_u64(p), load_u64(p + 8), load_u64(p + 16)}; }

void put_path(uint8_t* p, const std::string& path) { std::memcpy(p, path.data(), path.size()); }

Problem bad(uint64_t index, ProblemKind kind, std::string msg) { return Problem{index, kind, std::move(msg)}; }

// The map at 120..535 (FILE and DELETE entries share its layout).
void put_map(uint8_t* p, const FileMap& map) {
  store_u32(p + kMapType, static_cast<uint32_t>(map.type));
  if (map.type == MapType::simple) {
    store_u32(p + kMapCount, static_cast<uint32_t>(map.extents.size()));
    for (size_t i = 0; i < map.extents.size(); ++i) put_extent(p + kSimpleExt + i * kExtentSize, map.extents[i]);
  } else {
    store_u32(p + kMapCount, 1);  // one interleaved extent
    store_u64(p + kIlvNstrips, map.extents.size());
    store_u64(p + kIlvChunk, map.chunk_size);
    for (size_t i = 0; i < map.extents.size(); ++i) put_extent(p + kIlvStrips + i * kExtentSize, map.extents[i]);
  }
}

// Decodes the map of PATH's entry; nullopt when fine, else the message.
std::optional<std::string> get_map(const uint8_t* p, const std::string& path, FileMap& map) {
  uint32_t map_type = load_u32(p + kMapType);
  uint32_t count = load_u32(p + kMapCount);
  if (map_type == static_cast<uint32_t>(MapType::simple)) {
    if (count == 0 || count > kMaxExtents) return path + ": " + std::to_string(count) + " extents (allowed 1..16)";
    map.extents.reserve(count);
    for (uint32_t i = 0; i < count; ++i) map.extents.push_back(get_extent(p + kSimpleExt + i * kExtentSize));
    return std::nullopt;
  }
  if (map_type == static_cast<uint32_t>(MapType::interleaved)) {
    if (count != 1) return path + ": " + std::to_string(count) + " interleaved extents (must be 1)";
    uint64_t nstrips = load_u64(p + kIlvNstrips);
    if (nstrips == 0 || nstrips > kMaxStrips) return path + ": " + std::to_string(nstrips) + " strips (allowed 1..16)";
    map.type = MapType::interleaved;
    map.chunk_size = load_u64(p + kIlvChunk);
    map.extents.reserve(nstrips);
    for (uint64_t i = 0; i < nstrips; ++i) map.extents.push_back(get_extent(p + kIlvStrips + i * kExtentSize));
    return std::nullopt;
  }
  return path + ": unknown map type " + std::to_string(map_type);
}

}  // namespace

uint64_t FileMap::mapped_bytes() const {
  uint64_t total = 0;
  for (const Extent& e : extents) {
    if (__builtin_add_overflow(total, e.len, &total)) return UINT64_MAX;
  }
  return total;
}

std::optional<std::string> entry_encodable(const LogEntry& entry) {
  if (const auto* f = std::get_if<FileEntry>(&entry.body)) {
    if (auto why = path_problem(f->path)) return why;
    size_t limit = f->map.type == MapType::simple ? kMaxExtents : kMaxStrips;
    if (f->map.extents.empty() || f->map.extents.size() > limit)
      return "a map holds 1.." + std::to_string(limit) + " extents, not " + std::to_string(f->map.extents.size());
  } else if (const auto* d = std::get_if<MkdirEntry>(&entry.body)) {
    if (auto why = path_problem(d->path)) return why;
  } else if (const auto* x = std::get_if<DeleteEntry>(&entry.body)) {
    if (auto why = path_problem(x->path)) return why;
    if (x->directory) {
      if (!x->map.extents.empty() || x->size != 0) return "a directory's DELETE carries no map and size 0";
    } else {
      size_t limit = x->map.type == MapType::simple ? kMaxExtents : kMaxStrips;
      if (x->map.extents.empty() || x->map.extents.size() > limit)
        return "a map holds 1.." + std::to_string(limit) + " extents, not " + std::to_string(x->map.extents.size());
    }
  }
  return std::nullopt;
}

void encode_entry(const LogEntry& entry, EntryBytes out) {
  assert(!entry_encodable(entry));
  uint8_t* p = out.data();
  std::memset(p, 0, out.size());
  store_u64(p + kSeq, entry.seqnum);
  if (const auto* f = std::get_if<FileEntry>(&entry.body)) {
    store_u32(p + kType, kEntryFile);
    store_u64(p + kFileSize, f->size);
    store_u32(p + kFileFlags, f->flags);
    store_u32(p + kFileUid, f->uid);
    store_u32(p + kFileGid, f->gid);
    store_u32(p + kFileMode, f->mode & kPermMask);
    put_path(p + kFilePath, f->path);
    put_map(p, f->map);
  } else if (const auto* d = std::get_if<MkdirEntry>(&entry.body)) {
    store_u32(p + kType, kEntryMkdir);
    store_u32(p + kDirUid, d->uid);
    store_u32(p + kDirGid, d->gid);
    store_u32(p + kDirMode, d->mode & kPermMask);
    put_path(p + kDirPath, d->path);
  } else if (const auto* x = std::get_if<DeleteEntry>(&entry.body)) {
    store_u32(p + kType, kEntryDelete);
    store_u64(p + kDelTarget, x->target_index);
    store_u32(p + kDelKind, x->directory ? kDelKindDir : kDelKindFile);
    store_u64(p + kDelSize, x->size);
    put_path(p + kDelPath, x->path);
    if (!x->directory) put_map(p, x->map);
  } else {
    const auto& a = std::get<AddDaxdevEntry>(entry.body);
    store_u32(p + kType, kEntryAddDaxdev);
    store_u64(p + kDaxSize, a.size);
    std::memcpy(p + kDaxUuid, a.uuid.bytes.data(), 16);
    store_u32(p + kDaxIndex, a.index);
  }
  store_u64(p + kCrc, crc32_of(p, kCrcCovered));
}

std::variant<LogEntry, Problem> decode_entry(ConstEntryBytes in, uint64_t index) {
  const uint8_t* p = in.data();
  uint64_t stored = load_u64(p + kCrc);
  uint32_t crc = crc32_of(p, kCrcCovered);
  if (stored != crc)
    return bad(index, ProblemKind::bad_crc,
               "CRC mismatch (stored " + std::to_string(stored) + ", computed " + std::to_string(crc) + ")");
  uint64_t seqnum = load_u64(p + kSeq);
  if (seqnum != index)
    return bad(index, ProblemKind::bad_seqnum,
               "seqnum " + std::to_string(seqnum) + " in slot " + std::to_string(index));
  // The entry is built where it is returned (replay decodes every slot of
  // the log: no moves of the path and map through temporaries).
  std::variant<LogEntry, Problem> out(std::in_place_index<0>);
  LogEntry& e = std::get<0>(out);
  e.seqnum = seqnum;
  uint32_t type = load_u32(p + kType);
  switch (type) {
    case kEntryFile: {
      FileEntry& f = e.body.emplace<FileEntry>();
      f.size = load_u64(p + kFileSize);
      f.flags = load_u32(p + kFileFlags);
      f.uid = load_u32(p + kFileUid);
      f.gid = load_u32(p + kFileGid);
      // The reference stores permission bits only; never let stray type bits through.
      f.mode = load_u32(p + kFileMode) & kPermMask;
      if (auto why = decode_path_field(p + kFilePath, f.path)) return bad(index, ProblemKind::invalid_path, *why);
      if (auto why = get_map(p, f.path, f.map)) return bad(index, ProblemKind::invalid_map, *why);
      return out;
    }
    case kEntryMkdir: {
      MkdirEntry& d = e.body.emplace<MkdirEntry>();
      d.uid = load_u32(p + kDirUid);
      d.gid = load_u32(p + kDirGid);
      d.mode = load_u32(p + kDirMode) & kPermMask;
      if (auto why = decode_path_field(p + kDirPath, d.path)) return bad(index, ProblemKind::invalid_path, *why);
      return out;
    }
    case kEntryDelete: {
      DeleteEntry& x = e.body.emplace<DeleteEntry>();
      x.target_index = load_u64(p + kDelTarget);
      uint32_t kind = load_u32(p + kDelKind);
      x.size = load_u64(p + kDelSize);
      if (auto why = decode_path_field(p + kDelPath, x.path)) return bad(index, ProblemKind::invalid_path, *why);
      if (kind != kDelKindFile && kind != kDelKindDir)
        return bad(index, ProblemKind::invalid_map,
                   "DELETE " + x.path + ": kind " + std::to_string(kind) + " is neither 0 (file) nor 1 (directory)");
      if (load_u32(p + kDelReserved) != 0)
        return bad(index, ProblemKind::invalid_map, "DELETE " + x.path + ": reserved bytes 28..31 are not zero");
      if (x.target_index >= index)
        return bad(index, ProblemKind::invalid_map,
                   "DELETE " + x.path + " names entry " + std::to_string(x.target_index) + ", not an earlier one");
      x.directory = kind == kDelKindDir;
      if (x.directory) {
        for (size_t i = kMapType; i < kCrcCovered; ++i)
          if (p[i] != 0)
            return bad(index, ProblemKind::invalid_map, "DELETE of directory " + x.path + " carries a map or size");
        if (x.size != 0)
          return bad(index, ProblemKind::invalid_map, "DELETE of directory " + x.path + " carries a map or size");
      } else if (auto why = get_map(p, x.path, x.map)) {
        return bad(index, ProblemKind::invalid_map, "DELETE " + *why);
      }
      return out;
    }
    case kEntryAddDaxdev: {
      AddDaxdevEntry& a = e.body.emplace<AddDaxdevEntry>();
      a.size = load_u64(p + kDaxSize);
      std::memcpy(a.uuid.bytes.data(), p + kDaxUuid, 16);
      a.index = load_u32(p + kDaxIndex);
      return out;
    }
    default: return bad(index, ProblemKind::bad_type, "unknown entry type " + std::to_string(type));
  }
}

std::optional<Problem> check_file_map(const FileMap& map, uint64_t size, const Geometry& geo) {
  auto fail = [](ProblemKind kind, std::string msg) {
    return std::optional<Problem>(Problem{kNoIndex, kind, std::move(msg)});
  };
  const uint64_t au = geo.alloc_unit;
  // A mask where the unit is a power of two (every valid superblock's): no
  // 64-bit division per extent of every file replayed.
  const bool au_pow2 = is_power_of_two(au);
  auto aligned = [&](uint64_t v) { return au_pow2 ? (v & (au - 1)) == 0 : v % au == 0; };
  const char* what = map.type == MapType::simple ? "extent" : "strip";
  for (size_t i = 0; i < map.extents.size(); ++i) {
    const Extent& x = map.extents[i];
    const bool fine = x.devindex == 0 && x.len != 0 && aligned(x.offset) && aligned(x.len) &&
                      x.offset >= geo.data_offset() && x.len <= geo.device_size && x.offset <= geo.device_size - x.len;
    if (fine) continue;  // the messages below are built only for a bad extent
    std::string which = std::string(what) + " " + std::to_string(i);
    if (x.devindex != 0)
      return fail(ProblemKind::invalid_map,
                  which + " on device " + std::to_string(x.devindex) + " (only device 0 exists)");
    if (x.len == 0) return fail(ProblemKind::invalid_map, which + " is empty");
    if (x.offset % au != 0 || x.len % au != 0)
      return fail(ProblemKind::invalid_map, which + " (offset " + std::to_string(x.offset) + ", len " +
                                                std::to_string(x.len) + ") is not aligned to the allocation unit");
    uint64_t end;
    if (__builtin_add_overflow(x.offset, x.len, &end) || end > geo.device_size)
      return fail(ProblemKind::out_of_range, which + " (offset " + std::to_string(x.offset) + ", len " +
                                                 std::to_string(x.len) + ") extends beyond the device (" +
                                                 std::to_string(geo.device_size) + " bytes)");
    if (x.offset < geo.data_offset())
      return fail(ProblemKind::out_of_range, which + " at offset " + std::to_string(x.offset) +
                                                 " overlaps the superblock or log (data starts at " +
                                                 std::to_string(geo.data_offset()) + ")");
  }
  if (map.type == MapType::interleaved) {
    uint64_t chunk = map.chunk_size;
    if (!is_power_of_two(chunk) || chunk % au != 0)
      return fail(ProblemKind::invalid_map,
                  "chunk size " + std::to_string(chunk) + " is not a power-of-two multiple of the allocation unit");
    uint64_t strip_len = map.extents.front().len;
    for (const Extent& x : map.extents)
      if (x.len != strip_len) return fail(ProblemKind::invalid_map, "strips differ in length");
    if (strip_len % chunk != 0)
      return fail(ProblemKind::invalid_map,
                  "strip length " + std::to_string(strip_len) + " is not a multiple of the chunk size");
  }
  if (map.mapped_bytes() < size)
    return fail(ProblemKind::invalid_map, "map covers " + std::to_string(map.mapped_bytes()) +
                                              " bytes, less than the file size " + std::to_string(size));
  return std::nullopt;
}

}  // namespace famfs::omf

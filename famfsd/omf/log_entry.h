// Log entries (544 bytes each): FILE, MKDIR, DELETE, ADD_DAXDEV.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "omf/extent_list.h"
#include "omf/layout.h"
#include "omf/problem.h"
#include "omf/superblock.h"
#include "util/uuid.h"

namespace famfs::omf {

enum class MapType : uint32_t { simple = 0, interleaved = 1 };

// Where a file's bytes live. Simple: extents in file order. Interleaved: one
// interleaved extent whose strips are `extents`; chunk n of the file is in
// strip n % nstrips at strip offset (n / nstrips) * chunk_size.
struct FileMap {
  MapType type = MapType::simple;
  uint64_t chunk_size = 0;  // interleaved only
  ExtentList extents;       // the first one inline

  // Bytes the map covers (sum of extent or strip lengths; saturates).
  uint64_t mapped_bytes() const;
  friend bool operator==(const FileMap&, const FileMap&) = default;
};

struct FileEntry {
  uint64_t size = 0;
  uint32_t flags = kFlagAllHostsReadWrite;
  uint32_t uid = 0, gid = 0;
  uint32_t mode = 0644;  // permission bits only
  std::string path;
  FileMap map;
  friend bool operator==(const FileEntry&, const FileEntry&) = default;
};

struct MkdirEntry {
  uint32_t uid = 0, gid = 0;
  uint32_t mode = 0755;
  std::string path;
  friend bool operator==(const MkdirEntry&, const MkdirEntry&) = default;
};

// Removes the node a FILE or MKDIR entry created (docs/delete.md). Defined by
// the format, never written by the reference. It names what it removes so
// that every host checks it removes the same thing: the creating entry's log
// index, the path, and for a file its size and whole map (a directory: size
// 0, no extents).
struct DeleteEntry {
  uint64_t target_index = 0;  // log index of the entry that created the node
  bool directory = false;
  uint64_t size = 0;
  std::string path;
  FileMap map;
  friend bool operator==(const DeleteEntry&, const DeleteEntry&) = default;
};

struct AddDaxdevEntry {
  uint64_t size = 0;
  Uuid uuid;
  uint32_t index = 0;
  friend bool operator==(const AddDaxdevEntry&, const AddDaxdevEntry&) = default;
};

struct LogEntry {
  uint64_t seqnum = 0;
  std::variant<FileEntry, MkdirEntry, DeleteEntry, AddDaxdevEntry> body;
  friend bool operator==(const LogEntry&, const LogEntry&) = default;
};

using EntryBytes = std::span<uint8_t, kLogEntrySize>;
using ConstEntryBytes = std::span<const uint8_t, kLogEntrySize>;

// Encodes ENTRY into OUT (zeroed first) with its CRC. The entry must satisfy
// entry_encodable() (a bug otherwise: asserts).
void encode_entry(const LogEntry& entry, EntryBytes out);
// Why ENTRY cannot be encoded (path rules, counts), or nullopt.
std::optional<std::string> entry_encodable(const LogEntry& entry);

// Decodes the entry stored at log slot INDEX. Checks what the bytes alone
// decide: CRC, seqnum == INDEX, type, path rules, extent/strip counts.
// Geometry-dependent map checks are check_file_map()'s.
std::variant<LogEntry, Problem> decode_entry(ConstEntryBytes in, uint64_t index);

// Checks a map against the volume for a file of SIZE bytes: devindex 0,
// extents non-empty, AU-aligned, inside the data area and the device, no
// overflow, lengths cover SIZE; interleaved: 1..16 strips of equal length,
// a multiple of a power-of-two chunk that is itself a multiple of the AU.
// Returns the problem (kind invalid_map or out_of_range) or nullopt.
std::optional<Problem> check_file_map(const FileMap& map, uint64_t size, const Geometry& geo);

}  // namespace famfs::omf

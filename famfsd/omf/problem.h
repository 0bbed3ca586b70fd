// Problems found in on-media metadata. The device is untrusted input: a
// problem is data to report, never a reason to crash or stop replaying.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace famfs {

enum class ProblemKind {
  superblock,         // superblock field out of bounds (fatal for the volume)
  device_size,        // superblock dev_size disagrees with the real device
  log_header,         // log header invalid, or next_index out of bounds
  bad_crc,            // entry CRC mismatch (after one re-read)
  bad_seqnum,         // entry seqnum != its index
  bad_type,           // unknown entry type
  invalid_path,       // path breaks the path rules
  invalid_map,        // malformed extent map (alignment, counts, geometry)
  out_of_range,       // extent outside the data area or device
  orphan,             // parent directory missing, or parent is a file
  duplicate,          // path already exists
  crosslink,          // extent overlaps space another file already owns
  unsupported_entry,  // valid entry type not applied here (DELETE without --enable-delete)
  bad_delete,         // DELETE of a missing path, another node or map, a non-empty directory, held space
  memory_error,       // SIGBUS while reading the entry
  publish_failed,     // valid entry the kernel refused to show in the mount (message has the errno)
  device,             // the device cannot be opened or read (famfsd's failure, not the metadata's)
  mount,              // the mount backend failed: mount refused, or the mount shut down
};

// Stable snake_case name of a kind (JSON "kind" field).
std::string_view problem_kind_name(ProblemKind kind);

inline constexpr uint64_t kNoIndex = UINT64_MAX;

// One problem: where (log index or kNoIndex), what kind, and a precise message.
struct Problem {
  uint64_t index = kNoIndex;
  ProblemKind kind = ProblemKind::superblock;
  std::string message;
};

}  // namespace famfs

// Hands out device space in allocation units (AUs), never over the
// superblock and log, never beyond the device.
//
// Placement (deterministic, so every run and every test sees the same maps):
// - simple: first fit of one contiguous run, searched from the lowest unit
//   that may be free (a hint kept up to date, so sequential creates are O(1)
//   amortized). If no run fits: the free runs in address order while at most
//   16 cover the request; else the 16 largest free runs (placed in address
//   order) if they cover it; else no_space.
// - interleaved: the data area is cut into nbuckets equal buckets (the last
//   takes the remainder). Each of the nstrips strips goes to a different
//   bucket: buckets are tried in order of most free units first (ties: lower
//   bucket first), and a strip takes the first fit inside its bucket. Strip
//   length = ceil(size / (nstrips * chunk)) * chunk. A file no larger than one
//   chunk gets a simple map instead (as the reference does).
//
// Deletion (docs/delete.md): a removed file's units are not free at once.
// hold() keeps them "pending release", tagged with the DELETE entry's log
// index; allocate() never hands them out; release_before(N) frees those of
// every DELETE below N (the master calls it when every live host has
// released past N). A FILE entry replayed over pending units takes them
// (the master that wrote it had released them): that is reuse, not a
// cross-link.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/allocation_bitmap.h"
#include "omf/log_entry.h"
#include "omf/superblock.h"
#include "util/result.h"

namespace famfs {

struct InterleaveParams {
  uint32_t nstrips = 0;     // 1..16
  uint64_t chunk_size = 0;  // power-of-two multiple of the AU
  uint32_t nbuckets = 0;    // >= nstrips; 0 means nstrips
};

// Space a DELETE entry removed that is not free yet.
struct PendingRelease {
  uint64_t delete_index = 0;  // the DELETE entry
  std::string path;           // the removed file
  omf::FileMap map;
};

class Allocator {
 public:
  // A bitmap over GEO's device with the superblock and log units in use.
  explicit Allocator(const omf::Geometry& geo);

  // Marks the space MAP covers as used (replay). Returns the number of units
  // that were in use already (nonzero means a cross-link). Extents are
  // clipped to the data area first, so garbage offsets claim nothing outside.
  uint64_t claim(const omf::FileMap& map);
  // Units already in use among those MAP covers (0 = no cross-link).
  uint64_t conflicts(const omf::FileMap& map) const;
  // Allocates space for SIZE bytes (SIZE > 0) and marks it used.
  // invalid_argument: bad size or interleave parameters. no_space: does not fit.
  Result<omf::FileMap> allocate(uint64_t size, const std::optional<InterleaveParams>& ilv);
  // Returns MAP's units (an allocation that was never committed).
  void release(const omf::FileMap& map);

  // Units of MAP that hold() cannot take: not in use, already pending, or
  // outside the data area. 0 means MAP is a live file's whole space.
  uint64_t unholdable(const omf::FileMap& map) const;
  // Keeps MAP's units in use, pending release by DELETE entry DELETE_INDEX.
  // The caller checked unholdable(MAP) == 0.
  void hold(const omf::FileMap& map, uint64_t delete_index, std::string path);
  // Frees the pending units of every DELETE entry with index < BEFORE.
  // Returns the bytes freed.
  uint64_t release_before(uint64_t before);
  // Bytes pending release (not counting units a later file took over).
  uint64_t pending_bytes() const { return pending_bits_.count_set() * geo_.alloc_unit; }
  // The pending records, by DELETE index, each with the bytes still held.
  struct PendingView {
    const PendingRelease* record;
    uint64_t bytes;
  };
  std::vector<PendingView> pending() const;

  uint64_t unit_size() const { return geo_.alloc_unit; }
  // Bytes in use, including the superblock and log (as the reference counts).
  uint64_t allocated_bytes() const { return bits_.count_set() * geo_.alloc_unit; }
  // Bytes of the bitmap not in use.
  uint64_t free_bytes() const { return (bits_.size() - bits_.count_set()) * geo_.alloc_unit; }
  const AllocationBitmap& bitmap() const { return bits_; }
  // The units pending release (a subset of bitmap()).
  const AllocationBitmap& pending_bitmap() const { return pending_bits_; }

 private:
  struct UnitRange {
    uint64_t first, count;
  };
  // Clips EXTENT to the data area, rounded out to whole units.
  std::optional<UnitRange> units_of(const omf::Extent& extent) const;
  Result<omf::FileMap> allocate_simple(uint64_t units);
  Result<omf::FileMap> allocate_fragmented(uint64_t units);
  Result<omf::FileMap> allocate_interleaved(uint64_t size, const InterleaveParams& p);
  omf::Extent extent_of(uint64_t first, uint64_t count) const;
  // claim() over units some of which are pending: takes those over.
  uint64_t claim_over_pending(const UnitRange& r);

  omf::Geometry geo_;
  AllocationBitmap bits_;
  AllocationBitmap pending_bits_;        // subset of bits_: pending release
  std::vector<PendingRelease> pending_;  // in DELETE order
  uint64_t data_unit_;                   // first unit after the log
  uint64_t hint_;                        // no free unit below this
};

}  // namespace famfs

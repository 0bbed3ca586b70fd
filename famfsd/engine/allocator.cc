#include "engine/allocator.h"

#include <algorithm>
#include <bit>
#include <numeric>
#include <string>
#include <vector>

#include "util/size_parse.h"

namespace famfs {

using omf::Extent;
using omf::FileMap;

Allocator::Allocator(const omf::Geometry& geo)
    : geo_(geo),
      bits_(geo.total_units()),
      pending_bits_(geo.total_units()),
      data_unit_((geo.data_offset() + geo.alloc_unit - 1) / geo.alloc_unit),
      hint_(data_unit_) {
  bits_.set_range(0, data_unit_);
}

std::optional<Allocator::UnitRange> Allocator::units_of(const Extent& x) const {
  uint64_t au = geo_.alloc_unit;
  uint64_t lo = std::max(x.offset, geo_.data_offset());
  uint64_t end;
  if (__builtin_add_overflow(x.offset, x.len, &end)) end = UINT64_MAX;
  uint64_t hi = std::min(end, bits_.size() * au);
  if (lo >= hi) return std::nullopt;
  // Units are powers of two on every valid superblock: a shift, not two
  // 64-bit divisions per extent (replay claims every file's map).
  if (omf::is_power_of_two(au)) {
    const int shift = std::countr_zero(au);
    uint64_t first = lo >> shift;
    return UnitRange{first, ((hi - 1) >> shift) + 1 - first};
  }
  uint64_t first = lo / au;
  return UnitRange{first, (hi + au - 1) / au - first};
}

uint64_t Allocator::claim(const FileMap& map) {
  uint64_t already = 0;
  for (const Extent& x : map.extents) {
    auto r = units_of(x);
    if (!r) continue;
    if (pending_bits_.count_set() != 0 && pending_bits_.count_range(r->first, r->count) != 0)
      already += claim_over_pending(*r);
    else
      already += bits_.set_range(r->first, r->count);
  }
  return already;
}

uint64_t Allocator::claim_over_pending(const UnitRange& r) {
  uint64_t already = 0;
  for (uint64_t u = r.first; u < r.first + r.count; ++u) {
    if (pending_bits_.test(u)) {
      pending_bits_.clear_range(u, 1);  // the unit now belongs to the new file
      continue;
    }
    already += bits_.set_range(u, 1);
  }
  return already;
}

uint64_t Allocator::unholdable(const FileMap& map) const {
  uint64_t bad = 0;
  for (const Extent& x : map.extents) {
    auto r = units_of(x);
    if (!r) {
      bad += 1;
      continue;
    }
    bad += r->count - bits_.count_range(r->first, r->count);
    bad += pending_bits_.count_range(r->first, r->count);
  }
  return bad;
}

void Allocator::hold(const FileMap& map, uint64_t delete_index, std::string path) {
  for (const Extent& x : map.extents)
    if (auto r = units_of(x)) pending_bits_.set_range(r->first, r->count);
  pending_.push_back(PendingRelease{delete_index, std::move(path), map});
}

uint64_t Allocator::release_before(uint64_t before) {
  uint64_t freed = 0;
  size_t keep = 0;
  for (size_t i = 0; i < pending_.size(); ++i) {
    PendingRelease& p = pending_[i];
    if (p.delete_index >= before) {
      if (keep != i) pending_[keep] = std::move(p);
      ++keep;
      continue;
    }
    for (const Extent& x : p.map.extents) {
      auto r = units_of(x);
      if (!r) continue;
      // Only the units still pending: a later file may have taken some over.
      for (uint64_t u = r->first; u < r->first + r->count; ++u) {
        if (!pending_bits_.test(u)) continue;
        pending_bits_.clear_range(u, 1);
        bits_.clear_range(u, 1);
        hint_ = std::min(hint_, u);
        freed += geo_.alloc_unit;
      }
    }
  }
  pending_.resize(keep);
  return freed;
}

std::vector<Allocator::PendingView> Allocator::pending() const {
  std::vector<PendingView> out;
  for (const PendingRelease& p : pending_) {
    uint64_t units = 0;
    for (const Extent& x : p.map.extents)
      if (auto r = units_of(x)) units += pending_bits_.count_range(r->first, r->count);
    if (units) out.push_back(PendingView{&p, units * geo_.alloc_unit});
  }
  return out;
}

uint64_t Allocator::conflicts(const FileMap& map) const {
  uint64_t n = 0;
  for (size_t i = 0; i < map.extents.size(); ++i) {
    auto r = units_of(map.extents[i]);
    if (!r) continue;
    n += bits_.count_range(r->first, r->count) - pending_bits_.count_range(r->first, r->count);
    // Overlap between this map's own extents is a cross-link too.
    for (size_t j = 0; j < i; ++j) {
      auto q = units_of(map.extents[j]);
      if (!q) continue;
      uint64_t lo = std::max(r->first, q->first);
      uint64_t hi = std::min(r->first + r->count, q->first + q->count);
      if (lo < hi) n += hi - lo;
    }
  }
  return n;
}

void Allocator::release(const FileMap& map) {
  for (const Extent& x : map.extents) {
    if (auto r = units_of(x)) {
      bits_.clear_range(r->first, r->count);
      hint_ = std::min(hint_, r->first);
    }
  }
}

Extent Allocator::extent_of(uint64_t first, uint64_t count) const {
  return Extent{0, first * geo_.alloc_unit, count * geo_.alloc_unit};
}

Result<FileMap> Allocator::allocate(uint64_t size, const std::optional<InterleaveParams>& ilv) {
  if (size == 0) return Error(Errc::invalid_argument, "size must be at least 1 byte");
  const uint64_t au = geo_.alloc_unit;
  if (size > geo_.device_size)
    return Error(Errc::no_space,
                 "size " + size_text(size) + " exceeds the device (" + size_text(geo_.device_size) + ")");
  if (ilv) {
    const InterleaveParams& p = *ilv;
    if (p.nstrips == 0 || p.nstrips > omf::kMaxStrips)
      return Error(Errc::invalid_argument, "nstrips must be 1..16, not " + std::to_string(p.nstrips));
    if (!omf::is_power_of_two(p.chunk_size) || p.chunk_size % au != 0)
      return Error(Errc::invalid_argument,
                   "chunk size " + size_text(p.chunk_size) + " is not a power-of-two multiple of " + size_text(au));
    uint32_t nb = p.nbuckets ? p.nbuckets : p.nstrips;
    if (nb < p.nstrips || nb > bits_.size() - data_unit_)
      return Error(Errc::invalid_argument,
                   "nbuckets " + std::to_string(nb) + " must be at least nstrips and fit the device");
    if (size > p.chunk_size) return allocate_interleaved(size, InterleaveParams{p.nstrips, p.chunk_size, nb});
  }
  return allocate_simple((size + au - 1) / au);
}

Result<FileMap> Allocator::allocate_simple(uint64_t units) {
  uint64_t first = bits_.find_clear_run(units, hint_, bits_.size());
  if (first == AllocationBitmap::npos) return allocate_fragmented(units);
  bits_.set_range(first, units);
  if (first == hint_) {
    uint64_t next = bits_.next_clear(first + units, bits_.size());
    hint_ = next == AllocationBitmap::npos ? bits_.size() : next;
  }
  FileMap map;
  map.extents.push_back(extent_of(first, units));
  return map;
}

Result<FileMap> Allocator::allocate_fragmented(uint64_t units) {
  std::vector<UnitRange> runs;
  uint64_t covered = 0, total_free = 0;
  for (uint64_t pos = bits_.next_clear(hint_, bits_.size()); pos != AllocationBitmap::npos;) {
    uint64_t end = bits_.next_set(pos, bits_.size());
    if (end == AllocationBitmap::npos) end = bits_.size();
    runs.push_back({pos, end - pos});
    total_free += end - pos;
    pos = bits_.next_clear(end, bits_.size());
  }
  std::vector<UnitRange> chosen;
  for (const UnitRange& r : runs) {  // address order first
    if (chosen.size() == omf::kMaxExtents || covered >= units) break;
    chosen.push_back(r);
    covered += r.count;
  }
  if (covered < units) {  // then the largest runs
    std::vector<UnitRange> big = runs;
    std::stable_sort(big.begin(), big.end(), [](const UnitRange& a, const UnitRange& b) { return a.count > b.count; });
    chosen.clear();
    covered = 0;
    for (const UnitRange& r : big) {
      if (chosen.size() == omf::kMaxExtents || covered >= units) break;
      chosen.push_back(r);
      covered += r.count;
    }
    std::sort(chosen.begin(), chosen.end(), [](const UnitRange& a, const UnitRange& b) { return a.first < b.first; });
  }
  if (covered < units) {
    if (total_free < units)
      return Error(Errc::no_space, "need " + size_text(units * geo_.alloc_unit) + ", " +
                                       size_text(total_free * geo_.alloc_unit) + " free");
    return Error(Errc::no_space, "free space too fragmented: the 16 largest free runs hold " +
                                     size_text(covered * geo_.alloc_unit) + " of the " +
                                     size_text(units * geo_.alloc_unit) + " needed");
  }
  FileMap map;
  uint64_t left = units;
  for (const UnitRange& r : chosen) {
    if (left == 0) break;
    uint64_t take = std::min(left, r.count);
    bits_.set_range(r.first, take);
    map.extents.push_back(extent_of(r.first, take));
    left -= take;
  }
  uint64_t next = bits_.next_clear(hint_, bits_.size());
  hint_ = next == AllocationBitmap::npos ? bits_.size() : next;
  return map;
}

Result<FileMap> Allocator::allocate_interleaved(uint64_t size, const InterleaveParams& p) {
  const uint64_t au = geo_.alloc_unit;
  const uint64_t stripe = p.nstrips * p.chunk_size;
  const uint64_t strip_len = (size / stripe + (size % stripe != 0)) * p.chunk_size;
  const uint64_t strip_units = strip_len / au;
  const uint64_t data_units = bits_.size() - data_unit_;
  const uint64_t bucket_units = data_units / p.nbuckets;
  struct Bucket {
    uint64_t first, end, free;
    uint32_t index;
  };
  std::vector<Bucket> buckets;
  for (uint32_t b = 0; b < p.nbuckets; ++b) {
    uint64_t first = data_unit_ + b * bucket_units;
    uint64_t end = b + 1 == p.nbuckets ? bits_.size() : first + bucket_units;
    buckets.push_back({first, end, (end - first) - bits_.count_range(first, end - first), b});
  }
  std::stable_sort(buckets.begin(), buckets.end(), [](const Bucket& a, const Bucket& b) { return a.free > b.free; });
  FileMap map;
  map.type = omf::MapType::interleaved;
  map.chunk_size = p.chunk_size;
  for (const Bucket& b : buckets) {
    if (map.extents.size() == p.nstrips) break;
    if (b.free < strip_units) continue;
    uint64_t first = bits_.find_clear_run(strip_units, b.first, b.end);
    if (first == AllocationBitmap::npos) continue;
    bits_.set_range(first, strip_units);
    map.extents.push_back(extent_of(first, strip_units));
  }
  if (map.extents.size() < p.nstrips) {
    size_t placed = map.extents.size();
    release(map);
    return Error(Errc::no_space, "only " + std::to_string(placed) + " of " + std::to_string(p.nstrips) +
                                     " buckets have room for a strip of " + size_text(strip_len));
  }
  uint64_t next = bits_.next_clear(hint_, bits_.size());
  hint_ = next == AllocationBitmap::npos ? bits_.size() : next;
  return map;
}

}  // namespace famfs

#include "engine/allocation_bitmap.h"

#include <algorithm>
#include <bit>

namespace famfs {
namespace {

// Mask of bits [lo, hi) within one word, 0 <= lo < hi <= 64.
uint64_t word_mask(uint64_t lo, uint64_t hi) {
  uint64_t upper = hi == 64 ? ~0ULL : (1ULL << hi) - 1;
  return upper & ~((1ULL << lo) - 1);
}

}  // namespace

AllocationBitmap::AllocationBitmap(uint64_t nbits) : words_((nbits + 63) / 64, 0), nbits_(nbits) {}

// Returns the end of [first, first+count) clipped to the bitmap.
uint64_t AllocationBitmap::clip(uint64_t first, uint64_t count) const {
  if (first >= nbits_) return first;
  return count > nbits_ - first ? nbits_ : first + count;
}

uint64_t AllocationBitmap::set_range(uint64_t first, uint64_t count) {
  uint64_t end = clip(first, count), already = 0;
  for (uint64_t b = first; b < end;) {
    uint64_t w = b / 64, lo = b % 64, hi = std::min<uint64_t>(64, lo + (end - b));
    uint64_t m = word_mask(lo, hi);
    if (uint64_t hit = words_[w] & m) already += std::popcount(hit);  // a new file's units are clear
    words_[w] |= m;
    b += hi - lo;
  }
  if (end > first) set_ += (end - first) - already;
  return already;
}

void AllocationBitmap::clear_range(uint64_t first, uint64_t count) {
  uint64_t end = clip(first, count);
  for (uint64_t b = first; b < end;) {
    uint64_t w = b / 64, lo = b % 64, hi = std::min<uint64_t>(64, lo + (end - b));
    uint64_t m = word_mask(lo, hi);
    set_ -= std::popcount(words_[w] & m);
    words_[w] &= ~m;
    b += hi - lo;
  }
}

uint64_t AllocationBitmap::count_range(uint64_t first, uint64_t count) const {
  uint64_t end = clip(first, count), n = 0;
  for (uint64_t b = first; b < end;) {
    uint64_t w = b / 64, lo = b % 64, hi = std::min<uint64_t>(64, lo + (end - b));
    n += std::popcount(words_[w] & word_mask(lo, hi));
    b += hi - lo;
  }
  return n;
}

uint64_t AllocationBitmap::next_clear(uint64_t from, uint64_t limit) const {
  limit = std::min(limit, nbits_);
  for (uint64_t b = from; b < limit;) {
    uint64_t w = b / 64;
    uint64_t free = ~words_[w] & word_mask(b % 64, 64);
    if (free) {
      uint64_t hit = w * 64 + std::countr_zero(free);
      return hit < limit ? hit : npos;
    }
    b = (w + 1) * 64;
  }
  return npos;
}

uint64_t AllocationBitmap::next_set(uint64_t from, uint64_t limit) const {
  limit = std::min(limit, nbits_);
  for (uint64_t b = from; b < limit;) {
    uint64_t w = b / 64;
    uint64_t used = words_[w] & word_mask(b % 64, 64);
    if (used) {
      uint64_t hit = w * 64 + std::countr_zero(used);
      return hit < limit ? hit : npos;
    }
    b = (w + 1) * 64;
  }
  return npos;
}

uint64_t AllocationBitmap::find_clear_run(uint64_t count, uint64_t from, uint64_t limit) const {
  limit = std::min(limit, nbits_);
  if (count == 0) return npos;
  uint64_t pos = next_clear(from, limit);
  while (pos != npos && limit - pos >= count) {
    uint64_t end = next_set(pos, pos + count);
    if (end == npos) return pos;  // [pos, pos+count) all clear
    pos = next_clear(end, limit);
  }
  return npos;
}

}  // namespace famfs

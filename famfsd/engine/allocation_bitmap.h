// One bit per allocation unit: set = in use.
#pragma once

#include <cstdint>
#include <vector>

namespace famfs {

class AllocationBitmap {
 public:
  static constexpr uint64_t npos = UINT64_MAX;

  explicit AllocationBitmap(uint64_t nbits);

  uint64_t size() const { return nbits_; }
  // Number of set bits (maintained incrementally).
  uint64_t count_set() const { return set_; }
  bool test(uint64_t bit) const { return words_[bit / 64] >> (bit % 64) & 1; }
  // Sets [first, first+count) (clipped to the bitmap); returns how many of
  // those bits were set already.
  uint64_t set_range(uint64_t first, uint64_t count);
  // Clears [first, first+count) (clipped to the bitmap).
  void clear_range(uint64_t first, uint64_t count);
  // Number of set bits in [first, first+count) (clipped).
  uint64_t count_range(uint64_t first, uint64_t count) const;
  // First clear / set bit in [from, limit), or npos.
  uint64_t next_clear(uint64_t from, uint64_t limit) const;
  uint64_t next_set(uint64_t from, uint64_t limit) const;
  // First run of COUNT clear bits inside [from, limit), or npos.
  uint64_t find_clear_run(uint64_t count, uint64_t from, uint64_t limit) const;

 private:
  uint64_t clip(uint64_t first, uint64_t count) const;
  std::vector<uint64_t> words_;
  uint64_t nbits_;
  uint64_t set_ = 0;
};

}  // namespace famfs

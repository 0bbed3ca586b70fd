// A growable array whose elements never move: storage comes in chunks of
// kChunk elements, constructed one at a time, so a reference stays valid as
// the array grows and pages past the last element are never touched.
// Replaces std::deque for the namespace's nodes: libstdc++'s deque holds
// three 144-byte nodes per 512-byte block, a malloc (and its header) every
// third node of a 500,000-entry log. Chunks are 2 MiB: every one after the
// first on transparent huge pages (util/large_pages.h), so the first stays
// small pages for a small volume.
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <utility>
#include <vector>

#include "util/large_pages.h"

namespace famfs {

template <typename T, size_t kChunk = kLargePage / sizeof(T)>
class StableVector {
 public:
  StableVector() = default;
  StableVector(const StableVector&) = delete;
  StableVector& operator=(const StableVector&) = delete;
  ~StableVector() {
    for (size_t i = 0; i < size_; ++i) (*this)[i].~T();
  }

  size_t size() const { return size_; }
  T& operator[](size_t i) { return chunk(i)[i % kChunk]; }
  const T& operator[](size_t i) const { return chunk(i)[i % kChunk]; }
  T& back() { return (*this)[size_ - 1]; }

  // Constructs a new last element from ARGS (none: default-initialized, so
  // members without an initializer stay indeterminate) and returns it.
  template <typename... Args>
  T& emplace_back(Args&&... args) {
    if (size_ == chunks_.size() * kChunk) {
      const bool huge = !chunks_.empty();
      chunks_.emplace_back(static_cast<T*>(allocate_large(kBytes, huge)), LargeFree{kBytes, huge});
    }
    T* slot = chunks_.back().get() + size_ % kChunk;
    // Without arguments default-initialized, not value-initialized: for a
    // class with member initializers T() zeroes the whole element first and
    // then runs them (two writes of every byte of fresh memory).
    if constexpr (sizeof...(Args) == 0)
      new (slot) T;
    else
      new (slot) T(std::forward<Args>(args)...);
    ++size_;
    return *slot;
  }
  void push_back(T&& v) { emplace_back(std::move(v)); }
  // Where element size() + K will be constructed, if its chunk exists
  // already (else nullptr): for a prefetch of memory about to be written.
  const T* slot_ahead(size_t k) const {
    size_t i = size_ + k;
    return i / kChunk < chunks_.size() ? chunks_[i / kChunk].get() + i % kChunk : nullptr;
  }

 private:
  // Chunks start on a cache line (allocate_large aligns to 64 bytes at
  // least): a 128-byte element then spans two lines, not three (replay
  // writes one node per entry into fresh memory).
  static_assert(alignof(T) <= 64);
  static constexpr size_t kBytes = sizeof(T) * kChunk;
  T* chunk(size_t i) const { return chunks_[i / kChunk].get(); }

  std::vector<std::unique_ptr<T, LargeFree>> chunks_;
  size_t size_ = 0;
};

}  // namespace famfs

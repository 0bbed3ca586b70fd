// A flat open-addressing index from path to NodeId. A slot is 8 bytes: the
// id and the low 32 bits of the path's hash, which also pick its home slot
// (so a table of 2^k slots compares 32-k bits beyond the home: at 2^18
// slots a string is compared in vain about once per 16,000 probes). A probe
// touches one cache line and compares strings only on a tag match: replay
// inserts ~10^5 paths whose nodes are scattered in memory, and a
// node-chasing hash map was a fifth of replay time; 16-byte slots (the
// whole hash) made the table twice the memory, every byte of it written
// once per entry at replay.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string_view>

#include "util/large_pages.h"

namespace famfs {

class PathIndex {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  PathIndex() { rehash(64); }

  // A multiply-xorshift hash over 8-byte words with a seed drawn once per
  // process: a few ns for a path (std::hash was a sixth of applying an
  // entry, computed twice: prefetch and insert), and a log written to make
  // paths collide cannot know the seed.
  static uint64_t hash(std::string_view path) {
    const auto* p = reinterpret_cast<const unsigned char*>(path.data());
    const size_t n = path.size();
    uint64_t h = seed() ^ (n * 0x9E3779B97F4A7C15ULL);
    // Whole 8-byte words, the last one overlapping the one before (fixed-size
    // loads only: a variable-length copy of the tail stalls the load after it).
    if (n >= 8) {
      for (size_t i = 0; i + 8 < n; i += 8) h = mix(h ^ load<uint64_t>(p + i));
      h = mix(h ^ load<uint64_t>(p + n - 8));
    } else if (n >= 4) {
      h = mix(h ^ (uint64_t{load<uint32_t>(p)} << 32 | load<uint32_t>(p + n - 4)));
    } else if (n > 0) {
      h = mix(h ^ (uint64_t{p[0]} << 16 | uint64_t{p[n / 2]} << 8 | p[n - 1]));
    }
    h ^= h >> 29;
    h *= 0xC4CEB9FE1A85EC53ULL;
    return h ^ (h >> 32);
  }

  // The id stored for PATH (hash H), or kNone. PATH_OF(id) gives an id's path.
  // When absent, *HOLE (if given) is the empty slot that ended the probe:
  // where insert_at() puts PATH if the index is not changed in between.
  template <typename PathOf>
  uint32_t find(std::string_view path, uint64_t h, const PathOf& path_of, size_t* hole = nullptr) const {
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.id == kNone) {
        if (hole) *hole = i;
        return kNone;
      }
      if (s.tag == static_cast<uint32_t>(h) && path_of(s.id) == path) return s.id;
    }
  }
  // Adds ID under hash H; the caller has checked the path is absent.
  void insert(uint64_t h, uint32_t id) {
    if (grows_on_insert()) rehash(capacity_ * 2);
    place(h, id);
    ++size_;
  }
  // insert() at HOLE, the slot find() gave for this H with no change since
  // (one probe for the check and the insert; a growing table probes anew).
  void insert_at(size_t hole, uint64_t h, uint32_t id) {
    if (grows_on_insert()) {
      insert(h, id);
      return;
    }
    slots_[hole] = Slot{static_cast<uint32_t>(h), id};
    ++size_;
  }
  // Removes ID (stored under hash H; the caller knows it is there). Backward
  // shift: the entries after it in its probe run move up, so no tombstones.
  void erase(uint64_t h, uint32_t id) {
    size_t i = h & mask_;
    while (slots_[i].id != id) {
      if (slots_[i].id == kNone) return;
      i = (i + 1) & mask_;
    }
    for (size_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
      if (slots_[j].id == kNone) break;
      size_t home = slots_[j].tag & mask_;
      // Slot j's entry may fill the hole at i unless its home lies cyclically in (i, j].
      bool home_between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
      if (home_between) continue;
      slots_[i] = slots_[j];
      i = j;
    }
    slots_[i] = Slot{0, kNone};
    --size_;
  }
  // Asks the CPU to load the home slot of hash H: replay hashes the path of
  // an entry a few entries ahead, so the probe then hits the cache (the
  // table is megabytes and every new path lands at a random slot: that miss
  // was a third of replay).
  void prefetch(uint64_t h) const { __builtin_prefetch(&slots_[h & mask_]); }
  // Grows the table so N entries fit without rehashing.
  void reserve(size_t n) {
    size_t want = 64;
    while (want < n * 2) want *= 2;
    if (want > capacity_) rehash(want);
  }

 private:
  // One more entry would fill the table past half: insert() grows it first.
  bool grows_on_insert() const { return (size_ + 1) * 2 > capacity_; }
  static uint64_t seed() {
    static const uint64_t s = [] {
      std::random_device rd;
      return (static_cast<uint64_t>(rd()) << 32) ^ rd();
    }();
    return s;
  }
  template <typename T>
  static T load(const unsigned char* p) {
    T w;
    std::memcpy(&w, p, sizeof w);
    return w;
  }
  static uint64_t mix(uint64_t h) {
    h *= 0xFF51AFD7ED558CCDULL;
    return h ^ (h >> 32);
  }
  struct Slot {
    uint32_t tag;  // low 32 bits of the hash
    uint32_t id;
  };
  void place(uint64_t h, uint32_t id) {
    size_t i = h & mask_;
    while (slots_[i].id != kNone) i = (i + 1) & mask_;
    slots_[i] = Slot{static_cast<uint32_t>(h), id};
  }
  // The table on huge pages from 2 MiB (256k slots, a log of ~128k paths):
  // each insert lands on a random slot, a TLB miss per entry on small pages.
  void rehash(size_t capacity) {
    const size_t bytes = capacity * sizeof(Slot);
    std::unique_ptr<Slot[], LargeFree> fresh(static_cast<Slot*>(allocate_large(bytes)), LargeFree{bytes});
    std::fill_n(fresh.get(), capacity, Slot{0, kNone});
    fresh.swap(slots_);
    const size_t old_capacity = capacity_;
    capacity_ = capacity;
    mask_ = capacity - 1;
    for (size_t i = 0; i < old_capacity; ++i)
      if (fresh[i].id != kNone) place(fresh[i].tag, fresh[i].id);
  }

  std::unique_ptr<Slot[], LargeFree> slots_;
  size_t capacity_ = 0;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace famfs

#include "util/large_pages.h"

#include <sys/mman.h>

#include <cstdint>
#include <mutex>
#include <new>

namespace famfs {

namespace {
constexpr std::align_val_t kSmallAlign{64};
size_t rounded(size_t bytes) { return (bytes + kLargePage - 1) & ~(kLargePage - 1); }

// Freed blocks kept for the next allocation of the same length, as the heap
// keeps freed memory (reload, remount, a benchmark's rounds). At most kKeep
// bytes are kept; the rest is unmapped.
constexpr size_t kKeep = size_t{64} << 20;
struct Kept {
  void* p;
  size_t len;
};
// Plain arrays (nothing to destroy at exit, when a static's destructor may
// still free a block): every kept block is at least kLargePage long.
std::mutex kept_mutex;
Kept kept[kKeep / kLargePage];
size_t kept_count = 0, kept_bytes = 0;
}  // namespace

void* allocate_large(size_t bytes, bool huge) {
  if (!huge || bytes < kLargePage) return ::operator new(bytes, kSmallAlign);
  if (bytes > SIZE_MAX / 2) throw std::bad_alloc();  // rounding up must not wrap
  const size_t len = rounded(bytes);
  {
    std::lock_guard lock(kept_mutex);
    for (size_t i = kept_count; i-- > 0;)
      if (kept[i].len == len) {
        void* p = kept[i].p;
        kept[i] = kept[--kept_count];
        kept_bytes -= len;
        return p;
      }
  }
  // Map one huge page more than needed and trim both ends to 2 MiB
  // alignment: mmap itself only promises 4 KiB.
  const size_t span = len + kLargePage;
  void* raw = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const uintptr_t start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = (start + kLargePage - 1) & ~(uintptr_t{kLargePage} - 1);
  if (aligned > start) munmap(raw, aligned - start);
  const uintptr_t tail = aligned + len, end = start + span;
  if (end > tail) munmap(reinterpret_cast<void*>(tail), end - tail);
  // Advice only: without THP (or with it disabled) the block works the same.
  madvise(reinterpret_cast<void*>(aligned), len, MADV_HUGEPAGE);
  return reinterpret_cast<void*>(aligned);
}

void release_kept_large() noexcept {
  std::lock_guard lock(kept_mutex);
  for (size_t i = 0; i < kept_count; ++i) munmap(kept[i].p, kept[i].len);
  kept_count = 0;
  kept_bytes = 0;
}

size_t kept_large_bytes() noexcept {
  std::lock_guard lock(kept_mutex);
  return kept_bytes;
}

void free_large(void* p, size_t bytes, bool huge) noexcept {
  if (!p) return;
  if (!huge || bytes < kLargePage)
    ::operator delete(p, kSmallAlign);
  else {
    const size_t len = rounded(bytes);
    {
      std::lock_guard lock(kept_mutex);
      if (kept_bytes + len <= kKeep) {
        kept[kept_count++] = Kept{p, len};
        kept_bytes += len;
        return;
      }
    }
    munmap(p, len);
  }
}

}  // namespace famfs

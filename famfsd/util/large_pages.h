// Memory for famfsd's large replay tables (namespace nodes, path index),
// backed by transparent huge pages where the kernel allows them.
//
// Replay touches these tables at random, one node and one index slot per
// entry: with 4 KiB pages nearly every access is a TLB miss, and under a
// hypervisor each miss walks two sets of page tables. A block of
// kLargePage bytes or more is mapped on its own, aligned to 2 MiB, and
// marked MADV_HUGEPAGE (honoured when the kernel's THP setting is
// "madvise" or "always"; with "never" the block simply has small pages).
// Smaller blocks come from the ordinary heap, so a small volume does not
// hold 2 MiB for a table of a few hundred bytes.
#pragma once

#include <cstddef>

namespace famfs {

inline constexpr size_t kLargePage = size_t{2} << 20;

// BYTES of memory aligned to at least 64 bytes (2 MiB from kLargePage),
// uninitialized; fresh pages are only allocated when touched. Throws std::bad_alloc when out of memory,
// like operator new.
// HUGE false: from the heap whatever the size (for the first block of a
// table that may stay small).
void* allocate_large(size_t bytes, bool huge = true);
// Frees what allocate_large(BYTES, HUGE) gave, with the same arguments.
void free_large(void* p, size_t bytes, bool huge = true) noexcept;

// Freed blocks of kLargePage or more are kept (up to 64 MiB in all) for
// the next allocation of the same rounded length: a volume opened again
// finds its huge pages already there instead of faulting and zeroing them.
// This unmaps every kept block; kept_large_bytes() says how much is kept.
void release_kept_large() noexcept;
size_t kept_large_bytes() noexcept;

// Deleter for a std::unique_ptr holding what allocate_large(BYTES, HUGE) gave.
struct LargeFree {
  size_t bytes = 0;
  bool huge = true;
  void operator()(void* p) const noexcept { free_large(p, bytes, huge); }
};

}  // namespace famfs

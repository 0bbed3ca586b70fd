// CPU cache maintenance for memory that other hosts read and write without
// hardware coherence between them (CXL shared memory, pmem).
#pragma once

#include <cstddef>
#include <cstdint>

namespace famfs::cpu_cache {

constexpr size_t kLineSize = 64;

// The write-back instruction chosen for this CPU: "clwb", "clflushopt",
// "clflush" or "none" (non-x86 builds: a full fence only).
const char* writeback_instruction();

// Writes back every cache line overlapping [p, p+len) and fences, so the bytes
// are in memory (visible to other hosts, durable on pmem). Touches only those
// lines.
void writeback(const void* p, size_t len);

// Evicts every cache line overlapping [p, p+len) and fences, so the next load
// fetches what another host wrote to memory.
void invalidate(const void* p, size_t len);

// Copies LEN bytes to DST with non-temporal stores where possible (the bulk
// bypasses the cache, unaligned edges are written back explicitly) and fences:
// on return the bytes are in memory. Faster than memcpy + writeback for large
// copies.
void copy_to_memory(void* dst, const void* src, size_t len);

// Like copy_to_memory, with zeros.
void zero_to_memory(void* dst, size_t len);

}  // namespace famfs::cpu_cache

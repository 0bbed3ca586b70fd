#include "device/cpu_cache.h"

#include <cstring>

#if defined(__x86_64__)
#include <cpuid.h>
#include <emmintrin.h>
#endif

namespace famfs::cpu_cache {

namespace {

enum class Writeback { clwb, clflushopt, clflush, none };
enum class Evict { clflushopt, clflush, none };

struct Features {
  Writeback writeback = Writeback::none;
  Evict evict = Evict::none;
};

Features detect() {
  Features f;
#if defined(__x86_64__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  bool has_clflush = false, has_clflushopt = false, has_clwb = false;
  if (__get_cpuid(1, &a, &b, &c, &d)) has_clflush = (d >> 19) & 1;
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
    has_clflushopt = (b >> 23) & 1;
    has_clwb = (b >> 24) & 1;
  }
  f.writeback = has_clwb         ? Writeback::clwb
                : has_clflushopt ? Writeback::clflushopt
                : has_clflush    ? Writeback::clflush
                                 : Writeback::none;
  f.evict = has_clflushopt ? Evict::clflushopt : has_clflush ? Evict::clflush : Evict::none;
#endif
  return f;
}

const Features& features() {
  static const Features f = detect();
  return f;
}

inline uintptr_t line_down(const void* p) { return reinterpret_cast<uintptr_t>(p) & ~(kLineSize - 1); }

}  // namespace

const char* writeback_instruction() {
  switch (features().writeback) {
    case Writeback::clwb: return "clwb";
    case Writeback::clflushopt: return "clflushopt";
    case Writeback::clflush: return "clflush";
    case Writeback::none: break;
  }
  return "none";
}

void writeback(const void* p, size_t len) {
  if (len == 0) return;
  uintptr_t end = reinterpret_cast<uintptr_t>(p) + len;
#if defined(__x86_64__)
  switch (features().writeback) {
    case Writeback::clwb:
      for (uintptr_t l = line_down(p); l < end; l += kLineSize)
        asm volatile("clwb %0" : "+m"(*reinterpret_cast<volatile char*>(l)));
      break;
    case Writeback::clflushopt:
      for (uintptr_t l = line_down(p); l < end; l += kLineSize)
        asm volatile("clflushopt %0" : "+m"(*reinterpret_cast<volatile char*>(l)));
      break;
    case Writeback::clflush:
      for (uintptr_t l = line_down(p); l < end; l += kLineSize)
        asm volatile("clflush %0" : "+m"(*reinterpret_cast<volatile char*>(l)));
      break;
    case Writeback::none: break;
  }
  asm volatile("sfence" ::: "memory");
#else
  (void)end;
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

void invalidate(const void* p, size_t len) {
  if (len == 0) return;
  uintptr_t end = reinterpret_cast<uintptr_t>(p) + len;
#if defined(__x86_64__)
  switch (features().evict) {
    case Evict::clflushopt:
      for (uintptr_t l = line_down(p); l < end; l += kLineSize)
        asm volatile("clflushopt %0" : "+m"(*reinterpret_cast<volatile char*>(l)));
      break;
    case Evict::clflush:
      for (uintptr_t l = line_down(p); l < end; l += kLineSize)
        asm volatile("clflush %0" : "+m"(*reinterpret_cast<volatile char*>(l)));
      break;
    case Evict::none: break;
  }
  asm volatile("mfence" ::: "memory");
#else
  (void)end;
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

void copy_to_memory(void* dst, const void* src, size_t len) {
#if defined(__x86_64__)
  auto* d = static_cast<uint8_t*>(dst);
  const auto* s = static_cast<const uint8_t*>(src);
  // Head up to a 16-byte boundary and the tail are stored normally and
  // written back; the middle is streamed past the cache.
  size_t head = (16 - (reinterpret_cast<uintptr_t>(d) & 15)) & 15;
  if (head > len) head = len;
  if (head) {
    std::memcpy(d, s, head);
    writeback(d, head);
    d += head;
    s += head;
    len -= head;
  }
  size_t blocks = len / 64;
  for (size_t i = 0; i < blocks; ++i) {
    __m128i x0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s));
    __m128i x1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + 16));
    __m128i x2 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + 32));
    __m128i x3 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + 48));
    _mm_stream_si128(reinterpret_cast<__m128i*>(d), x0);
    _mm_stream_si128(reinterpret_cast<__m128i*>(d + 16), x1);
    _mm_stream_si128(reinterpret_cast<__m128i*>(d + 32), x2);
    _mm_stream_si128(reinterpret_cast<__m128i*>(d + 48), x3);
    d += 64;
    s += 64;
  }
  len -= blocks * 64;
  if (len) {
    std::memcpy(d, s, len);
    writeback(d, len);
  }
  _mm_sfence();
#else
  std::memcpy(dst, src, len);
  writeback(dst, len);
#endif
}

void zero_to_memory(void* dst, size_t len) {
#if defined(__x86_64__)
  auto* d = static_cast<uint8_t*>(dst);
  size_t head = (16 - (reinterpret_cast<uintptr_t>(d) & 15)) & 15;
  if (head > len) head = len;
  if (head) {
    std::memset(d, 0, head);
    writeback(d, head);
    d += head;
    len -= head;
  }
  const __m128i z = _mm_setzero_si128();
  size_t blocks = len / 64;
  for (size_t i = 0; i < blocks; ++i) {
    _mm_stream_si128(reinterpret_cast<__m128i*>(d), z);
    _mm_stream_si128(reinterpret_cast<__m128i*>(d + 16), z);
    _mm_stream_si128(reinterpret_cast<__m128i*>(d + 32), z);
    _mm_stream_si128(reinterpret_cast<__m128i*>(d + 48), z);
    d += 64;
  }
  len -= blocks * 64;
  if (len) {
    std::memset(d, 0, len);
    writeback(d, len);
  }
  _mm_sfence();
#else
  std::memset(dst, 0, len);
  writeback(dst, len);
#endif
}

}  // namespace famfs::cpu_cache

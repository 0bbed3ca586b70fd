// The SIGBUS guard: turns a SIGBUS raised while this thread touches device memory
// into an error value instead of a dead process.
//
// Device memory can fail under us: a poisoned line (machine check reported as
// SIGBUS/BUS_MCEERR_AR), a backing file truncated by someone else, a device
// that went away. Every access to a device mapping runs inside guarded_call()
// or guarded_run(); a SIGBUS whose address lies in the guarded range unwinds
// to the guard, which returns memory_error. A SIGBUS anywhere else is a real
// bug and is re-raised with the default action.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "util/result.h"

namespace famfs {

// Installs the process-wide SIGBUS handler (idempotent, thread safe). Called
// by the guards themselves; exposed so a daemon can install it at start-up.
void install_sigbus_handler();

// Runs FN(CTX) with [base, base+len) guarded. FN must only touch memory and
// must not allocate, lock or call into libraries that might (the guard
// unwinds with siglongjmp). WHAT names the access for the error message.
Status guarded_call(const void* base, size_t len, const char* what, void (*fn)(void*), void* ctx);

// guarded_call for any callable (no allocation: FN is called by reference).
template <typename Fn>
Status guarded_run(const void* base, size_t len, const char* what, Fn&& fn) {
  return guarded_call(
      base, len, what, [](void* f) { (*static_cast<std::remove_reference_t<Fn>*>(f))(); },
      const_cast<void*>(static_cast<const void*>(&fn)));
}

// Number of SIGBUS signals turned into errors so far in this process.
uint64_t guarded_fault_count();

}  // namespace famfs

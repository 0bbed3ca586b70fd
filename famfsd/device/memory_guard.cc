#include "device/memory_guard.h"

#include <setjmp.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>

namespace famfs {

namespace {

struct GuardFrame {
  sigjmp_buf env;
  GuardFrame* outer = nullptr;  // the enclosing guard of this thread
  uintptr_t lo = 0, hi = 0;     // guarded device range [lo, hi)
  uintptr_t fault_addr = 0;
  int fault_code = 0;
};

thread_local GuardFrame* t_frame = nullptr;
std::atomic<uint64_t> g_faults{0};
struct sigaction g_previous {};

void on_sigbus(int sig, siginfo_t* info, void* ctx) {
  auto addr = reinterpret_cast<uintptr_t>(info->si_addr);
  // The innermost guard covering the address handles it (a copy between two
  // guarded mappings nests two guards).
  GuardFrame* f = t_frame;
  while (f != nullptr && !(addr >= f->lo && addr < f->hi)) f = f->outer;
  if (f != nullptr) {
    f->fault_addr = addr;
    f->fault_code = info->si_code;
    g_faults.fetch_add(1, std::memory_order_relaxed);
    siglongjmp(f->env, 1);
  }
  // Not ours: behave as if we had never been installed.
  if (g_previous.sa_flags & SA_SIGINFO) {
    if (g_previous.sa_sigaction != nullptr) return g_previous.sa_sigaction(sig, info, ctx);
  } else if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN && g_previous.sa_handler != nullptr) {
    return g_previous.sa_handler(sig);
  }
  signal(SIGBUS, SIG_DFL);
  raise(SIGBUS);
}

std::string describe(const GuardFrame& f, const char* what) {
  const char* cause = "memory error";
  if (f.fault_code == BUS_MCEERR_AR || f.fault_code == BUS_MCEERR_AO)
    cause = "machine check (poisoned memory)";
  else if (f.fault_code == BUS_ADRERR)
    cause = "address not backed by the device (device shrunk, truncated or removed)";
  char buf[64];
  snprintf(buf, sizeof buf, " at device offset 0x%llx", static_cast<unsigned long long>(f.fault_addr - f.lo));
  return std::string("SIGBUS while ") + what + ": " + cause + buf;
}

}  // namespace

void install_sigbus_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, &g_previous);
  });
}

Status guarded_call(const void* base, size_t len, const char* what, void (*fn)(void*), void* ctx) {
  install_sigbus_handler();
  GuardFrame frame;
  frame.lo = reinterpret_cast<uintptr_t>(base);
  frame.hi = frame.lo + len;
  GuardFrame* outer = t_frame;
  frame.outer = outer;
  // savemask=0: saving the mask costs a system call per guarded access, and
  // the handler is installed with SA_NODEFER and an empty sa_mask, so jumping
  // out of it leaves the signal mask as it was.
  if (sigsetjmp(frame.env, 0) != 0) {
    t_frame = outer;
    return Error(Errc::memory_error, describe(frame, what));
  }
  t_frame = &frame;
  fn(ctx);
  t_frame = outer;
  return ok_status();
}

uint64_t guarded_fault_count() { return g_faults.load(std::memory_order_relaxed); }

}  // namespace famfs

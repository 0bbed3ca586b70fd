#include "service/log.h"

#include <atomic>
#include <cstdio>
#include <string>

namespace famfs::service {

namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::info)};
}

void set_log_level(LogLevel level) { g_level.store(static_cast<int>(level), std::memory_order_relaxed); }
LogLevel log_level() { return static_cast<LogLevel>(g_level.load(std::memory_order_relaxed)); }

void log_msg(LogLevel level, const char* fmt, ...) {
  if (static_cast<int>(level) > g_level.load(std::memory_order_relaxed)) return;
  char buf[2048];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  // One write per line so lines from threads never interleave; newlines
  // inside a message (e.g. from the device) would split the priority.
  std::string line = "<" + std::to_string(static_cast<int>(level)) + ">";
  for (const char* p = buf; *p; ++p) line.push_back(*p == '\n' ? ' ' : *p);
  line.push_back('\n');
  fwrite(line.data(), 1, line.size(), stderr);
  fflush(stderr);
}

}  // namespace famfs::service

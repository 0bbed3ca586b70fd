// famfsd's log: one line per message on stderr with a "<N>" priority prefix
// (sd-daemon(3) style), which journald turns into the priority.
#pragma once

#include <cstdarg>

#include "service/config.h"

namespace famfs::service {

// Messages above LEVEL (less important) are dropped.
void set_log_level(LogLevel level);
LogLevel log_level();

// printf-style message at LEVEL.
void log_msg(LogLevel level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

}  // namespace famfs::service

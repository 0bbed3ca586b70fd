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

#define FAMFS_LOG_ERR(...) ::famfs::service::log_msg(::famfs::service::LogLevel::err, __VA_ARGS__)
#define FAMFS_LOG_WARN(...) ::famfs::service::log_msg(::famfs::service::LogLevel::warning, __VA_ARGS__)
#define FAMFS_LOG_NOTICE(...) ::famfs::service::log_msg(::famfs::service::LogLevel::notice, __VA_ARGS__)
#define FAMFS_LOG_INFO(...) ::famfs::service::log_msg(::famfs::service::LogLevel::info, __VA_ARGS__)
#define FAMFS_LOG_DEBUG(...) ::famfs::service::log_msg(::famfs::service::LogLevel::debug, __VA_ARGS__)

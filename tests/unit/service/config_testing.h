// What the config_*_test.cc files share: a readable print of a whole
// InstanceConfig for EXPECT_EQ, parse() of a text as "test.toml" and
// error_of(), the message a text that must not parse produces.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include "service/config.h"

namespace famfs::service {

// Readable failure output for EXPECT_EQ on whole configurations.
inline void PrintTo(const InstanceConfig& c, std::ostream* os) {
  *os << "{log_level=" << log_level_name(c.log_level) << " system_uuid=" << c.system_uuid.value_or("(unset)")
      << " backend=" << backend_choice_name(c.backend) << " mountpoint=" << c.mountpoint.value_or("(unset)")
      << " poll_interval_ms=" << c.poll_interval_ms << " heartbeat_interval_ms=" << c.heartbeat_interval_ms
      << " allow_format=" << c.allow_format << " zero_new_files=" << c.zero_new_files
      << " copy_job_threshold=" << c.copy_job_threshold << " famfs_group=" << c.famfs_group
      << " watchdog=" << c.watchdog << " client_files_writable=" << c.client_files_writable << "}";
}

namespace testing {

constexpr uint64_t kMiB = uint64_t{1} << 20;

inline Result<Config> parse(std::string_view text) { return parse_config(text, "test.toml"); }

// The message of the error TEXT must produce; fails the test when it parses.
inline std::string error_of(std::string_view text) {
  auto r = parse(text);
  if (r.ok()) {
    ADD_FAILURE() << "parsed, expected an error:\n" << text;
    return {};
  }
  EXPECT_EQ(r.error().code(), Errc::invalid_argument);
  return r.error().message();
}

}  // namespace testing
}  // namespace famfs::service

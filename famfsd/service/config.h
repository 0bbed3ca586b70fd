// famfsd's configuration: /etc/famfs/famfs.toml. Top-level keys are defaults
// for every instance; a [devices."<instance>"] table overrides any of them for
// that instance. dist/famfs.toml documents every key.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace famfs::service {

inline constexpr const char* kDefaultConfigPath = "/etc/famfs/famfs.toml";

// syslog(3) priorities; the number is the `<N>` prefix of a stderr log line.
enum class LogLevel { emerg = 0, alert, crit, err, warning, notice, info, debug };

// "emerg" ... "debug": the name config files and --log-level use.
const char* log_level_name(LogLevel level);
// The level named exactly TEXT (see log_level_name); nullopt for anything else.
std::optional<LogLevel> parse_log_level(std::string_view text);

// Which mount backend serves the namespace: the kernel module, metadata only
// (none), or the module when it is loaded and none otherwise (automatic).
enum class BackendChoice { automatic, kernel, none };

// "auto", "kernel" or "none".
const char* backend_choice_name(BackendChoice choice);
// The choice named exactly TEXT (see backend_choice_name); nullopt otherwise.
std::optional<BackendChoice> parse_backend_choice(std::string_view text);

// Everything the configuration decides for one instance. The member
// initializers are the defaults; dist/famfs.toml must agree (a test checks).
struct InstanceConfig {
  LogLevel log_level = LogLevel::info;
  // Lower-case 8-4-4-4-12 text; unset: resolve_system_uuid decides.
  std::optional<std::string> system_uuid;
  BackendChoice backend = BackendChoice::automatic;
  // An absolute path; unset: /run/famfs/<instance>.
  std::optional<std::string> mountpoint;
  // How often a client reads the log header to find new entries (1..10000).
  uint32_t poll_interval_ms = 10;
  // How often every host beats in the host area (its slot; the master also
  // its master record), 10..60000; liveness and takeover are measured in it.
  uint32_t heartbeat_interval_ms = 1000;
  // Whether an unformatted device may be formatted through D-Bus.
  bool allow_format = false;
  // Whether new allocations are zeroed unless the caller opts out.
  bool zero_new_files = true;
  // CopyIn of more bytes than this runs as a job object with Progress.
  uint64_t copy_job_threshold = uint64_t{64} << 20;
  // Members of this group may call mutating methods (root always may).
  std::string famfs_group = "famfs";
  // Whether to send WATCHDOG=1 when systemd sets WATCHDOG_USEC.
  bool watchdog = true;
  // Kernel backend on a client: keep the write bits of files' modes in the
  // mount (default: stripped, as the reference does).
  bool client_files_writable = false;

  friend bool operator==(const InstanceConfig&, const InstanceConfig&) = default;
};

// Every key a config file may set, at top level or in a device table.
std::span<const std::string_view> config_key_names();

// A validated configuration file. Default-constructed: all defaults.
class Config {
 public:
  // The global defaults merged with INSTANCE's table; the global defaults
  // alone when INSTANCE has no table.
  InstanceConfig for_instance(std::string_view instance) const;
  // The global defaults: built-in defaults merged with the top-level keys.
  const InstanceConfig& defaults() const { return defaults_; }
  // Names of the instances that have a [devices."<name>"] table, sorted.
  std::vector<std::string> instances() const;
  // The file the configuration came from, or "(defaults)" when there was none.
  const std::string& source() const { return source_; }

 private:
  friend Result<Config> parse_config(std::string_view text, std::string source_name);

  std::string source_ = "(defaults)";
  InstanceConfig defaults_;
  std::map<std::string, InstanceConfig, std::less<>> instances_;
};

// Parses and validates TEXT, naming it SOURCE_NAME in messages. The first
// problem in file order (syntax error, unknown key, wrong type, bad value) is
// invalid_argument "SOURCE_NAME:LINE:COLUMN: what is wrong".
Result<Config> parse_config(std::string_view text, std::string source_name);

// Reads and parses the file at PATH. A missing file gives the defaults unless
// REQUIRED, when it is not_found "PATH: cannot open: No such file or
// directory". A file that cannot be read is an error naming PATH and why
// (permission_denied or io_error).
Result<Config> load_config(const std::string& path, bool required);

}  // namespace famfs::service

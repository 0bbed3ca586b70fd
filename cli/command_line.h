// famfsctl's command line, parsed into a Request without touching the bus.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace famfs::cli {

enum class Command {
  list,
  status,
  format,
  create,
  mkdir,
  cp,
  cat,
  ls,
  stat,
  getmap,
  check,
  monitor,
  jobs,
  help,
  hosts,
  rm
};

// The command's name as typed ("getmap").
std::string_view command_name(Command command);
// The command typed as NAME, if there is one.
std::optional<Command> command_by_name(std::string_view name);
// Every command, in the order --help lists them.
const std::vector<Command>& all_commands();

// Options that apply to every command.
struct GlobalOptions {
  std::optional<std::string> instance;    // -d: instance name, escaped suffix or device path
  bool json = false;                      // --json
  std::optional<double> timeout_seconds;  // --timeout (0: wait forever)
};

// Everything one invocation asks for. Plain data; only the fields of the
// command's own options are ever set.
struct Request {
  GlobalOptions global;
  bool show_help = false;     // --help (with command: that command's help)
  bool show_version = false;  // --version
  std::optional<Command> command;
  std::vector<std::string> operands;  // paths, as typed (see famfs_path)

  std::optional<uint64_t> size;        // create --size
  std::optional<uint64_t> log_size;    // format --log-size
  std::optional<uint64_t> chunk_size;  // --chunk-size
  std::optional<uint32_t> nstrips;     // --nstrips
  std::optional<uint32_t> mode;        // --mode (octal on the command line)
  std::optional<uint32_t> uid;         // --uid
  std::optional<uint32_t> gid;         // --gid
  bool force = false;                  // format --force
  bool enable_delete = false;          // format --enable-delete
  bool no_zero = false;                // create --no-zero
  bool parents = false;                // mkdir -p
  bool recursive = false;              // cp -r, rm -r
  bool long_listing = false;           // ls -l
  bool verbose = false;                // cp -v
  std::optional<uint64_t> offset;      // cat --offset
  std::optional<uint64_t> length;      // cat --length
};

// Parses ARGS (argv without argv[0]). Global options may stand anywhere
// before "--". invalid_argument with a one-line message on a usage error.
Result<Request> parse_command_line(const std::vector<std::string>& args);

// A famfs path as the daemon wants it: relative. ONE leading '/' is stripped
// so "/a/b" and "a/b" name the same file and "/" names the root ("").
std::string famfs_path(std::string_view typed);

// Parses an octal mode ("644", "0755"); at most 07777.
Result<uint32_t> parse_mode(std::string_view text);
// Parses a decimal unsigned 32-bit number (uid, gid, nstrips).
Result<uint32_t> parse_u32(std::string_view text, std::string_view what);
// A --uid or --gid value: a number, or a user (USER true) or group name
// looked up in the local user database.
Result<uint32_t> parse_owner(std::string_view text, bool user);
// Parses a non-negative number of seconds, fractions allowed ("2.5").
Result<double> parse_seconds(std::string_view text);

}  // namespace famfs::cli

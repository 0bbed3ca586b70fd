#include "option_table.h"

#include <array>

namespace famfs::cli {
namespace {

constexpr uint32_t bit(Command c) { return 1u << static_cast<unsigned>(c); }
constexpr uint32_t kFileCreating = bit(Command::create) | bit(Command::cp);
constexpr uint32_t kOwnerSetting = bit(Command::create) | bit(Command::mkdir) | bit(Command::cp);

constexpr std::array kOptions = {
    OptionSpec{OptionId::instance, "instance", 'd', "INSTANCE",
               "instance to talk to: name (dax0.0), escaped name (dax0_0) or device path (/dev/dax0.0: "
               "the instance serving it); may be left out when exactly one instance runs",
               0},
    OptionSpec{OptionId::json, "json", 0, nullptr,
               "machine-readable output: one JSON document (list, status, ls, stat, getmap, check, jobs, hosts) or "
               "one JSON object per line (monitor); errors too: {\"error\", \"message\", \"exit_code\"} on stderr",
               0},
    OptionSpec{OptionId::timeout, "timeout", 0, "SECONDS",
               "how long to wait for each reply (default 25; cat and cp wait forever); 0 waits forever", 0},
    OptionSpec{OptionId::help, "help", 'h', nullptr, "show help (after a command: that command's help)", 0},
    OptionSpec{OptionId::version, "version", 'V', nullptr, "show the version", 0},
    OptionSpec{OptionId::log_size, "log-size", 0, "SIZE", "size of the metadata log (default 8M, a power of two)",
               bit(Command::format)},
    OptionSpec{OptionId::force, "force", 'f', nullptr, "format over an existing file system", bit(Command::format)},
    OptionSpec{OptionId::enable_delete, "enable-delete", 0, nullptr,
               "allow files to be removed (rm); reference famfs hosts must not mount it", bit(Command::format)},
    OptionSpec{OptionId::size, "size", 's', "SIZE", "file size (required; rounded up to 2 MiB on the device)",
               bit(Command::create)},
    OptionSpec{OptionId::mode, "mode", 'm', "MODE", "permission bits in octal (files 644, directories 755)",
               kOwnerSetting},
    OptionSpec{OptionId::uid, "uid", 0, "UID", "owner, a user name or number (default: you; another owner needs root)",
               kOwnerSetting},
    OptionSpec{OptionId::gid, "gid", 0, "GID",
               "group, a name or number (default: yours; a group you are not in needs root)", kOwnerSetting},
    OptionSpec{OptionId::nstrips, "nstrips", 0, "N", "interleave over N strips (1..16; needs --chunk-size)",
               kFileCreating},
    OptionSpec{OptionId::chunk_size, "chunk-size", 0, "SIZE",
               "interleave chunk size (a power-of-two multiple of 2M; needs --nstrips)", kFileCreating},
    OptionSpec{OptionId::no_zero, "no-zero", 0, nullptr,
               "do not zero the new space (root only; faster; old bytes stay visible)", bit(Command::create)},
    OptionSpec{OptionId::parents, "parents", 'p', nullptr, "create missing parents; no error if it exists",
               bit(Command::mkdir)},
    OptionSpec{OptionId::recursive, "recursive", 'r', nullptr, "copy or remove directories recursively",
               bit(Command::cp) | bit(Command::rm)},
    OptionSpec{OptionId::long_listing, "long", 'l', nullptr, "long listing: type, mode, owner, size", bit(Command::ls)},
    OptionSpec{OptionId::verbose, "verbose", 'v', nullptr, "print each file and directory as it is copied",
               bit(Command::cp)},
    OptionSpec{OptionId::offset, "offset", 0, "SIZE", "start at this byte of the file (default 0)", bit(Command::cat)},
    OptionSpec{OptionId::length, "length", 0, "SIZE", "write at most this many bytes (default: to the end)",
               bit(Command::cat)},
};

}  // namespace

std::span<const OptionSpec> option_table() { return kOptions; }

const OptionSpec* find_long_option(std::string_view name) {
  for (const auto& o : kOptions)
    if (name == o.long_name) return &o;
  return nullptr;
}

const OptionSpec* find_short_option(char c) {
  if (c == 'R') c = 'r';  // cp -R, as cp(1) accepts it
  for (const auto& o : kOptions)
    if (o.short_name != 0 && o.short_name == c) return &o;
  return nullptr;
}

}  // namespace famfs::cli

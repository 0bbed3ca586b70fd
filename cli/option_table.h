// The options famfsctl knows: one table read by the parser and by --help, so
// the two cannot disagree.
#pragma once

#include <initializer_list>
#include <span>
#include <string_view>

#include "command_line.h"

namespace famfs::cli {

enum class OptionId {
  instance,
  json,
  timeout,
  help,
  version,
  log_size,
  force,
  enable_delete,
  size,
  mode,
  uid,
  gid,
  nstrips,
  chunk_size,
  no_zero,
  parents,
  recursive,
  long_listing,
  verbose,
  offset,
  length,
};

// One option: its names, whether it takes a value (value_name non-null), its
// help line and the commands it belongs to (none: a global option).
struct OptionSpec {
  OptionId id;
  const char* long_name;
  char short_name;         // 0: long form only
  const char* value_name;  // nullptr: a flag
  const char* help;
  uint32_t commands;  // bit mask of Command values; 0 = global

  bool global() const { return commands == 0; }
  bool applies_to(Command c) const { return global() || (commands & (1u << static_cast<unsigned>(c))); }
};

// Every option, globals first.
std::span<const OptionSpec> option_table();
// The option named --NAME, or nullptr.
const OptionSpec* find_long_option(std::string_view name);
// The option named -C, or nullptr.
const OptionSpec* find_short_option(char c);

}  // namespace famfs::cli

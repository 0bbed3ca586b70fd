// famfsctl --help and famfsctl COMMAND --help.
#pragma once

#include <string>

#include "command_line.h"

namespace famfs::cli {

// The whole manual: usage, commands, options, paths and sizes, exit codes.
std::string general_help();
// One command's usage, what it calls, its options and notes.
std::string command_help(Command command);

}  // namespace famfs::cli

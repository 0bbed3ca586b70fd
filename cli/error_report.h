// Turning a D-Bus error into famfsctl's one line on stderr and its exit code.
#pragma once

#include <string>

#include "exit_codes.h"

namespace famfs::cli {

struct Failure {
  ExitCode code;
  std::string message;  // one line, without the "famfsctl: " prefix
};

// The failure for D-Bus error NAME with MESSAGE while talking to BUS_NAME
// (may be empty before an instance was chosen), which the user named TYPED
// (-d as typed, shown in messages; empty: the bus name's instance part).
// famfsd's own messages are shown as they are; bus errors get a sentence
// that says what happened.
Failure describe_error(const std::string& name, const std::string& message, const std::string& bus_name,
                       const std::string& typed = "");

}  // namespace famfs::cli

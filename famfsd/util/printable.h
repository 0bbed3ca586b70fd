// Bytes from an untrusted source (the log, a D-Bus caller) as they may
// appear in one line of an error message.
#pragma once

#include <string>
#include <string_view>

namespace famfs {

// S with every control character, DEL and backslash written as \xHH, so
// that the text stays one line and cannot pass for an escape of its own.
// Other bytes (UTF-8 included) are kept as they are.
std::string printable(std::string_view s);

}  // namespace famfs

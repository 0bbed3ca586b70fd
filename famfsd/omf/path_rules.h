// The rules every famfs path obeys, whether it comes from the log or a caller.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace famfs::omf {

// Returns why PATH is not a valid famfs relative path, or nullopt if it is.
// Valid: 1..79 bytes, no leading '/', no empty, "." or ".." component (so no
// "//" and no trailing '/'), no control characters (bytes < 0x20 and 0x7f).
std::optional<std::string> path_problem(std::string_view path);

// Decodes the 80-byte path field: the bytes up to the first NUL. Returns why
// the field is invalid (no NUL inside 80 bytes, or path_problem) or nullopt.
std::optional<std::string> decode_path_field(const uint8_t* field, std::string& out);

// The parent of a valid path ("" for a top-level name).
std::string_view parent_path(std::string_view path);
// The last component of a valid path.
std::string_view base_name(std::string_view path);

}  // namespace famfs::omf

// Sizes on command lines and in config: "4096", "512K", "8M", "1.5G", "1T"
// (binary multiples; an optional trailing "iB" or "B" is accepted; a
// decimal fraction is allowed when the result is a whole number of bytes).
#pragma once

#include <cstdint>
#include <string_view>

#include "util/result.h"

namespace famfs {

// Parses TEXT. invalid_argument for empty text, junk, a negative value, or
// a value that overflows 64 bits, with a message naming TEXT.
Result<uint64_t> parse_size(std::string_view text);

// "8 MiB", "4 GiB", "12345 B": the largest unit that divides VALUE exactly.
std::string format_size(uint64_t value);

// A size for a message a person reads: "8 MiB" when exact in a unit of at
// least KiB, otherwise the bytes and an IEC approximation,
// "5242881 bytes (5.0 MiB)"; "512 bytes" below 1 KiB.
std::string size_text(uint64_t value);

}  // namespace famfs

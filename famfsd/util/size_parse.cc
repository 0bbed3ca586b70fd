#include "util/size_parse.h"

#include <cstdio>
#include <string>

namespace famfs {

Result<uint64_t> parse_size(std::string_view text) {
  auto bad = [&](const char* why) {
    return Error(Errc::invalid_argument, "invalid size \"" + std::string(text) + "\": " + why);
  };
  size_t i = 0;
  uint64_t value = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    if (__builtin_mul_overflow(value, 10, &value) || __builtin_add_overflow(value, text[i] - '0', &value))
      return bad("too large");
    ++i;
  }
  if (i == 0) return bad("expected a number with an optional K, M, G or T suffix");
  // A fraction ("1.5G"): exact in integers, and it must come to whole bytes.
  unsigned __int128 fraction = 0, denominator = 1;
  if (i < text.size() && text[i] == '.') {
    size_t start = ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (i - start >= 18) return bad("too many decimals");
      fraction = fraction * 10 + static_cast<unsigned>(text[i] - '0');
      denominator *= 10;
      ++i;
    }
    if (i == start) return bad("expected digits after the decimal point");
  }
  std::string_view suffix = text.substr(i);
  unsigned shift = 0;
  if (!suffix.empty()) {
    switch (suffix[0]) {
      case 'k':
      case 'K': shift = 10; break;
      case 'm':
      case 'M': shift = 20; break;
      case 'g':
      case 'G': shift = 30; break;
      case 't':
      case 'T': shift = 40; break;
      case 'b':
      case 'B': shift = 0; break;
      default: return bad("unknown suffix (use K, M, G or T)");
    }
    std::string_view rest = suffix.substr(1);
    if (shift == 0 ? !rest.empty() : !(rest.empty() || rest == "B" || rest == "iB" || rest == "ib"))
      return bad("unknown suffix (use K, M, G or T)");
  }
  if (shift && value > (UINT64_MAX >> shift)) return bad("too large");
  uint64_t bytes = value << shift;
  if (denominator > 1) {
    unsigned __int128 scaled = fraction << shift;
    if (scaled % denominator != 0) return bad("not a whole number of bytes");
    unsigned __int128 extra = scaled / denominator;
    if (extra > UINT64_MAX - bytes) return bad("too large");
    bytes += static_cast<uint64_t>(extra);
  }
  return bytes;
}

std::string size_text(uint64_t value) {
  if (value < 1024) return std::to_string(value) + (value == 1 ? " byte" : " bytes");
  if (value % 1024 == 0) return format_size(value);
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double v = static_cast<double>(value) / 1024;
  unsigned u = 0;
  while (u < 5 && v >= 1024) {
    v /= 1024;
    ++u;
  }
  char approx[32];
  snprintf(approx, sizeof approx, "%.1f %s", v, kUnits[u]);
  return std::to_string(value) + " bytes (" + approx + ")";
}

std::string format_size(uint64_t value) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  unsigned u = 0;
  while (u < 4 && value != 0 && value % 1024 == 0) {
    value /= 1024;
    ++u;
  }
  return std::to_string(value) + " " + kUnits[u];
}

}  // namespace famfs

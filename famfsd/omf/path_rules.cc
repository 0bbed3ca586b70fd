#include "omf/path_rules.h"

#include <cstdint>
#include <cstring>

#include "omf/bytes.h"
#include "omf/layout.h"
#include "util/printable.h"

namespace famfs::omf {

namespace {
constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL, kLow7 = 0x7f7f7f7f7f7f7f7fULL;
// Fills the bytes of a word past the end of a path: 'a' breaks no rule.
constexpr uint64_t kPad = kOnes * 'a';

// The high bit of every byte of W that is zero, exactly (no carry crosses
// from one byte into the next).
uint64_t zero_bytes(uint64_t w) { return ~(((w & kLow7) + kLow7) | w | kLow7); }
// Nonzero iff some byte of W is below 0x20 (which high bits it sets above
// the first such byte may be off; whether it sets one is exact).
uint64_t any_below_space(uint64_t w) { return (w - kOnes * 0x20) & ~w & kHigh; }

// The component P[START, END): not empty, not "." or "..".
bool component_ok(const uint8_t* p, size_t start, size_t end) {
  const size_t len = end - start;
  return len != 0 && !(p[start] == '.' && (len == 1 || (len == 2 && p[start + 1] == '.')));
}

// The rules of path_problem() without messages, 8 bytes at a time: replay
// checks every path of the log, almost all of them valid. P holds N bytes
// (1..kMaxPathLen) and is readable up to the next multiple of 8; control
// characters and slashes are found per word, and only the components at
// the slashes are looked at byte by byte.
bool words_valid(const uint8_t* p, size_t n) {
  if (p[0] == '/' || p[n - 1] == '/') return false;
  uint64_t bad = 0;
  size_t start = 0;  // of the current component
  for (size_t i = 0; i < n; i += 8) {
    uint64_t w = load_u64(p + i);
    if (n - i < 8) {
      const uint64_t keep = (uint64_t{1} << (8 * (n - i))) - 1;
      w = (w & keep) | (kPad & ~keep);
    }
    bad |= any_below_space(w) | zero_bytes(w ^ (kOnes * 0x7f));
    for (uint64_t slashes = zero_bytes(w ^ (kOnes * '/')); slashes != 0; slashes &= slashes - 1) {
      const size_t at = i + (static_cast<size_t>(__builtin_ctzll(slashes)) >> 3);
      if (!component_ok(p, start, at)) return false;
      start = at + 1;
    }
  }
  return bad == 0 && component_ok(p, start, n);
}

bool path_is_valid(std::string_view path) {
  const size_t n = path.size();
  if (n == 0 || n > kMaxPathLen) return false;
  uint8_t words[kPathFieldLen + 8];  // whole words past the end are readable
  std::memcpy(words, path.data(), n);
  return words_valid(words, n);
}
}  // namespace

std::optional<std::string> path_problem(std::string_view path) {
  if (path_is_valid(path)) return std::nullopt;
  if (path.empty()) return "empty path";
  if (path.size() > kMaxPathLen)
    return "path is " + std::to_string(path.size()) + " bytes, the limit is " + std::to_string(kMaxPathLen);
  if (path.front() == '/') return "absolute path \"" + printable(path) + "\" (must be relative)";
  size_t start = 0;
  for (size_t i = 0; i <= path.size(); ++i) {
    if (i < path.size()) {
      auto c = static_cast<unsigned char>(path[i]);
      if (c < 0x20 || c == 0x7f)
        return "control character at byte " + std::to_string(i) + " of \"" + printable(path) + "\"";
      if (c != '/') continue;
    }
    std::string_view comp = path.substr(start, i - start);
    if (comp.empty()) return "empty component in \"" + printable(path) + "\"";
    if (comp == "." || comp == "..") return "\"" + std::string(comp) + "\" component in \"" + printable(path) + "\"";
    start = i + 1;
  }
  return std::nullopt;
}

std::optional<std::string> decode_path_field(const uint8_t* field, std::string& out) {
  const void* nul = std::memchr(field, 0, kPathFieldLen);
  if (nul == nullptr) return "path field has no NUL within " + std::to_string(kPathFieldLen) + " bytes";
  size_t len = static_cast<size_t>(static_cast<const uint8_t*>(nul) - field);
  out.assign(reinterpret_cast<const char*>(field), len);
  // The field is kPathFieldLen bytes (a multiple of 8): its words can be read whole.
  static_assert(kPathFieldLen % 8 == 0);
  if (len != 0 && words_valid(field, len)) return std::nullopt;
  return path_problem(out);
}

std::string_view parent_path(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

std::string_view base_name(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace famfs::omf

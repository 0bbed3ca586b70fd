#include "omf/path_rules.h"

#include <cstdint>
#include <cstring>

#include "omf/layout.h"
#include "util/printable.h"

namespace famfs::omf {

// The same rules as path_problem() as one pass without messages: replay
// checks every path of the log, almost all of them valid.
static bool path_is_valid(std::string_view path) {
  const size_t n = path.size();
  if (n == 0 || n > kMaxPathLen || path.front() == '/' || path.back() == '/') return false;
  unsigned bad = 0;
  size_t start = 0;
  for (size_t i = 0; i < n; ++i) {
    auto c = static_cast<unsigned char>(path[i]);
    bad |= static_cast<unsigned>(c < 0x20 || c == 0x7f);
    if (c == '/') {
      size_t len = i - start;  // the component before this slash
      bad |= static_cast<unsigned>(len == 0 || (len == 1 && path[start] == '.') ||
                                   (len == 2 && path[start] == '.' && path[start + 1] == '.'));
      start = i + 1;
    }
  }
  size_t len = n - start;
  bad |= static_cast<unsigned>((len == 1 && path[start] == '.') ||
                               (len == 2 && path[start] == '.' && path[start + 1] == '.'));
  return bad == 0;
}

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

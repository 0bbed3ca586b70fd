#include "service/bus_options.h"

#include "service/bus_errors.h"
#include "util/printable.h"

namespace famfs::service {

namespace {

// KEY as it appears in an error message: at most 64 bytes (cut at a UTF-8
// character boundary, the bus rejects invalid UTF-8), control characters
// and backslashes escaped, so a hostile option name cannot make the message
// huge or more than one line.
std::string quoted_key(const std::string& key) {
  constexpr size_t kMax = 64;
  size_t len = key.size();
  if (len > kMax) {
    len = kMax;
    while (len > 0 && (static_cast<unsigned char>(key[len]) & 0xC0) == 0x80) --len;
  }
  std::string out = "'" + printable(std::string_view(key).substr(0, len)) + "'";
  if (len < key.size()) out += "... (" + std::to_string(key.size()) + " bytes)";
  return out;
}

}  // namespace

Options::Options(const std::map<std::string, sdbus::Variant>& options,
                 std::initializer_list<std::pair<const char*, const char*>> known)
    : options_(options) {
  for (const auto& [key, value] : options) {
    const char* want = nullptr;
    std::string names;
    for (const auto& [k, sig] : known) {
      if (key == k) want = sig;
      names += (names.empty() ? "" : ", ") + std::string(k);
    }
    if (want == nullptr)
      throw named_error("InvalidArgument",
                        "unknown option " + quoted_key(key) +
                            (names.empty() ? " (this method takes none)" : " (known: " + names + ")"));
    std::string got = value.peekValueType();
    if (got != want)
      throw named_error("InvalidArgument", "option " + quoted_key(key) + " must be of type " + want + ", got " +
                                               (got.empty() ? "?" : got));
  }
}

const sdbus::Variant* Options::find(const char* key) const {
  auto it = options_.find(key);
  return it == options_.end() ? nullptr : &it->second;
}

std::optional<uint32_t> Options::u32(const char* key) const {
  if (const sdbus::Variant* v = find(key)) return v->get<uint32_t>();
  return std::nullopt;
}

std::optional<uint64_t> Options::u64(const char* key) const {
  if (const sdbus::Variant* v = find(key)) return v->get<uint64_t>();
  return std::nullopt;
}

std::optional<bool> Options::boolean(const char* key) const {
  if (const sdbus::Variant* v = find(key)) return v->get<bool>();
  return std::nullopt;
}

}  // namespace famfs::service

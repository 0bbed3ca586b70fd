#include "util/system_uuid.h"

#include <systemd/sd-id128.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace famfs {

namespace {
// famfs's application id for the app-specific machine id: the same machine
// always gets the same system UUID, which reveals nothing of its machine id.
constexpr sd_id128_t kFamfsAppId = SD_ID128_MAKE(3e, 0c, 9b, 51, 7a, 24, 4f, 6e, 9d, 1b, 62, c8, 0f, a4, 57, 93);

// A system UUID file is 36 to 38 bytes; anything much longer is not one.
constexpr size_t kMaxSystemUuidFileBytes = 64;

// The first MAX bytes of TEXT for an error message: NUL as \0, newline as
// \n, other control or non-ASCII bytes as \xHH.
std::string printable_prefix(const std::string& text, size_t max) {
  std::string out;
  for (size_t i = 0; i < text.size() && i < max; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == 0) {
      out += "\\0";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (text.size() > max) out += "...";
  return out;
}
}  // namespace

const char* SystemUuid::source_name() const {
  switch (source) {
    case Source::configured: return "configured";
    case Source::file: return kSystemUuidFile;
    case Source::machine_id: return "machine id";
  }
  return "unknown";
}

Result<SystemUuid> resolve_system_uuid(const std::optional<std::string>& configured, const std::string& file_path) {
  if (configured) {
    auto u = Uuid::parse(*configured);
    if (!u)
      return Error(Errc::invalid_argument, "invalid system UUID \"" + *configured + "\" (expected 8-4-4-4-12 hex)");
    return SystemUuid{*u, SystemUuid::Source::configured};
  }
  std::ifstream in(file_path, std::ios::binary);
  if (in) {
    // The reference writes the 36 characters and the string's NUL (37 bytes);
    // hand-written files end in a newline. Anything after the UUID other
    // than NULs and line-end blanks makes the file malformed.
    std::string text(kMaxSystemUuidFileBytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (in.bad()) return Error(Errc::io_error, file_path + ": cannot read: " + std::strerror(errno));
    text.resize(static_cast<size_t>(in.gcount()));
    std::string uuid_text = text;
    auto trailer = [](char c) { return c == '\0' || c == '\n' || c == '\r' || c == ' ' || c == '\t'; };
    while (!uuid_text.empty() && trailer(uuid_text.back())) uuid_text.pop_back();
    auto u = Uuid::parse(uuid_text);
    if (!u || text.size() > kMaxSystemUuidFileBytes)
      return Error(Errc::invalid_argument, file_path +
                                               " does not hold a system UUID (expected 36 characters "
                                               "8-4-4-4-12, optionally followed by a NUL or a newline; "
                                               "found \"" +
                                               printable_prefix(text, 48) + "\")");
    return SystemUuid{*u, SystemUuid::Source::file};
  }
  sd_id128_t id;
  int r = sd_id128_get_machine_app_specific(kFamfsAppId, &id);
  if (r < 0)
    return Error(Errc::io_error, std::string("no system UUID: ") + file_path +
                                     " is missing and the machine id is unavailable (" + std::strerror(-r) +
                                     "); set one with --system-uuid or system_uuid in the config");
  SystemUuid s;
  static_assert(sizeof id.bytes == 16);
  std::memcpy(s.uuid.bytes.data(), id.bytes, 16);
  s.source = SystemUuid::Source::machine_id;
  return s;
}

}  // namespace famfs

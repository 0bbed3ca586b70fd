#include "util/system_uuid.h"

#include <systemd/sd-id128.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace famfs {

namespace {
// famfs's application id for the app-specific machine id: the same machine
// always gets the same system UUID, which reveals nothing of its machine id.
constexpr sd_id128_t kFamfsAppId =
    SD_ID128_MAKE(3e, 0c, 9b, 51, 7a, 24, 4f, 6e, 9d, 1b, 62, c8, 0f, a4, 57, 93);
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
    if (!u) return Error(Errc::invalid_argument, "invalid system UUID \"" + *configured + "\" (expected 8-4-4-4-12 hex)");
    return SystemUuid{*u, SystemUuid::Source::configured};
  }
  std::ifstream in(file_path);
  if (in) {
    std::string text;
    std::getline(in, text);
    // The reference writes exactly 36 characters, possibly with a newline.
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
    auto u = Uuid::parse(text.substr(0, 36));
    if (!u || text.size() != 36)
      return Error(Errc::invalid_argument, file_path + " does not hold a system UUID (expected 36 characters "
                                                       "8-4-4-4-12, found \"" + text.substr(0, 40) + "\")");
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

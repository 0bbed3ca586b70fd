// The system UUID of this host: what the superblock's system_uuid is compared
// with to decide whether this host is the master.
#pragma once

#include <optional>
#include <string>

#include "util/result.h"
#include "util/uuid.h"

namespace famfs {

// The reference famfs keeps the host's system UUID here as 36 characters of
// text; reading it keeps a host's role when it also runs the reference tools.
inline constexpr const char* kSystemUuidFile = "/opt/famfs/system_uuid";

struct SystemUuid {
  enum class Source { configured, file, machine_id };
  Uuid uuid;
  Source source = Source::configured;
  // "configured", "/opt/famfs/system_uuid" (the file read) or "machine id".
  const char* source_name() const;
};

// Resolves, in order: CONFIGURED (a UUID text; invalid_argument naming it when
// malformed), the file at FILE_PATH (36 characters, optionally followed by
// NULs and blanks/newlines as the reference and hand-written files end;
// invalid_argument naming the file for anything else; a missing file falls through), the
// systemd machine id specific to famfs (sd_id128_get_machine_app_specific),
// formatted as a UUID. io_error when none is available.
Result<SystemUuid> resolve_system_uuid(const std::optional<std::string>& configured,
                                       const std::string& file_path = kSystemUuidFile);

}  // namespace famfs

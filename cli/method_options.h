// The a{sv} options argument of each famfsd method, built from a Request.
// Only options the user gave are sent, so famfsd's defaults apply otherwise;
// the types are the contract's (mode/uid/gid/nstrips 'u', sizes 't', flags 'b').
#pragma once

#include <map>
#include <string>

#include <sdbus-c++/Types.h>

#include "command_line.h"

namespace famfs::cli {

using OptionMap = std::map<std::string, sdbus::Variant>;

// Format: log_size (t), force (b).
OptionMap format_options(const Request& request);
// CreateFile: mode, uid, gid (u), zero (b, only false is ever sent), nstrips (u), chunk_size (t).
OptionMap create_options(const Request& request);
// Mkdir: mode, uid, gid (u), parents (b).
OptionMap mkdir_options(const Request& request);
// CopyIn: mode, uid, gid, nstrips (u), chunk_size (t).
OptionMap copy_options(const Request& request);
// Mkdir for the directories cp -r creates: parents (b) plus uid and gid.
OptionMap copy_mkdir_options(const Request& request);

}  // namespace famfs::cli

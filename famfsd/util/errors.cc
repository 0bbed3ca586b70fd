#include "util/result.h"

#include <cerrno>

namespace famfs {

std::string_view errc_name(Errc code) {
  switch (code) {
    case Errc::invalid_argument: return "invalid_argument";
    case Errc::io_error: return "io_error";
    case Errc::memory_error: return "memory_error";
    case Errc::not_famfs: return "not_famfs";
    case Errc::corrupt: return "corrupt";
    case Errc::log_full: return "log_full";
    case Errc::no_space: return "no_space";
    case Errc::exists: return "exists";
    case Errc::not_found: return "not_found";
    case Errc::not_directory: return "not_directory";
    case Errc::not_master: return "not_master";
    case Errc::permission_denied: return "permission_denied";
    case Errc::unsupported: return "unsupported";
    case Errc::busy: return "busy";
    case Errc::not_empty: return "not_empty";
  }
  return "unknown";
}

Errc errc_from_errno(int err) {
  switch (err) {
    case EEXIST: return Errc::exists;
    case ENOENT: return Errc::not_found;
    case ENOTDIR: return Errc::not_directory;
    case EPERM:
    case EACCES:
    case EROFS: return Errc::permission_denied;
    case EBUSY:
    case EWOULDBLOCK: return Errc::busy;
    case EINVAL: return Errc::invalid_argument;
    case ENODEV:
    case ENOTBLK:
    case ENOTTY:
    case EOPNOTSUPP: return Errc::unsupported;
    case ENOSPC: return Errc::no_space;
    default: return Errc::io_error;
  }
}

}  // namespace famfs

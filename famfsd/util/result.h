// Result and Status: expected failures travel as values, bugs are fatal.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace famfs {

// Error categories a caller can act on. Each maps to one D-Bus error name and
// one tool exit code, so keep them coarse and stable.
enum class Errc {
  invalid_argument,   // caller gave a bad value (path, size, option)
  io_error,           // open/mmap/ioctl/read failed
  memory_error,       // SIGBUS or machine check while touching the device
  not_famfs,          // no famfs superblock (magic mismatch)
  corrupt,            // famfs metadata fails validation (CRC, geometry, ...)
  log_full,           // no free log slot
  no_space,           // allocator cannot place the request
  exists,             // path already exists
  not_found,          // path does not exist
  not_directory,      // a path component is a file
  not_master,         // this host may not write the log
  permission_denied,  // caller lacks the right
  unsupported,        // valid request this build or device cannot serve
  busy,               // device or resource in use
  not_empty,          // a directory still has entries
};

// Stable lower-case name of an error category (used in JSON and messages).
std::string_view errc_name(Errc code);

// The category of a failed system call's errno, the same for every layer
// (device, mount, config): EEXIST exists, ENOENT not_found, ENOTDIR
// not_directory, EPERM/EACCES/EROFS permission_denied, EBUSY/EWOULDBLOCK busy,
// EINVAL invalid_argument, ENODEV/ENOTBLK/ENOTTY/EOPNOTSUPP unsupported,
// ENOSPC no_space, anything else io_error.
Errc errc_from_errno(int err);

// An expected failure: a category plus one human-readable line.
class Error {
 public:
  Error(Errc code, std::string message) : code_(code), message_(std::move(message)) {}
  Errc code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  Errc code_;
  std::string message_;
};

// Either a T or an Error. Accessing the wrong alternative is a bug (asserts).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

// Success or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const {
    assert(failed_);
    return error_;
  }

 private:
  Error error_{Errc::io_error, {}};
  bool failed_ = false;
};

inline Status ok_status() { return Status(); }

}  // namespace famfs

// Propagate a failed Status/Result from the current function.
#define FAMFS_TRY(expr)                                  \
  do {                                                   \
    auto&& famfs_try_r_ = (expr);                        \
    if (!famfs_try_r_.ok()) return famfs_try_r_.error(); \
  } while (0)

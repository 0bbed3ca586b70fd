// Copies done but not committed (CopyIn with commit=false): each holds its
// file's space, allocated and filled, not logged, until its caller commits
// it with CommitFiles, or leaves the bus, or famfsd stops; then the space
// goes back. Nothing of a reservation is visible to any host before its
// commit. Loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/volume.h"
#include "service/instance.h"
#include "util/result.h"

namespace famfs::service {

// Object path prefix of reservation handles (names, not exported objects).
inline constexpr const char* kReservationPathPrefix = "/org/famfs/Famfs1/reservations/";

class Reservations {
 public:
  // At most MAX reservations at once (each holds space and the log lock).
  Reservations(Instance& instance, size_t max) : instance_(instance), max_(max) {}
  // Gives every reservation's space back.
  ~Reservations();

  // busy when MAX reservations are held already (the caller may commit
  // some first), exists when PATH is reserved already (by anyone).
  Status admit(const std::string& path) const;
  // Keeps FILE for OWNER (a unique bus name); returns its handle's number.
  // Errors as admit() (checked again: the copy ran meanwhile); FILE's
  // space goes back then.
  Result<uint64_t> add(const std::string& owner, PendingFile&& file);
  // Takes reservation ID of OWNER out of the registry, or not_found (no
  // such reservation, or another caller's: a caller sees only its own).
  Result<PendingFile> take(uint64_t id, const std::string& owner);
  // OWNER left the bus: its reservations' space goes back. Returns how many.
  size_t drop_owner(const std::string& owner);
  // Gives every reservation's space back (famfsd stops).
  void clear();
  size_t size() const { return held_.size(); }
  // The number of handle PATH ("/org/famfs/Famfs1/reservations/N"), or
  // invalid_argument.
  static Result<uint64_t> parse_handle(const std::string& path);
  static std::string handle(uint64_t id) { return kReservationPathPrefix + std::to_string(id); }

 private:
  struct Held {
    std::string owner;
    PendingFile file;
  };
  Instance& instance_;
  size_t max_;
  uint64_t counter_ = 0;
  std::map<uint64_t, Held> held_;
  std::map<std::string, uint64_t> by_path_;
};

}  // namespace famfs::service

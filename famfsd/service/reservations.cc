#include "service/reservations.h"

#include <charconv>

namespace famfs::service {

Reservations::~Reservations() { clear(); }

Status Reservations::admit(const std::string& path) const {
  if (held_.size() >= max_)
    return Error(Errc::busy, "too many copies wait for their commit (" + std::to_string(held_.size()) +
                                 "); commit some first (CommitFiles)");
  if (by_path_.count(path)) return Error(Errc::exists, path + " is reserved by a copy waiting for its commit");
  return ok_status();
}

Result<uint64_t> Reservations::add(const std::string& owner, PendingFile&& file) {
  if (Status s = admit(file.request.path); !s) {
    instance_.abandon_copy(std::move(file));
    return s.error();
  }
  const uint64_t id = ++counter_;
  by_path_[file.request.path] = id;
  held_.emplace(id, Held{owner, std::move(file)});
  return id;
}

Result<PendingFile> Reservations::take(uint64_t id, const std::string& owner) {
  auto it = held_.find(id);
  if (it == held_.end() || it->second.owner != owner)
    return Error(Errc::not_found, "no reservation " + handle(id) + " of this caller");
  PendingFile file = std::move(it->second.file);
  by_path_.erase(file.request.path);
  held_.erase(it);
  return file;
}

size_t Reservations::drop_owner(const std::string& owner) {
  size_t n = 0;
  for (auto it = held_.begin(); it != held_.end();) {
    if (it->second.owner != owner) {
      ++it;
      continue;
    }
    by_path_.erase(it->second.file.request.path);
    instance_.abandon_copy(std::move(it->second.file));
    it = held_.erase(it);
    ++n;
  }
  return n;
}

void Reservations::clear() {
  for (auto& [id, h] : held_) instance_.abandon_copy(std::move(h.file));
  held_.clear();
  by_path_.clear();
}

Result<uint64_t> Reservations::parse_handle(const std::string& path) {
  const std::string prefix = kReservationPathPrefix;
  uint64_t id = 0;
  if (path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0) {
    const char* b = path.data() + prefix.size();
    const char* e = path.data() + path.size();
    auto [end, ec] = std::from_chars(b, e, id);
    if (ec == std::errc() && end == e && id != 0) return id;
  }
  return Error(Errc::invalid_argument, "\"" + path + "\" is not a reservation handle (" + prefix + "N)");
}

}  // namespace famfs::service

#include "service/permissions.h"

#include <algorithm>

#include "omf/path_rules.h"

namespace famfs::service {

namespace {

bool in_group(const Caller& c, uint32_t gid) {
  return c.gid == gid || std::find(c.groups.begin(), c.groups.end(), gid) != c.groups.end();
}

// "the root directory", "directory 'a/b'", "file 'a/f'".
std::string component_name(std::string_view path, bool directory) {
  if (path.empty()) return "the root directory";
  return std::string(directory ? "directory '" : "file '") + std::string(path) + "'";
}

Error denied(const Caller& c, std::string_view component, unsigned want, bool directory) {
  return Error(Errc::permission_denied, "permission denied: " + permission_name(want, directory) + " on " +
                                            component_name(component, directory) + " (caller uid " +
                                            std::to_string(c.uid) + ")");
}

Status check(const Caller& c, const Node& n, unsigned want) {
  if (want == 0 || permitted(c, n.uid, n.gid, n.mode, want)) return ok_status();
  return denied(c, n.path, want, n.is_dir);
}

// The walk to DIR_PATH's directory: every directory from the root to it,
// inclusive, needs search. Returns the directory.
Result<const Node*> walk_directory(const Namespace& ns, const Caller& c, std::string_view dir_path) {
  const Node* cur = ns.find("");
  for (size_t pos = 0; pos < dir_path.size();) {
    FAMFS_TRY(check(c, *cur, kMayExec));
    size_t slash = dir_path.find('/', pos);
    size_t end = slash == std::string_view::npos ? dir_path.size() : slash;
    std::string_view prefix = dir_path.substr(0, end);
    const Node* next = ns.find(prefix);
    if (next == nullptr) return Error(Errc::not_found, "no such directory: " + std::string(prefix));
    if (!next->is_dir) return Error(Errc::not_directory, std::string(prefix) + " is a file, not a directory");
    cur = next;
    pos = end + 1;
  }
  // CUR is the directory itself: reaching a name inside it needs search too.
  FAMFS_TRY(check(c, *cur, kMayExec));
  return cur;
}

}  // namespace

bool permitted(const Caller& c, uint32_t uid, uint32_t gid, uint32_t mode, unsigned want) {
  if (c.uid == 0) return true;
  unsigned bits;
  if (c.uid == uid)
    bits = (mode >> 6) & 7;
  else if (in_group(c, gid))
    bits = (mode >> 3) & 7;
  else
    bits = mode & 7;
  return (bits & want) == want;
}

std::string permission_name(unsigned want, bool directory) {
  std::string letters, words;
  auto add = [&](unsigned bit, const char* letter, const char* word) {
    if (!(want & bit)) return;
    letters += letters.empty() ? letter : std::string("+") + letter;
    words += words.empty() ? word : std::string(" and ") + word;
  };
  add(kMayRead, "r", "read");
  add(kMayWrite, "w", "write");
  add(kMayExec, "x", directory ? "search" : "execute");
  return words + " (" + letters + ")";
}

Result<const Node*> resolve(const Namespace& ns, const Caller& c, std::string_view path, unsigned want) {
  if (path.empty()) {
    const Node* root = ns.find("");
    FAMFS_TRY(check(c, *root, want));
    return root;
  }
  auto dir = walk_directory(ns, c, omf::parent_path(path));
  if (!dir) return dir.error();
  const Node* n = ns.find(path);
  if (n == nullptr) return Error(Errc::not_found, "no such file or directory: " + std::string(path));
  FAMFS_TRY(check(c, *n, want));
  return n;
}

Status may_create(const Namespace& ns, const Caller& c, std::string_view path) {
  if (path.empty()) return Error(Errc::exists, "the root directory exists");
  auto dir = walk_directory(ns, c, omf::parent_path(path));
  if (!dir) return dir.error();
  if (ns.find(path) != nullptr) return Error(Errc::exists, std::string(path) + " exists");
  return check(c, **dir, kMayWrite | kMayExec);
}

Status may_create_parents(const Namespace& ns, const Caller& c, std::string_view path, uint32_t uid, uint32_t gid,
                          uint32_t mode) {
  if (path.empty()) return ok_status();
  // The deepest existing level on the way to PATH.
  std::string_view existing = path;
  while (!existing.empty() && ns.find(existing) == nullptr) existing = omf::parent_path(existing);
  if (existing == path) {
    auto n = resolve(ns, c, path);
    if (!n) return n.error();
    if (!(*n)->is_dir) return Error(Errc::not_directory, std::string(path) + " exists and is a file");
    return ok_status();
  }
  // The first level to create, inside EXISTING.
  size_t start = existing.empty() ? 0 : existing.size() + 1;
  size_t slash = path.find('/', start);
  std::string_view first = path.substr(0, slash == std::string_view::npos ? path.size() : slash);
  FAMFS_TRY(may_create(ns, c, first));
  // Every further level is created inside a directory this call creates.
  for (std::string_view level = first; level.size() < path.size();) {
    if (!permitted(c, uid, gid, mode, kMayWrite | kMayExec)) return denied(c, level, kMayWrite | kMayExec, true);
    slash = path.find('/', level.size() + 1);
    level = path.substr(0, slash == std::string_view::npos ? path.size() : slash);
  }
  return ok_status();
}

// The sticky-directory rule of may_delete(): in a directory with 01000 only
// root, the directory's owner and the node's owner remove the node.
static Status sticky_allows(const Caller& c, const Node& dir, const Node& n) {
  if (!(dir.mode & 01000) || c.uid == 0 || c.uid == dir.uid || c.uid == n.uid) return ok_status();
  return Error(Errc::permission_denied, "permission denied: " + component_name(dir.path, true) +
                                            " is sticky and the caller (uid " + std::to_string(c.uid) +
                                            ") owns neither it nor " + component_name(n.path, n.is_dir));
}

Status may_remove(const Namespace& ns, const Caller& c, std::string_view path) {
  if (path.empty()) return Error(Errc::invalid_argument, "the root directory cannot be removed");
  auto dir = walk_directory(ns, c, omf::parent_path(path));
  if (!dir) return dir.error();
  const Node* n = ns.find(path);
  if (n == nullptr) return Error(Errc::not_found, "no such file or directory: " + std::string(path));
  FAMFS_TRY(check(c, **dir, kMayWrite | kMayExec));
  return sticky_allows(c, **dir, *n);
}

Status may_remove_from(const Caller& c, const Node& dir, const Node& child) {
  FAMFS_TRY(check(c, dir, kMayRead | kMayExec));
  FAMFS_TRY(check(c, dir, kMayWrite | kMayExec));
  return sticky_allows(c, dir, child);
}

bool everyone_may_search(const Namespace& ns, std::string_view dir_path) {
  for (std::string_view level = dir_path;; level = omf::parent_path(level)) {
    const Node* n = ns.find(level);
    if (n == nullptr || !n->is_dir || (n->mode & 1) == 0) return false;
    if (level.empty()) return true;
  }
}

}  // namespace famfs::service

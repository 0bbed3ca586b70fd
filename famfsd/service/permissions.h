// File permissions for D-Bus callers, decided as the kernel decides them for
// open(2), mkdir(2) and stat(2) on the same tree: a path walk that needs
// search (x) on every ancestor directory, then the permission the operation
// needs on the node itself or on the parent it creates in. Pure functions
// over the namespace and the caller; every Filesystem and Job method goes
// through them (filesystem_bus.cc, job_bus.cc).
//
// Classes as generic_permission(): the owner's bits when the caller's uid
// owns the node, else the group's bits when the node's gid is the caller's
// primary or one of its supplementary groups, else the other bits. Root
// (uid 0) passes every mode check, as with CAP_DAC_OVERRIDE; path rules
// (omf::path_problem) still apply to it. No ACLs, no capabilities other than
// root's.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/namespace.h"
#include "service/authorization.h"
#include "util/result.h"

namespace famfs::service {

// Permission bits as access(2) names them.
inline constexpr unsigned kMayExec = 1;  // search, for a directory
inline constexpr unsigned kMayWrite = 2;
inline constexpr unsigned kMayRead = 4;

// Whether CALLER holds every bit of WANT on a node owned by UID:GID with MODE.
bool permitted(const Caller& caller, uint32_t uid, uint32_t gid, uint32_t mode, unsigned want);

// "read (r)", "search (x)", "write and search (w+x)", ...
std::string permission_name(unsigned want, bool directory);

// Resolves PATH ("" is the root) like the kernel's path walk: every
// directory on the way (the root, then each ancestor) needs search for
// CALLER before the next name is looked up in it, so a directory the caller
// may not search hides whether names exist inside it. Then WANT (0 for
// none) is checked on the node itself. Errors: permission_denied (names the
// component, the missing permission and the caller's uid), not_found,
// not_directory (an ancestor is a file).
Result<const Node*> resolve(const Namespace& ns, const Caller& caller, std::string_view path, unsigned want = 0);

// Whether CALLER may create PATH (a file or a directory): the parent is
// resolved, must be a directory, PATH must not exist (exists), and the
// parent needs write and search. Checked in the kernel's order: a name that
// exists is `exists` before the parent's write permission is looked at.
Status may_create(const Namespace& ns, const Caller& caller, std::string_view path);

// As may_create, for Mkdir with parents: existing directories on the way
// need search; the first missing level needs write and search on its
// (existing) parent; each further level is checked against the owner and
// MODE its new parent will have (UID:GID), so a mode without write and
// search for the caller fails on the level below, naming it. Succeeds
// without creating anything when PATH is a directory already (and the walk
// to it is allowed).
Status may_create_parents(const Namespace& ns, const Caller& caller, std::string_view path, uint32_t uid, uint32_t gid,
                          uint32_t mode);

// Whether CALLER may remove PATH as unlink(2) / rmdir(2) decide it: the
// walk to the parent (search on every level), PATH must exist (not_found),
// the parent needs write and search, and when the parent is sticky (01000)
// the caller must own PATH or the parent (or be root). invalid_argument for
// the root.
Status may_remove(const Namespace& ns, const Caller& caller, std::string_view path);

// For a recursive removal, as rm -r does it: CALLER may list directory DIR
// (read and search on it) and remove CHILD from it (write and search on
// DIR, and the sticky rule).
Status may_remove_from(const Caller& caller, const Node& dir, const Node& child);

// Whether every caller, whoever it is, may search every directory from the
// root to DIR_PATH inclusive (the "other" class has x on each; used where
// the caller is not known). False when a level is missing or a file.
bool everyone_may_search(const Namespace& ns, std::string_view dir_path);

}  // namespace famfs::service

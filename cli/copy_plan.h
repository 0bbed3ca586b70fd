// What `cp` does, decided before the first call: the directories to make and
// the files to copy, in order. Reads only the local file system.
#pragma once

#include <string>
#include <vector>

#include "util/result.h"

namespace famfs::cli {

struct CopyStep {
  enum class Kind { make_directory, copy_file };
  Kind kind;
  std::string local;   // local file (copy_file) or directory the step comes from
  std::string target;  // famfs path (relative)
};

struct CopyPlan {
  std::vector<CopyStep> steps;
  std::vector<std::string> skipped;  // local entries that are neither file nor directory
};

// What DEST is in famfs before the copy (famfsctl asks with Stat).
enum class DestKind { missing, directory, file };

// Plans `cp [-r] SOURCES... DEST` as cp(1) does: when DEST is an existing
// directory (the root always is), each source lands in it by its base name
// (a directory source with RECURSIVE: DEST/NAME is made, then walked). When
// DEST does not exist, one source is copied to DEST itself: a file becomes
// DEST, a directory (RECURSIVE) becomes DEST with the directory's contents
// (not DEST/NAME). Several sources need DEST to be an existing directory.
// "cp -r DIR/. DEST" copies DIR's contents into DEST. Symlinks and special
// files inside walked directories are skipped (listed). io_error when a
// source is missing, is a directory without RECURSIVE, or DEST cannot take
// the sources (not a directory; a directory over a file; "DEST/" missing
// for a file).
Result<CopyPlan> plan_copy(const std::vector<std::string>& sources, const std::string& dest, bool recursive,
                           DestKind dest_kind);

// One file to copy out of famfs: the famfs path and the local path.
struct CopyOutStep {
  bool is_dir;         // a directory to make locally (recursive copy-out)
  std::string source;  // famfs path
  std::string local;
};

// The local path `cp famfs:SOURCE LOCAL` writes: LOCAL, or LOCAL/NAME when
// LOCAL is an existing local directory (NAME: SOURCE's base name).
std::string copy_out_target(const std::string& famfs_source, const std::string& local);

// Whether a cp operand names a famfs path ("famfs:PATH").
bool is_famfs_operand(const std::string& operand);
// The famfs path of a "famfs:PATH" operand (relative, as famfs_path).
std::string famfs_operand_path(const std::string& operand);

// "a" + "b" -> "a/b"; "" + "b" -> "b".
std::string join_famfs_path(const std::string& dir, const std::string& name);

}  // namespace famfs::cli

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

// Plans `cp [-r] SOURCES... DEST`. DEST is a directory when RECURSIVE, when
// there are several sources, when it ends in '/' or names the root; the
// sources then land under it by their base names. With one file source DEST
// is the new file's path. RECURSIVE first makes DEST (Mkdir parents) and
// walks source directories, symlinks inside them are skipped. io_error
// when a source is missing or is a directory without RECURSIVE.
Result<CopyPlan> plan_copy(const std::vector<std::string>& sources, const std::string& dest, bool recursive);

// "a" + "b" -> "a/b"; "" + "b" -> "b".
std::string join_famfs_path(const std::string& dir, const std::string& name);

}  // namespace famfs::cli

#include "copy_plan.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "command_line.h"

namespace famfs::cli {
namespace {

std::string base_name(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

Error local_error(const std::string& what, const std::string& path, int err) {
  return Error(Errc::io_error, what + " \"" + path + "\": " + strerror(err));
}

class Planner {
 public:
  explicit Planner(CopyPlan& plan) : plan_(plan) {}

  // Walks local directory DIR into famfs directory TARGET (already planned).
  Status walk(const std::string& dir, const std::string& target) {
    DIR* d = opendir(dir.c_str());
    if (!d) return local_error("cannot open directory", dir, errno);
    std::vector<std::string> names;
    errno = 0;
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    int err = errno;
    closedir(d);
    if (err) return local_error("cannot read directory", dir, err);
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      std::string local = dir.ends_with('/') ? dir + name : dir + "/" + name;
      struct stat st {};
      if (lstat(local.c_str(), &st) != 0) return local_error("cannot stat", local, errno);
      std::string child = join_famfs_path(target, name);
      if (S_ISREG(st.st_mode)) {
        plan_.steps.push_back({CopyStep::Kind::copy_file, local, child});
      } else if (S_ISDIR(st.st_mode)) {
        plan_.steps.push_back({CopyStep::Kind::make_directory, local, child});
        FAMFS_TRY(walk(local, child));
      } else {
        plan_.skipped.push_back(local);
      }
    }
    return ok_status();
  }

 private:
  CopyPlan& plan_;
};

}  // namespace

std::string join_famfs_path(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  if (name.empty()) return dir;
  return dir + "/" + name;
}

Result<CopyPlan> plan_copy(const std::vector<std::string>& sources, const std::string& dest_typed, bool recursive,
                           DestKind dest_kind) {
  const bool typed_slash = dest_typed.size() > 1 && dest_typed.ends_with('/');
  std::string dest = famfs_path(dest_typed);
  while (!dest.empty() && dest.back() == '/') dest.pop_back();
  if (dest.empty()) dest_kind = DestKind::directory;  // the root
  const std::string shown = dest_typed;

  CopyPlan plan;
  struct Source {
    std::string path;
    bool is_dir;
  };
  std::vector<Source> checked;
  for (const auto& src : sources) {
    struct stat st {};
    if (stat(src.c_str(), &st) != 0) return local_error("cannot stat", src, errno);
    if (S_ISDIR(st.st_mode)) {
      if (!recursive) return Error(Errc::io_error, "\"" + src + "\" is a directory (use cp -r)");
    } else if (!S_ISREG(st.st_mode)) {
      return Error(Errc::io_error, "\"" + src + "\" is not a regular file");
    }
    checked.push_back({src, S_ISDIR(st.st_mode)});
  }
  if (checked.size() > 1 && dest_kind != DestKind::directory)
    return Error(Errc::io_error, "target \"" + shown + "\" is not a directory" +
                                     (dest_kind == DestKind::missing ? " (it does not exist)" : ""));

  Planner planner(plan);
  for (const auto& src : checked) {
    std::string name = base_name(src.path);
    // "cp -r DIR/. dest" copies DIR's contents into dest itself.
    bool contents_only = name == "." || name == ".." || name == "/";
    std::string target;
    if (dest_kind == DestKind::directory) {
      target = contents_only ? dest : join_famfs_path(dest, name);
    } else if (src.is_dir && dest_kind == DestKind::file) {
      return Error(Errc::io_error,
                   "cannot overwrite non-directory \"" + shown + "\" with directory \"" + src.path + "\"");
    } else if (!src.is_dir && typed_slash) {
      return Error(Errc::io_error, "cannot create \"" + shown + "\": not a directory (it does not exist)");
    } else {
      target = dest;  // the new file, or the new directory that gets SRC's contents
    }
    if (!src.is_dir) {
      plan.steps.push_back({CopyStep::Kind::copy_file, src.path, target});
      continue;
    }
    if (!(dest_kind == DestKind::directory && target == dest))
      plan.steps.push_back({CopyStep::Kind::make_directory, src.path, target});
    FAMFS_TRY(planner.walk(src.path, target));
  }
  return plan;
}

std::string copy_out_target(const std::string& famfs_source, const std::string& local) {
  struct stat st {};
  if (stat(local.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    std::string name = base_name(famfs_source);
    return local.ends_with('/') ? local + name : local + "/" + name;
  }
  return local;
}

bool is_famfs_operand(const std::string& operand) { return operand.starts_with("famfs:"); }

std::string famfs_operand_path(const std::string& operand) {
  return famfs_path(std::string_view(operand).substr(std::string_view("famfs:").size()));
}

}  // namespace famfs::cli

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

Result<CopyPlan> plan_copy(const std::vector<std::string>& sources, const std::string& dest_typed, bool recursive) {
  std::string dest = famfs_path(dest_typed);
  bool dest_is_dir = recursive || sources.size() > 1 || dest.empty() || dest.ends_with('/');
  while (!dest.empty() && dest.back() == '/') dest.pop_back();

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

  if (recursive && !dest.empty()) plan.steps.push_back({CopyStep::Kind::make_directory, "", dest});
  Planner planner(plan);
  for (const auto& src : checked) {
    std::string name = base_name(src.path);
    // "cp -r . dest" and "cp -r / dest" copy the contents into dest itself.
    bool contents_only = name == "." || name == ".." || name == "/";
    std::string target = !dest_is_dir ? dest : contents_only ? dest : join_famfs_path(dest, name);
    if (!src.is_dir) {
      plan.steps.push_back({CopyStep::Kind::copy_file, src.path, target});
      continue;
    }
    if (target != dest) plan.steps.push_back({CopyStep::Kind::make_directory, src.path, target});
    FAMFS_TRY(planner.walk(src.path, target));
  }
  return plan;
}

}  // namespace famfs::cli

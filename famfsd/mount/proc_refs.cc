// Which unlinked famfs files are still open or mapped on this host
// (docs/delete.md, "Released up to N"): a scan of /proc/PID/fd and
// /proc/PID/maps for the inodes of the files famfsd removed from its mount.
#include <dirent.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "mount/kernel_fs.h"

namespace famfs::mount {

namespace {

bool all_digits(const char* s) {
  if (!*s) return false;
  for (; *s; ++s)
    if (*s < '0' || *s > '9') return false;
  return true;
}

// Adds to FOUND the inodes of WANTED that PID's open files name.
void scan_fds(const std::string& pid_dir, const std::set<InodeId>& wanted, std::set<InodeId>& found) {
  std::string fd_dir = pid_dir + "/fd";
  DIR* d = opendir(fd_dir.c_str());
  if (!d) return;  // gone, or not ours to read
  while (dirent* e = readdir(d)) {
    if (!all_digits(e->d_name)) continue;
    struct stat st {};
    if (stat((fd_dir + "/" + e->d_name).c_str(), &st) != 0) continue;  // follows the magic link, deleted or not
    InodeId id{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
    if (wanted.count(id)) found.insert(id);
  }
  closedir(d);
}

// Adds to FOUND the inodes of WANTED that PID maps ("addr perms off MAJ:MIN ino path").
void scan_maps(const std::string& pid_dir, const std::set<InodeId>& wanted, std::set<InodeId>& found) {
  FILE* f = fopen((pid_dir + "/maps").c_str(), "re");
  if (!f) return;
  char line[4096];
  while (fgets(line, sizeof line, f)) {
    unsigned maj = 0, min = 0;
    unsigned long long ino = 0;
    if (sscanf(line, "%*s %*s %*s %x:%x %llu", &maj, &min, &ino) != 3 || ino == 0) continue;
    InodeId id{static_cast<uint64_t>(makedev(maj, min)), static_cast<uint64_t>(ino)};
    if (wanted.count(id)) found.insert(id);
  }
  fclose(f);
}

}  // namespace

std::set<InodeId> referenced_inodes(const std::set<InodeId>& wanted, const std::string& proc) {
  std::set<InodeId> found;
  if (wanted.empty()) return found;
  DIR* d = opendir(proc.c_str());
  if (!d) return wanted;  // cannot tell: everything counts as referenced (never free on a guess)
  while (dirent* e = readdir(d)) {
    if (!all_digits(e->d_name)) continue;
    std::string pid_dir = proc + "/" + e->d_name;
    scan_fds(pid_dir, wanted, found);
    if (found.size() < wanted.size()) scan_maps(pid_dir, wanted, found);
    if (found.size() == wanted.size()) break;
  }
  closedir(d);
  return found;
}

}  // namespace famfs::mount

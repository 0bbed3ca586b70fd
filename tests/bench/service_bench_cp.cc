#include "service_bench_parts.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace famfs::bench {
namespace {

constexpr int kTreeFiles = 1000;
constexpr int kTreeDirs = 10;
constexpr uint64_t kCpDevice = 4 * kGiB;  // 1,000 files take 2 GiB (one 2 MiB unit each)
constexpr size_t kInFlight = 16;          // as famfsctl cp
constexpr size_t kCommitEvery = 1024;

// The local tree, removed with this object (also when a check fails).
struct Tree {
  std::string root;
  std::vector<std::string> dirs;                        // relative
  std::vector<std::pair<std::string, uint64_t>> files;  // relative path, size
  Tree() = default;
  Tree(const Tree&) = delete;
  Tree& operator=(const Tree&) = delete;
  ~Tree() {
    for (const auto& [rel, size] : files) unlink((root + "/" + rel).c_str());
    for (const auto& d : dirs) rmdir((root + "/" + d).c_str());
    if (!root.empty()) rmdir(root.c_str());
  }
};

void write_file(const std::string& path, const std::string& bytes) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) {
    if (fd >= 0) close(fd);
    fail(errno_text("write " + path));
  }
  close(fd);
}

void make_tree(Tree& t) {
  t.root = g_tmpdir + "/cptree";
  if (mkdir(t.root.c_str(), 0755) != 0) fail(errno_text("mkdir " + t.root));
  std::mt19937_64 rng(42);
  for (int d = 0; d < kTreeDirs; ++d) {
    t.dirs.push_back("d" + std::to_string(d));
    if (mkdir((t.root + "/" + t.dirs.back()).c_str(), 0755) != 0) fail(errno_text("mkdir"));
  }
  std::string bytes(4096, '\0');
  for (int i = 0; i < kTreeFiles; ++i) {
    const uint64_t size = 1 + rng() % 4096;
    for (uint64_t k = 0; k < size; ++k) bytes[k] = static_cast<char>(rng());
    std::string rel = t.dirs[i % kTreeDirs] + "/f" + std::to_string(i);
    t.files.emplace_back(rel, size);
    write_file(t.root + "/" + rel, bytes.substr(0, size));
  }
}

// A fresh master on its own device; the tree's directories made already
// under DEST (one CreateFiles call) unless WITH_DIRS is false.
struct Target {
  std::string dev;
  Famfsd m;
};

Target start_target(const Paths& paths, sdbus::IConnection& conn, const std::string& tag) {
  Target t;
  const std::string uuid = new_uuid();
  t.dev = make_device("cp-" + tag, kCpDevice, false);
  run_tool({paths.mkfs, "--system-uuid", uuid, t.dev}, g_tmpdir + "/mkfs-cp.log");
  t.m = start_famfsd(paths, t.dev, "bench_cp_" + tag, uuid, write_config("cp-" + tag, 0));
  wait_for_names(conn, {&t.m});
  return t;
}

void make_dirs(FilesystemProxy& fs, const Tree& tree) {
  fs.Mkdir("tree", {});
  std::vector<sdbus::Struct<std::string, uint64_t, Options>> items;
  for (const auto& d : tree.dirs)
    items.emplace_back("tree/" + d, uint64_t{0}, Options{{"directory", sdbus::Variant(true)}});
  for (const auto& r : fs.CreateFiles(items, {}))
    if (!std::get<0>(r).empty()) fail("CreateFiles of the tree's directories: " + std::get<1>(r));
}

int open_source(const Tree& tree, const std::string& rel) {
  int fd = open((tree.root + "/" + rel).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(errno_text("open " + rel));
  return fd;
}

// Every file of TREE is in famfs under tree/ with its size, and one file's bytes are right.
void verify(FilesystemProxy& fs, const Tree& tree, const std::string& what) {
  if (fs.Files() != static_cast<uint64_t>(kTreeFiles))
    fail(what + ": famfsd has " + std::to_string(fs.Files()) + " files, not " + std::to_string(kTreeFiles));
  for (size_t i = 0; i < tree.files.size(); i += 97) {
    auto info = fs.Stat("tree/" + tree.files[i].first, {});
    if (info.at("size").get<uint64_t>() != tree.files[i].second) fail(what + ": " + tree.files[i].first + " size");
  }
  const auto& [rel, size] = tree.files.back();
  int out = memfd_create("cp-verify", MFD_CLOEXEC);
  if (out < 0) fail(errno_text("memfd"));
  fs.ReadFile("tree/" + rel, sdbus::UnixFd(out), {});
  std::string got(size, '\0'), want = read_text(tree.root + "/" + rel);
  if (pread(out, got.data(), size, 0) != static_cast<ssize_t>(size) || got != want)
    fail(what + ": the bytes of " + rel + " differ");
  close(out);
}

// The old famfsctl cp -r: one synchronous CopyIn per file, each committed alone.
double copy_one_by_one(FilesystemProxy& fs, const Tree& tree) {
  const auto t0 = Clock::now();
  make_dirs(fs, tree);
  for (const auto& [rel, size] : tree.files) {
    int fd = open_source(tree, rel);
    sdbus::ObjectPath job = fs.CopyIn("tree/" + rel, sdbus::UnixFd(fd), {});
    close(fd);
    if (job != "/") fail("CopyIn of a small file started a job");
  }
  return seconds(Clock::now() - t0);
}

// Dispatches what CONN has, then waits for bus traffic (at most 10 s each time).
void pump(sdbus::IConnection& conn) {
  while (conn.processPendingRequest()) {}
  auto pd = conn.getEventLoopPollData();
  pollfd p{pd.fd, static_cast<short>(pd.events), 0};
  int timeout = pd.getPollTimeout();
  poll(&p, 1, timeout < 0 || timeout > 10000 ? 10000 : timeout);
  while (conn.processPendingRequest()) {}
}

// The batch: CopyIn commit=false, kInFlight at a time, then CommitFiles.
double copy_batched(sdbus::IConnection& conn, FilesystemProxy& fs, const Tree& tree) {
  const auto t0 = Clock::now();
  make_dirs(fs, tree);
  const Options options{{"commit", sdbus::Variant(false)}};
  std::vector<sdbus::ObjectPath> ready;
  std::string error;
  size_t next = 0, in_flight = 0;
  auto commit = [&] {
    for (size_t b = 0; b < ready.size(); b += kCommitEvery) {
      std::vector<sdbus::ObjectPath> part(ready.begin() + b, ready.begin() + std::min(ready.size(), b + kCommitEvery));
      for (const auto& r : fs.CommitFiles(part, {}))
        if (!std::get<0>(r).empty()) fail("CommitFiles: " + std::get<0>(r) + ": " + std::get<1>(r));
    }
    ready.clear();
  };
  while (next < tree.files.size() || in_flight > 0) {
    while (in_flight < kInFlight && next < tree.files.size() && ready.size() < kCommitEvery) {
      const std::string rel = tree.files[next++].first;
      int fd = open_source(tree, rel);
      fs.proxy()
          .callMethodAsync("CopyIn")
          .onInterface(org::famfs::Famfs1::Filesystem_proxy::INTERFACE_NAME)
          .withArguments("tree/" + rel, sdbus::UnixFd(fd), options)
          .uponReplyInvoke([&](const sdbus::Error* e, sdbus::ObjectPath handle) {
            --in_flight;
            if (e && error.empty()) error = e->getName() + ": " + e->getMessage();
            if (!e) ready.push_back(std::move(handle));
          });
      close(fd);
      ++in_flight;
    }
    if (!error.empty()) fail("CopyIn commit=false: " + error);
    if (in_flight == 0)
      commit();
    else
      pump(conn);
  }
  commit();
  return seconds(Clock::now() - t0);
}

double run_famfsctl(const std::string& famfsctl, const Tree& tree, const Famfsd& m) {
  const auto t0 = Clock::now();
  const std::string log = g_tmpdir + "/famfsctl-cp.log";
  pid_t pid = spawn({famfsctl, "-d", m.instance, "cp", "-r", tree.root, "tree"}, log);
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    fail("famfsctl cp -r failed (" + describe_status(status) + "): " + tail_of(log, 4));
  return seconds(Clock::now() - t0);
}

}  // namespace

void bench_cp_tree(const Paths& paths, sdbus::IConnection& conn, const std::string& famfsctl) {
  Tree tree;
  make_tree(tree);
  double secs[3] = {0, 0, 0};
  const char* names[3] = {"one CopyIn per file (each committed alone, the old cp -r)",
                          "batch (CopyIn commit=false x16 in flight + CommitFiles)", "famfsctl cp -r (the batch)"};
  for (int k = 0; k < 3; ++k) {
    Target t = start_target(paths, conn, std::to_string(k));
    {
      FilesystemProxy fs(conn, t.m.bus_name);
      if (k == 0) secs[k] = copy_one_by_one(fs, tree);
      if (k == 1) secs[k] = copy_batched(conn, fs, tree);
      if (k == 2) secs[k] = run_famfsctl(famfsctl, tree, t.m);
      verify(fs, tree, names[k]);
    }
    stop_famfsd(t.m);
    remove_temp(t.dev);
    printf("[6] cp -r of %d small files (1..4096 bytes, %d directories), %s: %.3f s -> %.0f files/s\n", kTreeFiles,
           kTreeDirs, names[k], secs[k], kTreeFiles / secs[k]);
  }
  printf("[6] cp -r batch / one by one: %.2fx faster (bench client), famfsctl cp -r %.2fx faster\n", secs[0] / secs[1],
         secs[0] / secs[2]);
}

}  // namespace famfs::bench

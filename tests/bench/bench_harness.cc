#include "bench_harness.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace famfs::bench {

// ---------------------------------------------------------------------------
// Everything to undo at the end. Kept in plain arrays so that the SIGINT/SIGTERM
// handler can kill the children and remove the files too.

int remember_child(pid_t pid) {
  // A slot forget_child() emptied is used again: a run starts many more
  // short-lived children (famfsctl, mkfs) than are alive at once.
  for (int k = 0; k < g_child_count.load(); ++k)
    if (g_children[k] == 0) {
      g_children[k] = pid;
      return k;
    }
  int i = g_child_count.load();
  if (i >= kMaxChildren) {
    kill(pid, SIGKILL);
    fail("too many child processes");
  }
  g_children[i] = pid;
  g_child_count.store(i + 1);
  return i;
}

void remember_temp(const std::string& path, bool is_dir) {
  for (int k = 0; k < g_temp_count.load(); ++k)
    if (path == g_temps[k]) return;
  int i = g_temp_count.load();
  if (i >= kMaxTemps || path.size() >= kPathMax) fail("too many temporary files");
  std::memcpy(g_temps[i], path.c_str(), path.size() + 1);
  g_temp_is_dir[i] = is_dir;
  g_temp_count.store(i + 1);
}

// Removes one temporary file now (a device between phases).
void remove_temp(const std::string& path) {
  for (int i = 0; i < g_temp_count.load(); ++i) {
    if (g_temps[i][0] != '\0' && path == g_temps[i]) {
      unlink(g_temps[i]);
      g_temps[i][0] = '\0';
    }
  }
}

void remove_temps() {
  for (int i = g_temp_count.load() - 1; i >= 0; --i) {
    if (g_temps[i][0] == '\0') continue;
    if (g_temp_is_dir[i])
      rmdir(g_temps[i]);
    else
      unlink(g_temps[i]);
    g_temps[i][0] = '\0';
  }
}

extern "C" void on_fatal_signal(int sig) {
  for (int i = 0; i < g_child_count.load(); ++i)
    if (g_children[i] > 0) kill(g_children[i], SIGKILL);
  remove_temps();  // unlink/rmdir only: async-signal-safe
  _exit(128 + sig);
}

// Ends every child still running (famfsd first, the bus last: it was started
// first) and waits for it.
void kill_children() {
  for (int i = g_child_count.load() - 1; i >= 0; --i) {
    pid_t pid = g_children[i];
    if (pid <= 0) continue;
    kill(pid, SIGTERM);
    int status = 0;
    bool gone = false;
    for (int k = 0; k < 300 && !gone; ++k) {
      if (waitpid(pid, &status, WNOHANG) == pid)
        gone = true;
      else
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!gone) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
    }
    g_children[i] = 0;
  }
}

// ---------------------------------------------------------------------------
// Files and processes

void write_text(const std::string& path, const std::string& text) {
  remember_temp(path, false);
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) fail("cannot write " + path);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string tail_of(const std::string& path, size_t lines) {
  std::string text = read_text(path);
  size_t pos = text.size();
  if (pos > 0 && text[pos - 1] == '\n') --pos;
  for (size_t n = 0; n < lines && pos > 0; ++n) {
    size_t nl = text.rfind('\n', pos - 1);
    if (nl == std::string::npos) {
      pos = 0;
      break;
    }
    pos = nl;
  }
  return text.substr(pos == 0 ? 0 : pos + 1);
}

std::string new_uuid() {
  std::string u = read_text("/proc/sys/kernel/random/uuid");
  while (!u.empty() && (u.back() == '\n' || u.back() == ' ')) u.pop_back();
  if (u.size() != 36) fail("cannot read a random UUID from /proc/sys/kernel/random/uuid");
  return u;
}

// Starts ARGV with stdout and stderr going to LOG; PASS_FD (if >= 0) becomes
// descriptor 3 of the child. The child dies with the bench (PR_SET_PDEATHSIG).
pid_t spawn(const std::vector<std::string>& argv, const std::string& log, int pass_fd) {
  remember_temp(log, false);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) fail(errno_text("cannot open " + log));
  int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    std::string e = errno_text("fork");
    close(log_fd);
    if (null_fd >= 0) close(null_fd);
    fail(e);
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (null_fd >= 0) dup2(null_fd, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    if (pass_fd >= 0) {
      if (pass_fd == 3)
        fcntl(3, F_SETFD, 0);
      else
        dup2(pass_fd, 3);
    }
    execv(args[0], args.data());
    dprintf(2, "exec %s: %s\n", args[0], strerror(errno));
    _exit(127);
  }
  close(log_fd);
  if (null_fd >= 0) close(null_fd);
  return pid;
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("killed by signal ") + strsignal(WTERMSIG(status));
  return "status " + std::to_string(status);
}

void run_tool(const std::vector<std::string>& argv, const std::string& log) {
  pid_t pid = spawn(argv, log);
  int slot = remember_child(pid);
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) fail(errno_text("waitpid"));
  forget_child(slot);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    fail(argv[0] + " failed (" + describe_status(status) + "):\n" + tail_of(log, 10));
}

// An emulated device in /dev/shm: sparse (ftruncate) or backed by real pages
// (fallocate, so tmpfs allocation does not count in the copy).
std::string make_device(const std::string& tag, uint64_t size, bool preallocate) {
  std::string path = g_device_dir + "/famfs-bench-" + std::to_string(getpid()) + "-" + tag + ".img";
  remember_temp(path, false);
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) fail(errno_text("cannot create " + path));
  int rc = preallocate ? fallocate(fd, 0, 0, static_cast<off_t>(size)) : ftruncate(fd, static_cast<off_t>(size));
  if (rc != 0) {
    std::string e = errno_text("cannot size " + path);
    close(fd);
    fail(e);
  }
  close(fd);
  return path;
}

// ---------------------------------------------------------------------------
// The private bus

Bus start_bus(const Paths& paths) {
  if (access(paths.policy.c_str(), R_OK) != 0) fail("the shipped policy is missing: " + paths.policy);
  Bus bus;
  const std::string conf = g_tmpdir + "/bus.conf";
  const std::string socket = g_tmpdir + "/bus.socket";
  bus.log = g_tmpdir + "/dbus-daemon.log";
  remember_temp(socket, false);
  remember_temp(bus.log, false);
  // System-bus style: anyone may connect, method calls are denied unless a
  // policy allows them; the famfs rules are the shipped file itself.
  write_text(
      conf,
      "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
      " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
      "<busconfig>\n"
      "  <type>system</type>\n"
      "  <listen>unix:path=" +
          socket +
          "</listen>\n"
          "  <auth>EXTERNAL</auth>\n"
          "  <policy context=\"default\">\n"
          "    <allow user=\"*\"/>\n"
          "    <deny own=\"*\"/>\n"
          "    <deny send_type=\"method_call\"/>\n"
          "    <allow send_type=\"signal\"/>\n"
          "    <allow send_requested_reply=\"true\" send_type=\"method_return\"/>\n"
          "    <allow send_requested_reply=\"true\" send_type=\"error\"/>\n"
          "    <allow receive_type=\"method_call\"/>\n"
          "    <allow receive_type=\"method_return\"/>\n"
          "    <allow receive_type=\"error\"/>\n"
          "    <allow receive_type=\"signal\"/>\n"
          "    <allow send_destination=\"org.freedesktop.DBus\" send_interface=\"org.freedesktop.DBus\"/>\n"
          "    <allow send_destination=\"org.freedesktop.DBus\"\n"
          "           send_interface=\"org.freedesktop.DBus.Introspectable\"/>\n"
          "    <allow send_destination=\"org.freedesktop.DBus\" send_interface=\"org.freedesktop.DBus.Properties\"/>\n"
          "  </policy>\n"
          "  <include>" +
          paths.policy +
          "</include>\n"
          "</busconfig>\n");
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) fail(errno_text("pipe"));
  bus.pid = spawn({"/usr/bin/dbus-daemon", "--config-file=" + conf, "--nofork", "--print-address=3"}, bus.log, p[1]);
  bus.slot = remember_child(bus.pid);
  g_bus_pid = bus.pid;
  close(p[1]);
  // The address is one line on descriptor 3.
  std::string line;
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (line.find('\n') == std::string::npos) {
    if (Clock::now() > deadline) fail("dbus-daemon did not print its address:\n" + tail_of(bus.log, 10));
    char buf[512];
    ssize_t n = read(p[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("dbus-daemon exited before printing its address:\n" + tail_of(bus.log, 10));
    line.append(buf, static_cast<size_t>(n));
  }
  close(p[0]);
  bus.address = line.substr(0, line.find('\n'));
  return bus;
}

void check_bus_alive(const Bus& bus) {
  int status = 0;
  if (waitpid(bus.pid, &status, WNOHANG) == bus.pid) {
    forget_child(bus.slot);
    fail("dbus-daemon died (" + describe_status(status) + "):\n" + tail_of(bus.log, 10));
  }
}

// ---------------------------------------------------------------------------
// famfsd processes

std::string write_config(const std::string& tag, int poll_interval_ms, bool allow_format) {
  std::string path = g_tmpdir + "/famfs-" + tag + ".toml";
  std::string text = "# service_bench\nbackend = \"none\"\n";
  if (poll_interval_ms > 0) text += "poll_interval_ms = " + std::to_string(poll_interval_ms) + "\n";
  if (allow_format) text += "allow_format = true\n";
  write_text(path, text);
  return path;
}

Famfsd start_famfsd(const Paths& paths, const std::string& device, const std::string& instance,
                    const std::string& system_uuid, const std::string& config) {
  Famfsd d;
  d.instance = instance;
  d.bus_name = kBusPrefix + instance;  // instance names here need no escaping
  d.log = g_tmpdir + "/famfsd-" + instance + ".log";
  remember_temp(d.log, false);
  d.pid = spawn(
      {paths.famfsd, "--device", device, "--instance", instance, "--config", config, "--system-uuid", system_uuid},
      d.log);
  d.slot = remember_child(d.pid);
  return d;
}

void check_alive(Famfsd& d) {
  if (d.pid <= 0) fail("famfsd " + d.instance + " is not running");
  int status = 0;
  if (waitpid(d.pid, &status, WNOHANG) == d.pid) {
    forget_child(d.slot);
    d.pid = -1;
    fail("famfsd " + d.instance + " died (" + describe_status(status) + "); its log ends:\n" + tail_of(d.log, 15));
  }
}

std::string name_owner(sdbus::IConnection& conn, const std::string& name) {
  auto bus = sdbus::createProxy(conn, "org.freedesktop.DBus", "/org/freedesktop/DBus");
  bool has = false;
  bus->callMethod("NameHasOwner").onInterface("org.freedesktop.DBus").withArguments(name).storeResultsTo(has);
  if (!has) return "";
  std::string owner;
  bus->callMethod("GetNameOwner").onInterface("org.freedesktop.DBus").withArguments(name).storeResultsTo(owner);
  return owner;
}

void wait_for_names(sdbus::IConnection& conn, std::vector<Famfsd*> daemons) {
  auto deadline = Clock::now() + std::chrono::seconds(15);
  for (Famfsd* d : daemons) {
    while (true) {
      check_alive(*d);
      d->unique_name = name_owner(conn, d->bus_name);
      if (!d->unique_name.empty()) break;
      if (Clock::now() > deadline)
        fail("famfsd " + d->instance + " did not take " + d->bus_name + " within 15 s; its log ends:\n" +
             tail_of(d->log, 15));
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
}

// SIGTERM must end famfsd cleanly (exit 0) within a few seconds.
void stop_famfsd(Famfsd& d) {
  if (d.pid <= 0) return;
  check_alive(d);
  kill(d.pid, SIGTERM);
  int status = 0;
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (waitpid(d.pid, &status, WNOHANG) != d.pid) {
    if (Clock::now() > deadline) {
      kill(d.pid, SIGKILL);
      waitpid(d.pid, &status, 0);
      forget_child(d.slot);
      d.pid = -1;
      fail("famfsd " + d.instance + " did not stop within 10 s of SIGTERM; its log ends:\n" + tail_of(d.log, 15));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  forget_child(d.slot);
  d.pid = -1;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    fail("famfsd " + d.instance + " stopped with " + describe_status(status) + " after SIGTERM; its log ends:\n" +
         tail_of(d.log, 15));
}

// utime + stime of the whole process, in clock ticks.
uint64_t cpu_ticks(pid_t pid) {
  std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
  size_t close_paren = stat.rfind(')');
  if (close_paren == std::string::npos) fail("cannot read /proc/" + std::to_string(pid) + "/stat");
  std::istringstream in(stat.substr(close_paren + 2));
  std::vector<std::string> fields;
  std::string f;
  while (in >> f) fields.push_back(f);
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  if (fields.size() < 13) fail("short /proc/" + std::to_string(pid) + "/stat");
  return std::stoull(fields[11]) + std::stoull(fields[12]);
}

// ---------------------------------------------------------------------------
// Proxies. Method calls go through the generated classes on a connection
// without an event loop (synchronous calls on the calling thread). Their signal
// handlers are deliberately not registered (no registerProxy()): signals are
// received through match rules on connections of their own, below.

std::string signal_rule(const std::string& sender, const std::string& interface, const std::string& member) {
  return "type='signal',sender='" + sender + "',interface='" + interface + "',member='" + member + "'";
}

// ---------------------------------------------------------------------------
// Memory helpers

void fill_pattern(uint8_t* p, uint64_t len, uint64_t seed) {
  // xorshift64*: fast, and every 8-byte word is non-zero.
  uint64_t x = seed | 1;
  auto* w = reinterpret_cast<uint64_t*>(p);
  for (uint64_t i = 0; i < len / 8; ++i) {
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    uint64_t v = x * 0x2545F4914F6CDD1DULL;
    w[i] = v ? v : 0x5a5a5a5a5a5a5a5aULL;
  }
}

// Best of 3 copies of LEN bytes between two prefaulted buffers, in seconds.
double memcpy_best_seconds(uint64_t len) {
  Mapping a(mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0), len);
  Mapping b(mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0), len);
  if (a.p == MAP_FAILED || b.p == MAP_FAILED) fail(errno_text("cannot map the memcpy buffers"));
  std::memset(a.p, 0x5a, len);
  std::memset(b.p, 0xa5, len);
  double best = 1e30;
  for (int round = 0; round < 3; ++round) {
    auto t0 = Clock::now();
    std::memcpy(b.p, a.p, len);
    asm volatile("" ::: "memory");
    best = std::min(best, seconds(Clock::now() - t0));
  }
  if (b.bytes()[len / 2] != 0x5a) fail("memcpy produced wrong bytes");
  return best;
}

// CPU time of the first write to each 4 KiB of a fresh MAP_SHARED mapping of
// the already allocated device file: the page-table fault famfsd pays on its
// own mapping of such a file (one per 4 KiB page on a tmpfs without huge
// pages). Microseconds per 4 KiB.
double page_fault_micros(const std::string& device) {
  constexpr uint64_t kLen = 64 * kMiB;
  Fd fd(open(device.c_str(), O_RDWR | O_CLOEXEC));
  if (fd.fd < 0) fail(errno_text("open " + device));
  struct stat st {};
  if (fstat(fd.fd, &st) != 0 || static_cast<uint64_t>(st.st_size) < kLen) fail("the device is too small");
  // The last 64 MiB of the device: famfsd's allocations start at the front.
  off_t off = static_cast<off_t>((static_cast<uint64_t>(st.st_size) - kLen) & ~(2 * kMiB - 1));
  Mapping m(mmap(nullptr, kLen, PROT_READ | PROT_WRITE, MAP_SHARED, fd.fd, off), kLen);
  if (m.p == MAP_FAILED) fail(errno_text("mmap " + device));
  timespec a{}, b{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
  for (uint64_t i = 0; i < kLen; i += 4096) static_cast<volatile uint8_t*>(m.p)[i] = 0;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
  double secs = static_cast<double>(b.tv_sec - a.tv_sec) + static_cast<double>(b.tv_nsec - a.tv_nsec) / 1e9;
  return secs * 1e6 / static_cast<double>(kLen / 4096);
}

std::string load_average() {
  std::string l = read_text("/proc/loadavg");
  std::istringstream in(l);
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

// Time on a CPU of every thread of PID (their /proc/PID/task/TID/schedstat
// first fields: the scheduler's own nanoseconds, not clock ticks).
uint64_t cpu_ns(pid_t pid) {
  const std::string dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) fail(errno_text("opendir " + dir));
  uint64_t sum = 0;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream in(dir + "/" + e->d_name + "/schedstat");
    uint64_t ns = 0;
    if (in >> ns) sum += ns;  // a thread that just ended has no file any more
  }
  closedir(d);
  return sum;
}

}  // namespace famfs::bench

// The harness of the service benchmarks (service_bench.cc): children and
// temporary files undone on exit or signal, famfsd and dbus-daemon processes,
// D-Bus proxies, and the memory helpers the benchmarks measure against.
#pragma once

#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

#include "famfs1_filesystem_proxy.h"
#include "famfs1_job_proxy.h"

#ifndef FAMFS_SOURCE_ROOT
#error "FAMFS_SOURCE_ROOT must be defined (tests/bench/meson.build does)"
#endif
#ifndef FAMFS_BUILD_ROOT
#error "FAMFS_BUILD_ROOT must be defined (tests/bench/meson.build does)"
#endif

namespace famfs::bench {

using Clock = std::chrono::steady_clock;
using Options = std::map<std::string, sdbus::Variant>;
constexpr uint64_t kMiB = 1ULL << 20, kGiB = 1ULL << 30;
constexpr const char* kObjectPath = "/org/famfs/Famfs1";
constexpr const char* kBusPrefix = "org.famfs.Famfs1.";

inline double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
inline double millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }
inline double gbps(uint64_t bytes, double secs) { return secs > 0 ? static_cast<double>(bytes) / secs / 1e9 : 0.0; }

struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] inline void fail(const std::string& what) { throw Failure(what); }

inline std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

// ---------------------------------------------------------------------------
// Everything to undo at the end. Kept in plain arrays so that the SIGINT/SIGTERM
// handler can kill the children and remove the files too.

constexpr int kMaxChildren = 32;
constexpr int kMaxTemps = 64;
constexpr size_t kPathMax = 512;

inline volatile pid_t g_children[kMaxChildren];
inline std::atomic<int> g_child_count{0};
inline char g_temps[kMaxTemps][kPathMax];
inline bool g_temp_is_dir[kMaxTemps];
inline std::atomic<int> g_temp_count{0};

int remember_child(pid_t pid);

inline void forget_child(int slot) { g_children[slot] = 0; }

void remember_temp(const std::string& path, bool is_dir);

// Removes one temporary file now (a device between phases).
void remove_temp(const std::string& path);

void remove_temps();

extern "C" void on_fatal_signal(int sig);

// Ends every child still running (famfsd first, the bus last: it was started
// first) and waits for it.
void kill_children();

// ---------------------------------------------------------------------------
// Files and processes

struct Paths {
  std::string famfsd = FAMFS_BUILD_ROOT "/famfsd/famfsd";
  std::string mkfs = FAMFS_BUILD_ROOT "/famfsd/tools/mkfs.famfs";
  std::string policy = FAMFS_SOURCE_ROOT "/dbus/org.famfs.Famfs1.conf";
  std::string idle_floor = FAMFS_BUILD_ROOT "/tests/bench/idle_floor";  // part 4's floor
};

inline std::string g_tmpdir;
inline std::string g_device_dir = "/dev/shm";  // where the emulated devices live (--device-dir)
inline pid_t g_bus_pid = -1;

void write_text(const std::string& path, const std::string& text);

std::string read_text(const std::string& path);

std::string tail_of(const std::string& path, size_t lines);

std::string new_uuid();

// Starts ARGV with stdout and stderr going to LOG; PASS_FD (if >= 0) becomes
// descriptor 3 of the child. The child dies with the bench (PR_SET_PDEATHSIG).
pid_t spawn(const std::vector<std::string>& argv, const std::string& log, int pass_fd = -1);

std::string describe_status(int status);

void run_tool(const std::vector<std::string>& argv, const std::string& log);

// An emulated device in /dev/shm: sparse (ftruncate) or backed by real pages
// (fallocate, so tmpfs allocation does not count in the copy).
std::string make_device(const std::string& tag, uint64_t size, bool preallocate);

// ---------------------------------------------------------------------------
// The private bus

struct Bus {
  pid_t pid = -1;
  int slot = -1;
  std::string address;
  std::string log;
};

Bus start_bus(const Paths& paths);

void check_bus_alive(const Bus& bus);

// ---------------------------------------------------------------------------
// famfsd processes

struct Famfsd {
  std::string instance;
  std::string bus_name;
  std::string log;
  std::string unique_name;  // on the bus, once it is there
  pid_t pid = -1;
  int slot = -1;
};

std::string write_config(const std::string& tag, int poll_interval_ms, bool allow_format = false);

Famfsd start_famfsd(const Paths& paths, const std::string& device, const std::string& instance,
                    const std::string& system_uuid, const std::string& config);

void check_alive(Famfsd& d);

std::string name_owner(sdbus::IConnection& conn, const std::string& name);

void wait_for_names(sdbus::IConnection& conn, std::vector<Famfsd*> daemons);

// SIGTERM must end famfsd cleanly (exit 0) within a few seconds.
void stop_famfsd(Famfsd& d);

// utime + stime of the whole process, in clock ticks.
uint64_t cpu_ticks(pid_t pid);
// CPU time of all of PID's threads in nanoseconds (schedstat: precise
// where clock ticks give 0.1% steps over 10 s).
uint64_t cpu_ns(pid_t pid);

// ---------------------------------------------------------------------------
// Proxies. Method calls go through the generated classes on a connection
// without an event loop (synchronous calls on the calling thread). Their signal
// handlers are deliberately not registered (no registerProxy()): signals are
// received through match rules on connections of their own, below.

class FilesystemProxy final : public sdbus::ProxyInterfaces<org::famfs::Famfs1::Filesystem_proxy> {
 public:
  FilesystemProxy(sdbus::IConnection& conn, std::string bus_name)
      : ProxyInterfaces(conn, std::move(bus_name), kObjectPath) {}
  ~FilesystemProxy() { unregisterProxy(); }
  // For asynchronous calls (several CopyIn calls in flight).
  sdbus::IProxy& proxy() { return getProxy(); }

 private:
  void onFileCreated(const std::string&, const uint64_t&) override {}
  void onDirectoryCreated(const std::string&) override {}
  void onFileRemoved(const std::string&) override {}
  void onDirectoryRemoved(const std::string&) override {}
  void onStateChanged(const std::string&, const std::string&) override {}
  void onHostAppeared(const std::string&, const std::string&, const std::string&) override {}
  void onHostStale(const std::string&, const std::string&, const uint64_t&) override {}
  void onMasterStopped(const std::string&, const std::string&, const uint64_t&) override {}
};

class JobProxy final : public sdbus::ProxyInterfaces<org::famfs::Famfs1::Job_proxy> {
 public:
  JobProxy(sdbus::IConnection& conn, std::string bus_name, std::string path)
      : ProxyInterfaces(conn, std::move(bus_name), std::move(path)) {}
  ~JobProxy() { unregisterProxy(); }

 private:
  void onCompleted(const bool&, const std::string&, const std::string&) override {}
};

// One connection with its own event-loop thread and one match rule; the
// handler runs on that thread.
class SignalListener {
 public:
  SignalListener(const std::string& rule, sdbus::message_handler handler) {
    conn_ = sdbus::createSystemBusConnection();
    slot_ = conn_->addMatch(rule, std::move(handler));
    conn_->enterEventLoopAsync();
  }
  ~SignalListener() {
    try {
      conn_->leaveEventLoop();
    } catch (...) {}
    slot_.reset();
    conn_.reset();
  }
  SignalListener(const SignalListener&) = delete;
  SignalListener& operator=(const SignalListener&) = delete;

 private:
  std::unique_ptr<sdbus::IConnection> conn_;
  sdbus::Slot slot_;
};

std::string signal_rule(const std::string& sender, const std::string& interface, const std::string& member);

// ---------------------------------------------------------------------------
// Memory helpers

struct Mapping {
  void* p = MAP_FAILED;
  size_t len = 0;
  Mapping() = default;
  Mapping(void* ptr, size_t n) : p(ptr), len(n) {}
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() {
    if (p != MAP_FAILED) munmap(p, len);
  }
  uint8_t* bytes() const { return static_cast<uint8_t*>(p); }
};

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

void fill_pattern(uint8_t* p, uint64_t len, uint64_t seed);

// Best of 3 copies of LEN bytes between two prefaulted buffers, in seconds.
double memcpy_best_seconds(uint64_t len);

// CPU time of the first write to each 4 KiB of a fresh MAP_SHARED mapping of
// the already allocated device file: the page-table fault famfsd pays on its
// own mapping of such a file (one per 4 KiB page on a tmpfs without huge
// pages). Microseconds per 4 KiB.
double page_fault_micros(const std::string& device);

std::string load_average();

}  // namespace famfs::bench

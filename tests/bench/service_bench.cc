// Service benchmarks (issue 3, "Numbers"): real famfsd processes on a private
// dbus-daemon whose configuration includes the shipped policy, emulated devices
// in /dev/shm (or --device-dir) formatted with mkfs.famfs.
//
//   1. CreateFile rate: 10,000 synchronous calls (zero=false), and 500 zeroed;
//      with the CPU each process (famfsd, dbus-daemon, caller) spends per call.
//   2. CopyIn of 1 GiB as a job, against memcpy bandwidth measured in the same
//      run; the file is read back with ReadFile and compared byte for byte.
//      Diagnostics: the cost of first touching a fresh mapping of the device
//      file, and the same CopyIn again once famfsd's mapping is populated.
//   3. Client visibility latency (master + 2 clients, 300 creates) and
//   4. idle CPU per daemon, for poll_interval_ms in {1, 5, 10, 20}, with the
//      host registry heartbeat at its default interval (1000 ms) running too,
//      against the floor measured in the same window: idle_floor, which
//      sleeps the way famfsd's loop does and does nothing at each wake-up
//      (CPU time from schedstat, in nanoseconds).
//   5. Master death: kill -9 of the master, then the time until each client's
//      MasterAlive turns false, from the kill and from the master's last beat
//      (3 rounds at the default heartbeat interval).
//   6. cp -r of 1,000 small files: one CopyIn per file (the old way) against
//      the batch (CopyIn commit=false + CommitFiles) and famfsctl cp -r, in
//      the same run (service_bench_cp.cc).
//
// Timing numbers never fail the run; wrong results do (bytes differ, a call
// fails, a daemon dies or does not stop cleanly). Needs root (the shipped
// policy lets only root own org.famfs.Famfs1.*); exits 77 (skipped) otherwise.
//
// Run: build/tests/bench/service_bench [--famfsd PATH] [--mkfs PATH] [--policy PATH] [--device-dir DIR]
//      [--poll-only] [--poll-intervals MS,MS,...]   (or: meson test -C build --benchmark service)
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

#include "bench_harness.h"
#include "bench_report.h"
#include "service_bench_parts.h"

namespace {

using namespace famfs::bench;  // NOLINT(google-build-using-namespace): the harness of this program

// ---------------------------------------------------------------------------
// 1. CreateFile rate

void bench_create(const Paths& paths, sdbus::IConnection& conn, Results& res) {
  const std::string master_uuid = new_uuid();
  const std::string dev = make_device("create", kCreateDevice, false);
  // 20,500 files: CreateFile and CreateFiles, 10,000 each, and the zeroed ones.
  run_tool({paths.mkfs, "--system-uuid", master_uuid, "--log-size", "32M", dev}, g_tmpdir + "/mkfs.log");
  Famfsd m = start_famfsd(paths, dev, "bench_create", master_uuid, write_config("create", 0));
  wait_for_names(conn, {&m});
  FilesystemProxy fs(conn, m.bus_name);
  if (fs.Role() != "master") fail("famfsd bench_create is not the master (Role " + fs.Role() + ")");

  auto create_many = [&](const std::string& prefix, int count, const Options& opts) {
    auto t0 = Clock::now();
    for (int i = 0; i < count; ++i) {
      std::string path = prefix + std::to_string(i);
      try {
        fs.CreateFile(path, kCreateSize, opts);
      } catch (const sdbus::Error& e) {
        check_alive(m);
        fail("CreateFile " + path + " failed: " + e.getName() + ": " + e.getMessage());
      }
    }
    return seconds(Clock::now() - t0);
  };

  // CPU each process spends per call: independent of other load on the machine.
  const pid_t who[3] = {m.pid, g_bus_pid, getpid()};
  uint64_t cpu_before[3], cpu_after[3];
  for (int k = 0; k < 3; ++k) cpu_before[k] = cpu_ticks(who[k]);
  res.create_secs = create_many("f", kCreateFiles, Options{{"zero", sdbus::Variant(false)}});
  for (int k = 0; k < 3; ++k) cpu_after[k] = cpu_ticks(who[k]);
  res.create_rate = kCreateFiles / res.create_secs;
  printf("[1] CreateFile (zero=false, 2 MiB): %d files in %.3f s -> %.0f files/s (target >= %.0f/s)\n", kCreateFiles,
         res.create_secs, res.create_rate, kTargetCreateRate);
  const double hz = static_cast<double>(sysconf(_SC_CLK_TCK));
  for (int k = 0; k < 3; ++k)
    res.create_cpu_us[k] = static_cast<double>(cpu_after[k] - cpu_before[k]) / hz * 1e6 / kCreateFiles;
  printf("[1] CPU per CreateFile call: famfsd %.0f us, dbus-daemon %.0f us, this client %.0f us (sum %.0f us)\n",
         res.create_cpu_us[0], res.create_cpu_us[1], res.create_cpu_us[2],
         res.create_cpu_us[0] + res.create_cpu_us[1] + res.create_cpu_us[2]);
  fflush(stdout);

  // The same 10,000 files through CreateFiles, kBatchItems per call, in the same run.
  for (int k = 0; k < 3; ++k) cpu_before[k] = cpu_ticks(who[k]);
  auto t0 = Clock::now();
  for (int begin = 0; begin < kCreateFiles; begin += kBatchItems) {
    std::vector<sdbus::Struct<std::string, uint64_t, Options>> items;
    for (int i = begin; i < std::min(kCreateFiles, begin + kBatchItems); ++i)
      items.emplace_back("b" + std::to_string(i), kCreateSize, Options{{"zero", sdbus::Variant(false)}});
    std::vector<sdbus::Struct<std::string, std::string>> results;
    try {
      results = fs.CreateFiles(items, {});
    } catch (const sdbus::Error& e) {
      check_alive(m);
      fail("CreateFiles failed: " + e.getName() + ": " + e.getMessage());
    }
    if (results.size() != items.size()) fail("CreateFiles answered " + std::to_string(results.size()) + " results");
    for (size_t i = 0; i < results.size(); ++i)
      if (!std::get<0>(results[i]).empty())
        fail("CreateFiles " + std::get<0>(items[i]) + ": " + std::get<0>(results[i]) + ": " + std::get<1>(results[i]));
  }
  res.batch_secs = seconds(Clock::now() - t0);
  for (int k = 0; k < 3; ++k) cpu_after[k] = cpu_ticks(who[k]);
  res.batch_rate = kCreateFiles / res.batch_secs;
  for (int k = 0; k < 3; ++k)
    res.batch_cpu_us[k] = static_cast<double>(cpu_after[k] - cpu_before[k]) / hz * 1e6 / kCreateFiles;
  printf(
      "[1] CreateFiles (zero=false, 2 MiB, %d per call): %d files in %.3f s -> %.0f files/s (target >= %.0f/s), "
      "%.2f x the single-call rate\n",
      kBatchItems, kCreateFiles, res.batch_secs, res.batch_rate, kTargetBatchRate, res.batch_rate / res.create_rate);
  printf("[1] CPU per file in CreateFiles: famfsd %.1f us, dbus-daemon %.1f us, this client %.1f us (sum %.1f us)\n",
         res.batch_cpu_us[0], res.batch_cpu_us[1], res.batch_cpu_us[2],
         res.batch_cpu_us[0] + res.batch_cpu_us[1] + res.batch_cpu_us[2]);
  fflush(stdout);

  res.create_zeroed_secs = create_many("z", kCreateZeroedFiles, Options{{"zero", sdbus::Variant(true)}});
  res.create_zeroed_rate = kCreateZeroedFiles / res.create_zeroed_secs;
  printf("[1] CreateFile (zero=true, 2 MiB):  %d files in %.3f s -> %.0f files/s (for the record)\n",
         kCreateZeroedFiles, res.create_zeroed_secs, res.create_zeroed_rate);
  fflush(stdout);

  // Every call must have left its file.
  const uint64_t want = 2 * kCreateFiles + kCreateZeroedFiles;
  if (fs.Files() != want)
    fail("Files is " + std::to_string(fs.Files()) + " after " + std::to_string(want) + " creates");
  auto listing = fs.ListDirectory("", {});  // the files and .meta, which every file system has
  if (listing.size() != want + 1)
    fail("ListDirectory lists " + std::to_string(listing.size()) + " entries, want " + std::to_string(want) +
         " files and .meta");
  for (const char* name : {"f9999", "b0", "b9999"}) {
    auto st = fs.Stat(name, {});
    if (st.at("size").get<uint64_t>() != kCreateSize) fail(std::string(name) + " has the wrong size");
  }
  // A zeroed file reads as zeros.
  Fd out(memfd_create("zeroed", MFD_CLOEXEC));
  if (out.fd < 0) fail(errno_text("memfd_create"));
  uint64_t n = fs.ReadFile("z7", sdbus::UnixFd(out.fd), {});
  if (n != kCreateSize) fail("ReadFile z7 returned " + std::to_string(n) + " bytes");
  Mapping zm(mmap(nullptr, kCreateSize, PROT_READ, MAP_SHARED, out.fd, 0), kCreateSize);
  if (zm.p == MAP_FAILED) fail(errno_text("mmap"));
  for (uint64_t i = 0; i < kCreateSize; ++i)
    if (zm.bytes()[i] != 0) fail("zeroed file z7 has a non-zero byte at offset " + std::to_string(i));

  stop_famfsd(m);
  remove_temp(dev);
}

// ---------------------------------------------------------------------------
// 3 + 4. Visibility latency and idle CPU, per poll interval

SweepResult bench_poll_interval(const Paths& paths, sdbus::IConnection& conn, int poll_ms, std::mt19937_64& rng) {
  SweepResult r;
  r.poll_ms = poll_ms;
  const std::string tag = "poll" + std::to_string(poll_ms);
  const std::string master_uuid = new_uuid();
  const std::string dev = make_device(tag, kSweepDevice, false);
  run_tool({paths.mkfs, "--system-uuid", master_uuid, dev}, g_tmpdir + "/mkfs.log");
  const std::string config = write_config(tag, poll_ms);
  Famfsd d[3] = {start_famfsd(paths, dev, tag + "_master", master_uuid, config),
                 start_famfsd(paths, dev, tag + "_client1", new_uuid(), config),
                 start_famfsd(paths, dev, tag + "_client2", new_uuid(), config)};
  wait_for_names(conn, {&d[0], &d[1], &d[2]});
  FilesystemProxy master(conn, d[0].bus_name);
  FilesystemProxy client1(conn, d[1].bus_name);
  FilesystemProxy client2(conn, d[2].bus_name);
  if (master.Role() != "master") fail(d[0].instance + " is not the master");
  if (client1.Role() != "client" || client2.Role() != "client") fail("the clients do not have the client role");
  for (FilesystemProxy* p : {&master, &client1, &client2}) {
    if (p->PollIntervalMs() != static_cast<uint32_t>(poll_ms))
      fail("PollIntervalMs is " + std::to_string(p->PollIntervalMs()) + ", configured " + std::to_string(poll_ms));
    if (p->HeartbeatIntervalMs() != kDefaultHeartbeatMs)
      fail("HeartbeatIntervalMs is " + std::to_string(p->HeartbeatIntervalMs()) + ", the default is " +
           std::to_string(kDefaultHeartbeatMs));
  }

  // 4. Idle CPU: let start-up settle, then 10 s of nothing, with the floor
  // (the same wait, nothing done at each wake-up) measured in the same window.
  const std::string floor_log = g_tmpdir + "/idle_floor-" + tag + ".log";
  remember_temp(floor_log, false);
  pid_t floor_pid = spawn({paths.idle_floor, std::to_string(poll_ms)}, floor_log);
  const int floor_slot = remember_child(floor_pid);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const pid_t measured[4] = {d[0].pid, d[1].pid, d[2].pid, floor_pid};
  uint64_t before[4];
  for (int k = 0; k < 4; ++k) before[k] = cpu_ns(measured[k]);
  auto i0 = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(kIdleSeconds));
  uint64_t after[4];
  for (int k = 0; k < 4; ++k) after[k] = cpu_ns(measured[k]);
  double elapsed = seconds(Clock::now() - i0);
  for (int k = 0; k < 3; ++k) {
    check_alive(d[k]);
    r.idle_cpu[k] = static_cast<double>(after[k] - before[k]) / 1e9 / elapsed * 100.0;
  }
  r.floor_cpu = static_cast<double>(after[3] - before[3]) / 1e9 / elapsed * 100.0;
  kill(floor_pid, SIGTERM);
  int floor_status = 0;
  waitpid(floor_pid, &floor_status, 0);
  forget_child(floor_slot);
  if (!WIFEXITED(floor_status) || WEXITSTATUS(floor_status) != 0)
    fail("idle_floor " + std::to_string(poll_ms) + " ended with " + describe_status(floor_status) + ":\n" +
         tail_of(floor_log, 5));
  printf(
      "[4] idle CPU, poll %2d ms + heartbeat %u ms (%.0f s): master %.2f%%, client1 %.2f%%, client2 %.2f%% of "
      "one core (target <= %.0f%% each); floor %.2f%% (idle_floor: the same wait every %d ms, nothing done), "
      "clients %.2f / %.2f x the floor\n",
      poll_ms, kDefaultHeartbeatMs, elapsed, r.idle_cpu[0], r.idle_cpu[1], r.idle_cpu[2], kTargetIdleCpuPercent,
      r.floor_cpu, poll_ms, r.floor_ratio(1), r.floor_ratio(2));
  fflush(stdout);

  // 3. Visibility: each client's FileCreated on a connection and thread of its own.
  std::mutex mu;
  std::condition_variable cv;
  std::map<std::string, Clock::time_point> seen[2];
  std::vector<std::unique_ptr<SignalListener>> listeners;
  for (int c = 0; c < 2; ++c) {
    listeners.push_back(std::make_unique<SignalListener>(
        signal_rule(d[c + 1].unique_name, org::famfs::Famfs1::Filesystem_proxy::INTERFACE_NAME, "FileCreated"),
        [&, c](sdbus::Message& msg) {
          auto at = Clock::now();
          try {
            std::string path;
            uint64_t size = 0;
            msg >> path >> size;
            std::lock_guard<std::mutex> lock(mu);
            seen[c].emplace(path, at);
          } catch (...) {}
          cv.notify_all();
        }));
  }

  std::uniform_real_distribution<double> spacing(0.0, kMaxSpacingMs);
  std::vector<double> lat_every, lat_client[2];
  const Options no_zero{{"zero", sdbus::Variant(false)}};
  for (int i = 0; i < kVisibilityCreates; ++i) {
    const std::string path = "v" + std::to_string(i);
    auto t0 = Clock::now();  // before the call: the latency includes the call itself
    try {
      master.CreateFile(path, kCreateSize, no_zero);
    } catch (const sdbus::Error& e) {
      check_alive(d[0]);
      fail("CreateFile " + path + " failed: " + e.getName() + ": " + e.getMessage());
    }
    Clock::time_point at[2];
    {
      std::unique_lock<std::mutex> lock(mu);
      auto deadline = t0 + std::chrono::seconds(5);
      bool both = cv.wait_until(lock, deadline, [&] { return seen[0].count(path) && seen[1].count(path); });
      if (!both) {
        lock.unlock();
        for (int k = 0; k < 3; ++k) check_alive(d[k]);
        fail("poll " + std::to_string(poll_ms) + " ms: " + path + " did not reach " +
             (seen[0].count(path) ? d[2].instance : d[1].instance) + " within 5 s");
      }
      at[0] = seen[0][path];
      at[1] = seen[1][path];
    }
    for (int c = 0; c < 2; ++c) lat_client[c].push_back(millis(at[c] - t0));
    lat_every.push_back(millis(std::max(at[0], at[1]) - t0));
    std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(spacing(rng)));
  }
  listeners.clear();
  for (FilesystemProxy* p : {&client1, &client2})
    if (p->Files() != static_cast<uint64_t>(kVisibilityCreates))
      fail("a client lists " + std::to_string(p->Files()) + " files, the master created " +
           std::to_string(kVisibilityCreates));

  r.every = percentiles(lat_every);
  r.client[0] = percentiles(lat_client[0]);
  r.client[1] = percentiles(lat_client[1]);
  printf(
      "[3] visibility, poll %2d ms (%d creates): on every client p50 %.2f ms, p99 %.2f ms, max %.2f ms "
      "(client1 p50/p99 %.2f/%.2f, client2 %.2f/%.2f; target p99 <= %.0f ms)\n",
      poll_ms, kVisibilityCreates, r.every.p50, r.every.p99, r.every.max, r.client[0].p50, r.client[0].p99,
      r.client[1].p50, r.client[1].p99, kTargetP99Ms);
  fflush(stdout);

  for (int k = 2; k >= 0; --k) stop_famfsd(d[k]);
  remove_temp(dev);
  return r;
}

// ---------------------------------------------------------------------------
// 5. Master death -> MasterAlive false on the clients

void bench_master_death(const Paths& paths, sdbus::IConnection& conn, Results& res) {
  const std::string master_uuid = new_uuid();
  const std::string dev = make_device("death", kSweepDevice, false);
  run_tool({paths.mkfs, "--system-uuid", master_uuid, dev}, g_tmpdir + "/mkfs.log");
  const std::string config = write_config("death", 0);
  Famfsd clients[2] = {start_famfsd(paths, dev, "death_client1", new_uuid(), config),
                       start_famfsd(paths, dev, "death_client2", new_uuid(), config)};
  wait_for_names(conn, {&clients[0], &clients[1]});
  FilesystemProxy c1(conn, clients[0].bus_name), c2(conn, clients[1].bus_name);
  FilesystemProxy* cp[2] = {&c1, &c2};
  auto wall_us = [] {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
  };
  for (int round = 0; round < kDeathRounds; ++round) {
    Famfsd m = start_famfsd(paths, dev, "death_master", master_uuid, config);
    wait_for_names(conn, {&m});
    auto deadline = Clock::now() + std::chrono::seconds(20);
    while (!(c1.MasterAlive() && c2.MasterAlive())) {
      if (Clock::now() > deadline) fail("the clients never saw the master alive");
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    // Kill right after a beat would be the worst case; a random phase is the honest one.
    std::this_thread::sleep_for(std::chrono::milliseconds(1500 + round * 333));
    const uint64_t last_beat = std::max(c1.MasterLastSeen(), c2.MasterLastSeen());
    const uint64_t killed_wall = wall_us();
    const auto killed = Clock::now();
    kill(m.pid, SIGKILL);
    int status = 0;
    waitpid(m.pid, &status, 0);
    forget_child(m.slot);
    m.pid = -1;
    bool done[2] = {false, false};
    deadline = Clock::now() + std::chrono::seconds(30);
    while (!(done[0] && done[1])) {
      for (int k = 0; k < 2; ++k) {
        if (done[k] || cp[k]->MasterAlive()) continue;
        done[k] = true;
        const uint64_t now = wall_us();
        res.death.from_kill_ms.push_back(millis(Clock::now() - killed));
        res.death.from_last_beat_ms.push_back(static_cast<double>(now - std::min(now, last_beat)) / 1000.0);
      }
      for (int k = 0; k < 2; ++k) check_alive(clients[k]);
      if (Clock::now() > deadline) fail("a client still reports MasterAlive 30 s after the master was killed");
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    printf(
        "[5] master death, round %d: MasterAlive false on client1 %.0f ms, client2 %.0f ms after the kill "
        "(last beat %.0f ms before the kill)\n",
        round + 1, res.death.from_kill_ms[res.death.from_kill_ms.size() - 2], res.death.from_kill_ms.back(),
        static_cast<double>(killed_wall - std::min(killed_wall, last_beat)) / 1000.0);
    fflush(stdout);
  }
  for (int k = 1; k >= 0; --k) stop_famfsd(clients[k]);
  remove_temp(dev);
}

void usage(FILE* out) {
  fputs(
      "Usage: service_bench [--famfsd PATH] [--mkfs PATH] [--policy PATH] [--device-dir DIR] [--create-only | "
      "--copy-only | --cp-only | --poll-only] [--poll-intervals MS,MS,...]\n"
      "Measures famfsd through a private dbus-daemon: CreateFile rate, CopyIn bandwidth\n"
      "against memcpy, client visibility latency and idle CPU per poll interval (with the\n"
      "host registry heartbeat), and the time from master death to MasterAlive false.\n"
      "The emulated devices are files in DIR (default /dev/shm; e.g. a tmpfs mounted\n"
      "with huge=always to see the effect of 2 MiB pages). --create-only runs only the\n"
      "CreateFile and CreateFiles rates, --copy-only only CopyIn against memcpy, --cp-only\n"
      "only cp -r of 1,000 small files one CopyIn at a time against the batch (CommitFiles),\n"
      "--poll-only only client visibility latency and idle CPU per poll interval (each\n"
      "beside idle_floor, the same idle wait doing nothing, whose CPU is the floor).\n"
      "--poll-intervals sets the intervals of that sweep (default 1,5,10,20).\n"
      "Needs root. Exit status: 0 all results correct (timings never fail), 1 a wrong\n"
      "result or a failure, 2 usage, 77 skipped (not root, no dbus-daemon).\n",
      out);
}

}  // namespace

int main(int argc, char** argv) {
  Paths paths;
  bool create_only = false, copy_only = false, cp_only = false, poll_only = false;
  std::vector<int> intervals(std::begin(kPollIntervals), std::end(kPollIntervals));
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        usage(stderr);
        exit(2);
      }
      return argv[++i];
    };
    if (a == "--famfsd")
      paths.famfsd = value();
    else if (a == "--mkfs")
      paths.mkfs = value();
    else if (a == "--policy")
      paths.policy = value();
    else if (a == "--device-dir")
      g_device_dir = value();
    else if (a == "--create-only")
      create_only = true;
    else if (a == "--copy-only")
      copy_only = true;
    else if (a == "--cp-only")
      cp_only = true;
    else if (a == "--poll-only")
      poll_only = true;
    else if (a == "--poll-intervals") {
      intervals.clear();
      std::stringstream list(value());
      std::string item;
      while (std::getline(list, item, ',')) {
        char* end = nullptr;
        long ms = strtol(item.c_str(), &end, 10);
        if (item.empty() || *end != '\0' || ms < 1 || ms > 60'000) {
          fprintf(stderr, "service_bench: --poll-intervals: '%s' is not a number of milliseconds (1..60000)\n",
                  item.c_str());
          return 2;
        }
        intervals.push_back(static_cast<int>(ms));
      }
      if (intervals.empty()) {
        usage(stderr);
        return 2;
      }
    } else if (a == "-h" || a == "--help") {
      usage(stdout);
      return 0;
    } else {
      usage(stderr);
      return 2;
    }
  }
  setvbuf(stdout, nullptr, _IOLBF, 0);
  if (geteuid() != 0) {
    printf("service_bench: skipped: needs root (the shipped policy lets only root own org.famfs.Famfs1.*)\n");
    return 77;
  }
  if (access("/usr/bin/dbus-daemon", X_OK) != 0) {
    printf("service_bench: skipped: /usr/bin/dbus-daemon is missing\n");
    return 77;
  }
  for (const std::string& p : {paths.famfsd, paths.mkfs, paths.idle_floor})
    if (access(p.c_str(), X_OK) != 0) {
      fprintf(stderr, "service_bench: %s is not executable (build first, or pass --famfsd/--mkfs)\n", p.c_str());
      return 1;
    }

  struct sigaction sa {};
  sa.sa_handler = on_fatal_signal;
  sigemptyset(&sa.sa_mask);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaction(s, &sa, nullptr);
  unsetenv("NOTIFY_SOCKET");
  unsetenv("WATCHDOG_USEC");
  unsetenv("WATCHDOG_PID");

  const auto start = Clock::now();
  Results res;
  int rc = 0;
  Bus bus;
  try {
    char tmpl[] = "/tmp/famfs-service-bench-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) fail(errno_text("mkdtemp"));
    g_tmpdir = tmpl;
    remember_temp(g_tmpdir, true);

    bus = start_bus(paths);
    setenv("DBUS_SYSTEM_BUS_ADDRESS", bus.address.c_str(), 1);  // famfsd and our connections
    printf("service_bench: private bus %s (policy %s), devices in %s\n", bus.address.c_str(), paths.policy.c_str(),
           g_device_dir.c_str());
    auto conn = sdbus::createSystemBusConnection();

    res.load_before = load_average();
    const std::string famfsctl = FAMFS_BUILD_ROOT "/cli/famfsctl";
    if (cp_only) {
      bench_cp_tree(paths, *conn, famfsctl);
      check_bus_alive(bus);
      printf("result: all checks passed (--cp-only: cp -r of 1,000 small files only)\n");
      conn.reset();
      kill_children();
      remove_temps();
      return 0;
    }
    if (copy_only) {
      bench_copy(paths, *conn, res);
      check_bus_alive(bus);
      printf("result: all checks passed (--copy-only: CopyIn against memcpy only)\n");
      conn.reset();
      kill_children();
      remove_temps();
      return 0;
    }
    std::random_device rd;
    std::mt19937_64 rng((static_cast<uint64_t>(rd()) << 32) ^ rd());
    if (poll_only) {
      for (int poll_ms : intervals) {
        res.sweep.push_back(bench_poll_interval(paths, *conn, poll_ms, rng));
        check_bus_alive(bus);
      }
      print_sweep(res);
      printf("result: all checks passed (--poll-only: visibility latency and idle CPU only)\n");
      conn.reset();
      kill_children();
      remove_temps();
      return 0;
    }
    bench_create(paths, *conn, res);
    check_bus_alive(bus);
    if (create_only) {
      printf("result: all checks passed (--create-only: CreateFile and CreateFiles only)\n");
      conn.reset();
      kill_children();
      remove_temps();
      return 0;
    }
    bench_copy(paths, *conn, res);
    check_bus_alive(bus);
    bench_cp_tree(paths, *conn, famfsctl);
    check_bus_alive(bus);
    for (int poll_ms : intervals) {
      res.sweep.push_back(bench_poll_interval(paths, *conn, poll_ms, rng));
      check_bus_alive(bus);
    }
    bench_master_death(paths, *conn, res);
    check_bus_alive(bus);
    conn.reset();
    res.load_after = load_average();
    print_summary(res, seconds(Clock::now() - start));
  } catch (const Failure& e) {
    fprintf(stderr, "service_bench: FAILED: %s\n", e.what());
    rc = 1;
  } catch (const sdbus::Error& e) {
    fprintf(stderr, "service_bench: FAILED: D-Bus error %s: %s\n", e.getName().c_str(), e.getMessage().c_str());
    rc = 1;
  } catch (const std::exception& e) {
    fprintf(stderr, "service_bench: FAILED: %s\n", e.what());
    rc = 1;
  }
  if (rc != 0 && !g_tmpdir.empty()) {
    // The daemons' own words, before the logs go away.
    for (int i = 0; i < g_temp_count.load(); ++i) {
      std::string p = g_temps[i];
      if (p.size() > 4 && p.compare(p.size() - 4, 4, ".log") == 0) {
        std::string t = tail_of(p, 8);
        if (!t.empty()) fprintf(stderr, "---- %s\n%s", p.c_str(), t.c_str());
      }
    }
  }
  kill_children();
  remove_temps();
  return rc;
}

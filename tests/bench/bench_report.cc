#include "bench_report.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace famfs::bench {

// Nearest-rank percentiles.
Percentiles percentiles(std::vector<double> v) {
  Percentiles r;
  if (v.empty()) return r;
  std::sort(v.begin(), v.end());
  auto rank = [&](double q) {
    size_t k = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
    return v[std::min(v.size() - 1, k == 0 ? 0 : k - 1)];
  };
  r.p50 = rank(0.50);
  r.p99 = rank(0.99);
  r.max = v.back();
  return r;
}

void print_sweep(const Results& res) {
  printf(
      "poll_ms | visible on every client p50 / p99 / max (ms) | idle CPU %% master / client1 / client2 "
      "(heartbeat %u ms) | floor %% | clients / floor\n",
      kDefaultHeartbeatMs);
  for (const SweepResult& s : res.sweep)
    printf("%7d | %10.2f / %6.2f / %6.2f %s | %6.2f / %6.2f / %6.2f %s | %7.2f | %.2f / %.2f\n", s.poll_ms, s.every.p50,
           s.every.p99, s.every.max, s.every.p99 <= kTargetP99Ms ? "  ok  " : "MISSED", s.idle_cpu[0], s.idle_cpu[1],
           s.idle_cpu[2], s.idle_cpu_max() <= kTargetIdleCpuPercent ? "ok" : "MISSED", s.floor_cpu, s.floor_ratio(1),
           s.floor_ratio(2));
  for (const SweepResult& s : res.sweep)
    if (s.idle_cpu_max() > kTargetIdleCpuPercent && s.floor_cpu > kTargetIdleCpuPercent)
      printf(
          "  poll %d ms: the wake-ups alone (idle_floor, nothing done) cost %.2f%% here, above the %.0f%% target: "
          "no daemon polling this often can meet it on this machine\n",
          s.poll_ms, s.floor_cpu, kTargetIdleCpuPercent);
  int best = -1;
  for (const SweepResult& s : res.sweep)
    if (s.every.p99 <= kTargetP99Ms && s.idle_cpu_max() <= kTargetIdleCpuPercent) best = std::max(best, s.poll_ms);
  if (best > 0)
    printf(
        "recommendation: poll_interval_ms = %d (largest interval with p99 <= %.0f ms and idle CPU <= %.0f%% per "
        "daemon; the default is 10)\n",
        best, kTargetP99Ms, kTargetIdleCpuPercent);
  else
    printf(
        "recommendation: none of the measured intervals meets both p99 <= %.0f ms and idle CPU <= %.0f%% per "
        "daemon (the default is 10)\n",
        kTargetP99Ms, kTargetIdleCpuPercent);
}

void print_summary(const Results& res, double total_secs) {
  printf("\n==== service_bench summary ====\n");
  printf("CreateFile, 10,000 x 2 MiB, zero=false : %8.0f files/s   (target >= %.0f) %s\n", res.create_rate,
         kTargetCreateRate, res.create_rate >= kTargetCreateRate ? "met" : "MISSED");
  printf("  CPU per call: famfsd %.0f us, dbus-daemon %.0f us, client %.0f us\n", res.create_cpu_us[0],
         res.create_cpu_us[1], res.create_cpu_us[2]);
  printf("CreateFiles, 10,000 x 2 MiB, %d/call  : %8.0f files/s   (target >= %.0f) %s, %.2f x CreateFile\n",
         kBatchItems, res.batch_rate, kTargetBatchRate, res.batch_rate >= kTargetBatchRate ? "ok" : "MISSED",
         res.batch_rate / res.create_rate);
  printf("  CPU per file: famfsd %.1f us, dbus-daemon %.1f us, client %.1f us\n", res.batch_cpu_us[0],
         res.batch_cpu_us[1], res.batch_cpu_us[2]);
  printf("CreateFile, 500 x 2 MiB, zeroed        : %8.0f files/s   (for the record)\n", res.create_zeroed_rate);
  const double ratio = res.memcpy_gbps > 0 ? res.copyin_gbps / res.memcpy_gbps : 0;
  printf("memcpy 1 GiB (best of 3)               : %8.2f GB/s\n", res.memcpy_gbps);
  printf("CopyIn 1 GiB (job, until Completed)    : %8.2f GB/s     ratio %.2f (target >= %.2f) %s\n", res.copyin_gbps,
         ratio, kTargetCopyRatio, ratio >= kTargetCopyRatio ? "met" : "MISSED");
  printf("CopyIn 1 GiB, device mapping warm      : %8.2f GB/s     ratio %.2f (diagnostic)\n", res.copyin_warm_gbps,
         res.memcpy_gbps > 0 ? res.copyin_warm_gbps / res.memcpy_gbps : 0);
  printf("fresh device mapping, first write/4 KiB: %8.2f us CPU\n", res.fault_us);
  if (ratio < kTargetCopyRatio)
    printf(
        "  (an emulated device in 4 KiB pages: their page tables alone are a large part of the copy, see README;"
        " the devdax figure with 2 MiB pages is tests/vm's famfsd_bench CopyIn line)\n");
  printf("ReadFile 1 GiB into a fresh memfd      : %8.2f GB/s     (bytes verified)\n", res.readfile_gbps);
  print_sweep(res);
  if (!res.death.from_kill_ms.empty()) {
    auto worst = [](const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); };
    auto mean = [](const std::vector<double>& v) {
      double s = 0;
      for (double x : v) s += x;
      return s / static_cast<double>(v.size());
    };
    printf(
        "master death -> MasterAlive false      : mean %.0f ms, max %.0f ms after the kill; max %.0f ms = %.2f "
        "heartbeats after the last beat (heartbeat %u ms; target <= 3 heartbeats) %s\n",
        mean(res.death.from_kill_ms), worst(res.death.from_kill_ms), worst(res.death.from_last_beat_ms),
        worst(res.death.from_last_beat_ms) / kDefaultHeartbeatMs, kDefaultHeartbeatMs,
        worst(res.death.from_last_beat_ms) <= 3.0 * kDefaultHeartbeatMs ? "met" : "MISSED");
  }
  printf("load average (1/5/15 min) at start: %s, at end: %s, on %ld CPUs\n", res.load_before.c_str(),
         res.load_after.c_str(), sysconf(_SC_NPROCESSORS_ONLN));
  printf("total run time: %.1f s\n", total_secs);
  printf("result: all checks passed\n");
}

}  // namespace famfs::bench

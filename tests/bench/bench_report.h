// What the service benchmarks measure and how they report it: the issue's
// workload sizes and targets, the results of a run, and its summary.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench_harness.h"

namespace famfs::bench {

// Workload sizes (the numbers).
constexpr int kCreateFiles = 10'000;
constexpr int kCreateZeroedFiles = 500;
constexpr int kBatchItems = 1000;  // files per CreateFiles call
constexpr uint64_t kCreateSize = 2 * kMiB;
constexpr uint64_t kCreateDevice = 64 * kGiB;  // sparse
constexpr uint64_t kCopySize = 1 * kGiB;
constexpr uint64_t kCopyDevice = 3 * kGiB;  // preallocated
constexpr int kVisibilityCreates = 300;
constexpr uint64_t kSweepDevice = 2 * kGiB;  // sparse; 300 x 2 MiB without zeroing
constexpr int kPollIntervals[] = {1, 5, 10, 20};
constexpr double kIdleSeconds = 10.0;
constexpr double kMaxSpacingMs = 25.0;
constexpr int kDeathRounds = 3;
constexpr uint32_t kDefaultHeartbeatMs = 1000;

// Targets (printed, never enforced).
constexpr double kTargetCreateRate = 5000.0;
constexpr double kTargetBatchRate = 20000.0;
constexpr double kTargetCopyRatio = 0.70;
constexpr double kTargetP99Ms = 50.0;
constexpr double kTargetIdleCpuPercent = 1.0;

// ---------------------------------------------------------------------------
// Results

struct Percentiles {
  double p50 = 0, p99 = 0, max = 0;
};

// Nearest-rank percentiles.
Percentiles percentiles(std::vector<double> v);

struct SweepResult {
  int poll_ms = 0;
  Percentiles every;               // until both clients have the file
  Percentiles client[2];           // each client alone
  double idle_cpu[3] = {0, 0, 0};  // master, client1, client2: % of one core
  double floor_cpu = 0;            // idle_floor in the same window: the wake-ups alone
  double idle_cpu_max() const { return std::max({idle_cpu[0], idle_cpu[1], idle_cpu[2]}); }
  // Daemon K's idle CPU over the floor's (0 when the floor measured nothing).
  double floor_ratio(int k) const { return floor_cpu > 0 ? idle_cpu[k] / floor_cpu : 0; }
};

struct DeathResult {
  std::vector<double> from_kill_ms;       // per client and round
  std::vector<double> from_last_beat_ms;  // per client and round
};

struct Results {
  double create_rate = 0, create_secs = 0;
  double create_zeroed_rate = 0, create_zeroed_secs = 0;
  double create_cpu_us[3] = {0, 0, 0};  // famfsd, dbus-daemon, the bench: CPU per call
  double batch_rate = 0, batch_secs = 0;
  double batch_cpu_us[3] = {0, 0, 0};  // the same, per file created through CreateFiles
  double memcpy_gbps = 0, copyin_gbps = 0, copyin_secs = 0, readfile_gbps = 0;
  double fault_us = 0, copyin_warm_gbps = 0, copyin_warm_secs = 0;
  std::string load_before, load_after;
  std::vector<SweepResult> sweep;
  DeathResult death;
};

// Prints the summary of RES (TOTAL_SECS: the whole run) with each target met or missed.
void print_summary(const Results& res, double total_secs);
// The poll interval table of the summary (also --poll-only's).
void print_sweep(const Results& res);

}  // namespace famfs::bench

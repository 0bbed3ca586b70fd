// The progress line `cp` draws on a terminal while famfsd copies, and the
// rate it shows. Rendering is pure; drawing is the caller's.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <utility>

namespace famfs::cli {

// Copy throughput over the last few seconds of samples, so the shown rate
// follows changes without jumping on every sample.
class RateMeter {
 public:
  explicit RateMeter(double window_seconds = 3.0) : window_(window_seconds) {}
  // Records that BYTES were done at SECONDS (monotonic).
  void add(double seconds, uint64_t bytes);
  // Bytes per second over the window; 0 until two samples are apart in time.
  double rate() const;

 private:
  double window_;
  std::deque<std::pair<double, uint64_t>> samples_;
};

// What one progress line shows.
struct ProgressSnapshot {
  std::string label;  // the famfs path being written
  uint64_t done = 0;
  uint64_t total = 0;
  double rate = 0;  // bytes per second
};

// One line of at most WIDTH columns (no newline, no '\r'):
// "label  42% [#########           ] 1.7 GiB / 4.0 GiB  850.0 MiB/s".
// The bar takes the room left; the label is shortened (with a leading "...")
// when the line would not fit.
std::string render_progress(const ProgressSnapshot& snapshot, int width);

}  // namespace famfs::cli

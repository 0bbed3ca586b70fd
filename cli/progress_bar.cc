#include "progress_bar.h"

#include <algorithm>

#include "output.h"

namespace famfs::cli {

void RateMeter::add(double seconds, uint64_t bytes) {
  samples_.emplace_back(seconds, bytes);
  while (samples_.size() > 2 && samples_.back().first - samples_[1].first >= window_) samples_.pop_front();
}

double RateMeter::rate() const {
  if (samples_.size() < 2) return 0;
  const auto& [t0, b0] = samples_.front();
  const auto& [t1, b1] = samples_.back();
  if (t1 <= t0 || b1 < b0) return 0;
  return static_cast<double>(b1 - b0) / (t1 - t0);
}

std::string render_progress(const ProgressSnapshot& s, int width) {
  width = std::max(width, 20);
  uint64_t done = std::min(s.done, s.total);
  int percent = s.total == 0 ? 100 : static_cast<int>(static_cast<long double>(done) * 100 / s.total);
  std::string pct = std::to_string(percent) + "%";
  pct.insert(0, 4 - std::min<size_t>(4, pct.size()), ' ');
  std::string tail = " " + human_size(done) + " / " + human_size(s.total) + "  " + human_rate(s.rate);

  // label  pct [bar] tail: give the bar at least 10 columns, then the label what is left.
  constexpr int kMinBar = 10;
  int fixed = static_cast<int>(pct.size() + tail.size()) + 3;  // " [" + "]"
  int label_room = width - fixed - kMinBar - 2;                // "  " after the label
  std::string label = s.label;
  if (label_room < 4) {
    label.clear();
  } else if (static_cast<int>(label.size()) > label_room) {
    label = "..." + label.substr(label.size() - static_cast<size_t>(label_room - 3));
  }
  std::string head = label.empty() ? "" : label + "  ";
  int bar_width = width - static_cast<int>(head.size()) - fixed;
  if (bar_width < kMinBar) {  // too narrow for everything: percentage and bytes only
    std::string line = head + pct + tail;
    return line.substr(0, static_cast<size_t>(width));
  }
  int filled = s.total == 0 ? bar_width : static_cast<int>(static_cast<long double>(done) * bar_width / s.total);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.append(static_cast<size_t>(bar_width - filled), ' ');
  return head + pct + " [" + bar + "]" + tail;
}

}  // namespace famfs::cli

#include "progress_bar.h"

#include <gtest/gtest.h>

namespace famfs::cli {
namespace {

TEST(CliProgressBar, ShowsPercentBarBytesAndRate) {
  ProgressSnapshot s{"data/big.bin", 1ull << 30, 4ull << 30, 512.0 * (1 << 20)};
  std::string line = render_progress(s, 80);
  EXPECT_EQ(line.size(), 80u) << line;
  EXPECT_EQ(line.rfind("data/big.bin   25% [", 0), 0u) << line;
  EXPECT_NE(line.find("] 1 GiB / 4 GiB  512 MiB/s"), std::string::npos) << line;
  size_t open = line.find('['), close = line.find(']');
  std::string bar = line.substr(open + 1, close - open - 1);
  size_t filled = bar.find_first_not_of('#');
  EXPECT_EQ(filled, bar.size() / 4) << bar;
}

TEST(CliProgressBar, FullAndEmpty) {
  std::string done = render_progress({"f", 100, 100, 0}, 60);
  EXPECT_NE(done.find("100% [###"), std::string::npos) << done;
  EXPECT_EQ(done.find(' ', done.find('[')), done.find(']') + 1) << "bar fully filled: " << done;
  std::string start = render_progress({"f", 0, 100, 0}, 60);
  EXPECT_NE(start.find("  0% [ "), std::string::npos) << start;
  std::string zero_total = render_progress({"f", 0, 0, 0}, 60);
  EXPECT_NE(zero_total.find("100%"), std::string::npos);
}

TEST(CliProgressBar, LongLabelsAreShortenedFromTheLeft) {
  std::string label(200, 'x');
  label += "/tail.bin";
  std::string line = render_progress({label, 5, 10, 0}, 80);
  EXPECT_LE(line.size(), 80u);
  EXPECT_EQ(line.rfind("...", 0), 0u) << line;
  EXPECT_NE(line.find("tail.bin"), std::string::npos);
  EXPECT_NE(line.find(" 50% ["), std::string::npos);
}

TEST(CliProgressBar, NarrowTerminalsStillGetPercentAndBytes) {
  std::string line = render_progress({"some/file", 1 << 20, 2 << 20, 0}, 20);
  EXPECT_LE(line.size(), 20u) << line;
  EXPECT_NE(line.find("50%"), std::string::npos) << line;
}

TEST(CliProgressBar, DoneBeyondTotalIsClamped) {
  std::string line = render_progress({"f", 200, 100, 0}, 60);
  EXPECT_NE(line.find("100%"), std::string::npos);
}

TEST(CliRateMeter, RateOverTheWindow) {
  RateMeter m(2.0);
  EXPECT_EQ(m.rate(), 0);
  m.add(0.0, 0);
  EXPECT_EQ(m.rate(), 0);
  m.add(1.0, 100);
  EXPECT_DOUBLE_EQ(m.rate(), 100);
  m.add(2.0, 300);
  EXPECT_DOUBLE_EQ(m.rate(), 150);
  // Older samples fall out: the rate follows the recent speed.
  for (int t = 3; t <= 10; ++t) m.add(t, 300 + (t - 2) * 1000);
  EXPECT_NEAR(m.rate(), 1000, 1e-9);
}

}  // namespace
}  // namespace famfs::cli

// Transfers without a bus: an Instance on a /dev/shm device and a real
// WorkerPool. Source and destination checks, the ReadFile range, CopyIn's
// copy-then-commit and its clean-up on every failure, ReadFile's end when
// the caller leaves.
#include "service/transfer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

#include "service/shm_device_fixture.h"

namespace famfs::service {
namespace {

using testing::kMiB;

// A memfd holding BYTES (the source of a copy).
int memfd_with(const std::string& bytes) {
  int fd = memfd_create("transfer-test", MFD_CLOEXEC);
  if (fd >= 0 && write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) {
    close(fd);
    return -1;
  }
  return fd;
}

std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('A' + i % 51);
  return s;
}

TEST(TransferChecksTest, SourceMustBeARegularFileOpenForReading) {
  int fd = memfd_with("abc");
  ASSERT_GE(fd, 0);
  auto size = copy_source_size(fd);
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, 3u);
  close(fd);
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  auto piped = copy_source_size(p[0]);
  ASSERT_FALSE(piped.ok());
  EXPECT_EQ(piped.error().code(), Errc::invalid_argument);
  EXPECT_NE(piped.error().message().find("regular file or memfd"), std::string::npos);
  close(p[0]);
  close(p[1]);
  char name[] = "/tmp/famfs-transfer-XXXXXX";
  int w = mkstemp(name);
  ASSERT_GE(w, 0);
  int wo = open(name, O_WRONLY | O_CLOEXEC);
  int path_only = open(name, O_PATH | O_CLOEXEC);
  unlink(name);
  EXPECT_EQ(copy_source_size(wo).error().message(), "the source is not open for reading");
  EXPECT_EQ(copy_source_size(path_only).error().message(), "the source is not open for reading")
      << "O_PATH passes fstat but cannot be read";
  EXPECT_EQ(copy_source_size(-1).error().message(), "the source descriptor is not usable");
  close(w);
  close(wo);
  close(path_only);
}

TEST(TransferChecksTest, DestinationMustBeOpenForWriting) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  EXPECT_TRUE(check_destination(p[1]).ok());
  Status ro = check_destination(p[0]);
  ASSERT_FALSE(ro.ok());
  EXPECT_EQ(ro.error().code(), Errc::invalid_argument);
  EXPECT_FALSE(check_destination(-1).ok());
  close(p[0]);
  close(p[1]);
}

TEST(TransferChecksTest, ReadRangeDefaultsToTheWholeFileAndClipsTheLength) {
  auto all = read_range(100, std::nullopt, std::nullopt);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->begin, 0u);
  EXPECT_EQ(all->end, 100u);
  auto part = read_range(100, 10, 20);
  EXPECT_EQ(part->begin, 10u);
  EXPECT_EQ(part->end, 30u);
  auto clipped = read_range(100, 90, 1000);
  EXPECT_EQ(clipped->end, 100u);
  auto at_end = read_range(100, 100, std::nullopt);
  ASSERT_TRUE(at_end.ok());
  EXPECT_EQ(at_end->begin, at_end->end) << "an offset at the end reads nothing";
  auto beyond = read_range(100, 101, std::nullopt);
  ASSERT_FALSE(beyond.ok());
  EXPECT_EQ(beyond.error().code(), Errc::invalid_argument);
}

class TransferTest : public testing::ReadyInstanceTest {
 protected:
  TransferTest() : ReadyInstanceTest(128 * kMiB) {}
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(ReadyInstanceTest::SetUp());
    auto pool = WorkerPool::create(4, 4);
    ASSERT_TRUE(pool.ok());
    pool_ = std::move(pool.value());
    transfers_ = std::make_unique<Transfers>(*inst_, *pool_);
  }
  void TearDown() override {
    transfers_.reset();
    pool_.reset();
    ReadyInstanceTest::TearDown();
  }
  // Drains the pool until FLAG is set (at most ~10 s).
  bool wait(const bool& flag) {
    for (int i = 0; i < 1000 && !flag; ++i) {
      pollfd p{pool_->fd(), POLLIN, 0};
      if (poll(&p, 1, 10) > 0) pool_->drain();
    }
    return flag;
  }
  // Starts COPY (start_copy_in) and waits for it to end; *OUTCOME is what
  // it ended with.
  void run_copy(std::shared_ptr<PreparedCopy> copy, Status* outcome,
                std::shared_ptr<TransferProgress> progress = std::make_shared<TransferProgress>()) {
    bool done = false;
    *outcome = Error(Errc::io_error, "not called");
    ASSERT_TRUE(transfers_
                    ->start_copy_in(std::move(copy), std::move(progress),
                                    [&done, outcome](const Status& s) {
                                      *outcome = s;
                                      done = true;
                                    })
                    .ok());
    ASSERT_TRUE(wait(done));
  }

  std::unique_ptr<WorkerPool> pool_;
  std::unique_ptr<Transfers> transfers_;
};

FileRequest file(const std::string& path, uint64_t size) {
  FileRequest r;
  r.path = path;
  r.size = size;
  r.mode = 0644;
  return r;
}

TEST_F(TransferTest, CopyInCommitsTheFileOnlyAfterItsBytesAreCopied) {
  const std::string data = pattern(3 * kMiB + 5);
  int src = memfd_with(data);
  ASSERT_GE(src, 0);
  auto copy = transfers_->prepare_copy_in(file("f", data.size()), src);
  ASSERT_TRUE(copy.ok());
  EXPECT_EQ(find("f"), nullptr) << "prepared: space allocated, nothing visible";
  auto progress = std::make_shared<TransferProgress>();
  Status outcome;
  ASSERT_NO_FATAL_FAILURE(run_copy(std::move(copy.value()), &outcome, progress));
  ASSERT_TRUE(outcome.ok()) << outcome.error().message();
  EXPECT_EQ(progress->done.load(), data.size());
  const Node* n = find("f");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->size, data.size());
  std::string back(data.size(), '\0');
  ASSERT_TRUE(inst_->device()->read(n->map.extents[0].offset, back.data(), back.size()).ok());
  EXPECT_TRUE(back == data);
}

TEST_F(TransferTest, TheAllocationBeyondTheCopiedBytesIsZeroedWhateverTheDeviceHeld) {
  // Stale bytes over the whole free part of the device, where the file lands.
  const uint64_t first_free = inst_->device()->size() - free_bytes();
  std::string stale(inst_->device()->size() - first_free, '\xff');
  ASSERT_TRUE(inst_->device()->write(first_free, stale.data(), stale.size()).ok());
  const std::string data = pattern(kMiB + 3);
  auto copy = transfers_->prepare_copy_in(file("t", data.size()), memfd_with(data));
  ASSERT_TRUE(copy.ok());
  Status outcome;
  ASSERT_NO_FATAL_FAILURE(run_copy(std::move(copy.value()), &outcome));
  ASSERT_TRUE(outcome.ok()) << outcome.error().message();
  const Node* n = find("t");
  ASSERT_NE(n, nullptr);
  ASSERT_GE(n->map.extents[0].offset, first_free) << "the file landed on the stale bytes";
  std::string tail(n->map.mapped_bytes() - data.size(), 'x');
  ASSERT_TRUE(inst_->device()->read(n->map.extents[0].offset + data.size(), tail.data(), tail.size()).ok());
  EXPECT_EQ(tail, std::string(tail.size(), '\0'));
}

TEST_F(TransferTest, AReservedCopyHandsOverTheFinishedFileUncommitted) {
  const std::string data = pattern(2 * kMiB + 9);
  auto copy = transfers_->prepare_copy_in(file("r", data.size()), memfd_with(data));
  ASSERT_TRUE(copy.ok());
  bool done = false;
  std::optional<PendingFile> kept;
  ASSERT_TRUE(transfers_
                  ->start_reserved_copy(std::move(copy.value()), std::make_shared<TransferProgress>(),
                                        [&](Result<PendingFile>&& f) {
                                          if (f) kept = std::move(f.value());
                                          done = true;
                                        })
                  .ok());
  ASSERT_TRUE(wait(done));
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(find("r"), nullptr) << "copied, not committed: invisible";
  std::vector<PendingFile> batch;
  batch.push_back(std::move(*kept));
  auto made = inst_->commit_copies(std::move(batch));
  ASSERT_TRUE(made.ok());
  ASSERT_TRUE((*made)[0].ok());
  const Node* n = find("r");
  ASSERT_NE(n, nullptr);
  std::string back(data.size(), '\0');
  ASSERT_TRUE(inst_->device()->read(n->map.extents[0].offset, back.data(), back.size()).ok());
  EXPECT_TRUE(back == data);
}

TEST_F(TransferTest, AReservedCopyThatFailsGivesItsSpaceBack) {
  const uint64_t before = free_bytes();
  auto copy = transfers_->prepare_copy_in(file("rs", 4 * kMiB), memfd_with(pattern(kMiB)));  // source too short
  ASSERT_TRUE(copy.ok());
  bool done = false, failed = false;
  ASSERT_TRUE(transfers_
                  ->start_reserved_copy(std::move(copy.value()), std::make_shared<TransferProgress>(),
                                        [&](Result<PendingFile>&& f) {
                                          failed = !f.ok();
                                          done = true;
                                        })
                  .ok());
  ASSERT_TRUE(wait(done));
  EXPECT_TRUE(failed);
  EXPECT_EQ(free_bytes(), before);
  EXPECT_EQ(find("rs"), nullptr);
}

TEST_F(TransferTest, ACopyThatFailsGivesItsSpaceBackAndCreatesNothing) {
  const uint64_t before = free_bytes();
  int src = memfd_with(pattern(2 * kMiB));
  ASSERT_GE(src, 0);
  // The request claims more bytes than the source holds: the copy finds it short.
  auto copy = transfers_->prepare_copy_in(file("short", 4 * kMiB), src);
  ASSERT_TRUE(copy.ok());
  EXPECT_LT(free_bytes(), before);
  Status outcome;
  ASSERT_NO_FATAL_FAILURE(run_copy(std::move(copy.value()), &outcome));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code(), Errc::io_error);
  EXPECT_EQ(find("short"), nullptr);
  EXPECT_EQ(free_bytes(), before);
}

TEST_F(TransferTest, ACancelledCopyIsBusyAndLeavesNoFile) {
  const uint64_t before = free_bytes();
  int src = memfd_with(pattern(8 * kMiB));
  auto copy = transfers_->prepare_copy_in(file("c", 8 * kMiB), src);
  ASSERT_TRUE(copy.ok());
  auto progress = std::make_shared<TransferProgress>();
  progress->cancel.store(true);
  Status outcome;
  ASSERT_NO_FATAL_FAILURE(run_copy(std::move(copy.value()), &outcome, progress));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code(), Errc::busy);
  EXPECT_EQ(find("c"), nullptr);
  EXPECT_EQ(free_bytes(), before);
}

TEST_F(TransferTest, APreparedCopyDroppedBeforeItStartsGivesItsSpaceBack) {
  const uint64_t before = free_bytes();
  int src = memfd_with(pattern(kMiB));
  {
    auto copy = transfers_->prepare_copy_in(file("dropped", kMiB), src);
    ASSERT_TRUE(copy.ok());
    EXPECT_LT(free_bytes(), before);
  }
  EXPECT_EQ(free_bytes(), before);
  EXPECT_EQ(find("dropped"), nullptr);
  // The log lock the prepared copy held is released too: a later create works.
  EXPECT_TRUE(inst_->create_file(file("after", kMiB), true).ok());
}

TEST_F(TransferTest, ACopyThePoolCannotTakeGivesItsSpaceBack) {
  // A pool of one worker and no queue, kept busy.
  auto pool = WorkerPool::create(1, 0);
  ASSERT_TRUE(pool.ok());
  Transfers transfers(*inst_, **pool);
  std::atomic<bool> release{false};
  bool blocker_done = false;
  ASSERT_TRUE((*pool)
                  ->spawn(
                      [&] {
                        while (!release.load()) usleep(1000);
                      },
                      [&] { blocker_done = true; })
                  .ok());
  const uint64_t before = free_bytes();
  auto copy = transfers.prepare_copy_in(file("busy", kMiB), memfd_with(pattern(kMiB)));
  ASSERT_TRUE(copy.ok());
  bool called = false;
  Status s = transfers.start_copy_in(std::move(copy.value()), std::make_shared<TransferProgress>(),
                                     [&](const Status&) { called = true; });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), Errc::busy);
  EXPECT_FALSE(called);
  EXPECT_EQ(free_bytes(), before);
  release.store(true);
  for (int i = 0; i < 1000 && !blocker_done; ++i) {
    pollfd p{(*pool)->fd(), POLLIN, 0};
    if (poll(&p, 1, 10) > 0) (*pool)->drain();
  }
  EXPECT_TRUE(blocker_done);
}

TEST_F(TransferTest, ReadOutWritesTheRangeAndEndsWhenTheCallerLeaves) {
  const std::string data = pattern(2 * kMiB + 17);
  ASSERT_TRUE(inst_->create_file(file("r", data.size()), true).ok());
  const Node* n = find("r");
  ASSERT_NE(n, nullptr);
  ASSERT_TRUE(inst_->device()->write(n->map.extents[0].offset, data.data(), data.size()).ok());
  int out = memfd_create("transfer-out", MFD_CLOEXEC);
  ASSERT_GE(out, 0);
  bool done = false;
  Result<uint64_t> got{uint64_t{0}};
  auto gone = std::make_shared<std::atomic<bool>>(false);
  ASSERT_TRUE(transfers_
                  ->read_out(n->map, ByteRange{100, 100 + kMiB}, fcntl(out, F_DUPFD_CLOEXEC, 3), gone,
                             [&](const Result<uint64_t>& r) {
                               got = r;
                               done = true;
                             })
                  .ok());
  ASSERT_TRUE(wait(done));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, kMiB);
  std::string back(kMiB, '\0');
  ASSERT_EQ(pread(out, back.data(), back.size(), 0), static_cast<ssize_t>(kMiB));
  EXPECT_TRUE(back == data.substr(100, kMiB));
  close(out);

  // A pipe nobody reads: the transfer blocks until the caller is gone.
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
  done = false;
  ASSERT_TRUE(transfers_
                  ->read_out(n->map, ByteRange{0, data.size()}, p[1], gone,
                             [&](const Result<uint64_t>& r) {
                               got = r;
                               done = true;
                             })
                  .ok());
  usleep(50'000);
  gone->store(true);
  ASSERT_TRUE(wait(done));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code(), Errc::busy);
  close(p[0]);
}

}  // namespace
}  // namespace famfs::service

// Instance without a bus: life cycle, roles, events, failure on memory errors.
#include "service/instance.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <string>
#include <vector>

#include "engine/format.h"
#include "mount/fake_kernel_fs.h"
#include "mount/kernel_backend.h"
#include "service/data_copy.h"
#include "service/log.h"
#include "service/shm_device_fixture.h"

namespace famfs::service {
namespace {

using testing::kClient;
using testing::kMaster;
using testing::kMiB;

class InstanceTest : public testing::ShmDeviceTest {
 protected:
  InstanceTest() : ShmDeviceTest(256 * kMiB) {}

  std::unique_ptr<Instance> make(const Uuid& uuid, InstanceConfig cfg = {},
                                 std::unique_ptr<MountBackend> backend = make_none_backend()) {
    InstanceEvents ev;
    ev.file_created = [this](const std::string& p, uint64_t) { files_.push_back(p); };
    ev.directory_created = [this](const std::string& p) { dirs_.push_back(p); };
    ev.state_changed = [this](InstanceState s, const std::string&) { states_.push_back(s); };
    ev.figures_changed = [this] { ++figures_; };
    return std::make_unique<Instance>(InstanceSettings{path_, "test", uuid, cfg}, std::move(backend), ev);
  }
  // An instance whose kernel backend makes its system calls on FS.
  std::unique_ptr<Instance> make_mounted(const Uuid& uuid, mount::FakeKernelFs::State& fs) {
    mount::KernelBackendOptions o;
    o.mountpoint = "/run/famfs/test";
    return make(uuid, {},
                std::make_unique<mount::KernelBackend>(std::make_unique<mount::FakeKernelFs>(&fs), std::move(o)));
  }

  std::vector<std::string> files_, dirs_;
  std::vector<InstanceState> states_;
  int figures_ = 0;
};

TEST_F(InstanceTest, UnformattedDeviceIsReportedAndCanBeFormatted) {
  auto inst = make(kMaster);
  inst->start();
  EXPECT_EQ(inst->state(), InstanceState::unformatted);
  EXPECT_EQ(inst->role_name(), "");
  EXPECT_EQ(inst->role(), std::nullopt);
  ASSERT_TRUE(inst->format(8 * kMiB, false).ok());
  EXPECT_EQ(inst->state(), InstanceState::ready);
  EXPECT_EQ(inst->role_name(), "master");
  EXPECT_EQ(inst->role(), Role::master);
  Status again = inst->format(8 * kMiB, false);
  ASSERT_FALSE(again.ok()) << "a valid file system is not overwritten without force";
  EXPECT_EQ(again.error().code(), Errc::exists);
  EXPECT_EQ(inst->state(), InstanceState::ready) << "a refused format keeps serving";
}

TEST_F(InstanceTest, ClientSeesWhatTheMasterCreatesAfterPolling) {
  format();
  auto master = make(kMaster);
  master->start();
  auto client = make(kClient);
  client->start();
  ASSERT_EQ(client->role_name(), "client");
  EXPECT_EQ(client->role(), Role::client);
  ASSERT_TRUE(master->make_directory(DirRequest{"a/b", 0755, 0, 0}, true).ok());
  FileRequest f;
  f.path = "a/b/file";
  f.size = 3 * kMiB;
  ASSERT_TRUE(master->create_file(f, true).ok());
  files_.clear();
  dirs_.clear();
  EXPECT_EQ(client->poll(), 3u);
  EXPECT_EQ(dirs_, (std::vector<std::string>{"a", "a/b"}));
  EXPECT_EQ(files_, (std::vector<std::string>{"a/b/file"}));
  EXPECT_EQ(client->poll(), 0u);
  Status refused = client->create_file(f, true);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), Errc::not_master);
}

TEST_F(InstanceTest, MkdirParentsAcceptsExistingDirectoriesOnly) {
  format();
  auto master = make(kMaster);
  master->start();
  ASSERT_TRUE(master->make_directory(DirRequest{"d", 0755, 0, 0}, false).ok());
  EXPECT_TRUE(master->make_directory(DirRequest{"d", 0755, 0, 0}, true).ok());
  EXPECT_EQ(master->make_directory(DirRequest{"d", 0755, 0, 0}, false).error().code(), Errc::exists);
  FileRequest f;
  f.path = "d/f";
  f.size = kMiB;
  ASSERT_TRUE(master->create_file(f, false).ok());
  EXPECT_EQ(master->make_directory(DirRequest{"d/f/x", 0755, 0, 0}, true).error().code(), Errc::not_directory);
}

TEST_F(InstanceTest, AbandonedCopyLeavesNoFileAndFreesTheSpace) {
  format();
  auto master = make(kMaster);
  master->start();
  uint64_t free_before = master->volume()->state().allocator().free_bytes();
  FileRequest f;
  f.path = "big";
  f.size = 5 * kMiB;
  auto pending = master->prepare_copy(f);
  ASSERT_TRUE(pending.ok());
  EXPECT_LT(master->volume()->state().allocator().free_bytes(), free_before);
  master->abandon_copy(std::move(pending.value()));
  EXPECT_EQ(master->volume()->state().allocator().free_bytes(), free_before);
  EXPECT_EQ(master->volume()->state().names().find("big"), nullptr);
}

TEST_F(InstanceTest, CopyIsVisibleOnlyAfterCommitAndHoldsTheBytes) {
  format();
  auto master = make(kMaster);
  master->start();
  auto client = make(kClient);
  client->start();
  char src_name[] = "/tmp/famfs-src-XXXXXX";
  int src = mkstemp(src_name);
  ASSERT_GE(src, 0);
  unlink(src_name);
  std::string data(3 * kMiB + 123, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + i % 23);
  ASSERT_EQ(write(src, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  FileRequest f;
  f.path = "copied";
  f.size = data.size();
  auto pending = master->prepare_copy(f);
  ASSERT_TRUE(pending.ok());
  std::atomic<uint64_t> done{0};
  std::atomic<bool> cancel{false};
  ASSERT_TRUE(copy_fd_into_map(*master->device(), pending->map, src, data.size(), done, cancel).ok());
  EXPECT_EQ(done.load(), data.size());
  client->poll();
  EXPECT_EQ(client->volume()->state().names().find("copied"), nullptr) << "nothing visible before the commit";
  ASSERT_TRUE(master->commit_copy(std::move(pending.value())).ok());
  client->poll();
  const Node* n = client->volume()->state().names().find("copied");
  ASSERT_NE(n, nullptr);
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  char out_name[] = "/tmp/famfs-out-XXXXXX";
  int out = mkstemp(out_name);
  unlink(out_name);
  auto copied = copy_map_to_fd(*client->device(), n->map, 0, n->size, out, cancel);
  ASSERT_TRUE(copied.ok());
  EXPECT_EQ(*copied, data.size());
  std::string back(data.size(), '\0');
  ASSERT_EQ(pread(out, back.data(), back.size(), 0), static_cast<ssize_t>(back.size()));
  EXPECT_TRUE(back == data);
  // The allocation's tail beyond the data was zeroed.
  std::vector<char> tail(n->map.mapped_bytes() - data.size());
  ASSERT_TRUE(client->device()->read(n->map.extents[0].offset + data.size(), tail.data(), tail.size()).ok());
  EXPECT_EQ(std::count(tail.begin(), tail.end(), 0), static_cast<long>(tail.size()));
  close(src);
  close(out);
  close(pipefd[0]);
  close(pipefd[1]);
}

TEST_F(InstanceTest, TruncatedDeviceMakesTheInstanceFailWithAReason) {
  format();
  auto client = make(kClient);
  client->start();
  ASSERT_EQ(client->state(), InstanceState::ready);
  ASSERT_EQ(truncate(path_.c_str(), kMiB), 0);  // the log header is gone
  EXPECT_EQ(client->poll(), 0u);
  EXPECT_EQ(client->state(), InstanceState::failed);
  EXPECT_NE(client->state_reason().find("SIGBUS"), std::string::npos) << client->state_reason();
  auto problems = client->problems();
  ASSERT_FALSE(problems.empty());
  EXPECT_EQ(problems.back().kind, ProblemKind::memory_error);
  FileRequest f;
  f.path = "x";
  f.size = kMiB;
  EXPECT_EQ(client->create_file(f, true).error().code(), Errc::memory_error);
}

TEST_F(InstanceTest, MasterCreatesReturnOnlyOnceTheNodesExistInTheMount) {
  format();
  mount::FakeKernelFs::State fs;
  auto master = make_mounted(kMaster, fs);
  master->start();
  ASSERT_EQ(master->state(), InstanceState::ready);
  EXPECT_EQ(master->backend().mountpoint(), "/run/famfs/test");
  ASSERT_TRUE(master->make_directory(DirRequest{"a/b", 0750, 7, 8}, true).ok());
  EXPECT_EQ(fs.nodes.at("a").mode, 0750u);
  EXPECT_EQ(fs.nodes.at("a/b").uid, 7u);
  FileRequest f;
  f.path = "a/b/f";
  f.size = 3 * kMiB;
  f.mode = 0640;
  ASSERT_TRUE(master->create_file(f, true).ok());
  ASSERT_TRUE(fs.nodes.at("a/b/f").mapped);
  EXPECT_EQ(fs.nodes.at("a/b/f").mode, 0640u) << "the master keeps the write bits";
  EXPECT_EQ(fs.nodes.at("a/b/f").map.iocmap.fioc_file_size, 3 * kMiB);
  f.path = "copied";
  auto pending = master->prepare_copy(f);
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(fs.nodes.count("copied"), 0u) << "nothing in the mount before the commit";
  ASSERT_TRUE(master->commit_copy(std::move(pending.value())).ok());
  EXPECT_TRUE(fs.nodes.at("copied").mapped);
  master->stop();
  EXPECT_FALSE(fs.mounted) << "stop unmounts";
}

TEST_F(InstanceTest, ClientPublishesEachNewEntryWhenItPolls) {
  format();
  auto master = make(kMaster);
  master->start();
  mount::FakeKernelFs::State fs;
  auto client = make_mounted(kClient, fs);
  client->start();
  ASSERT_TRUE(fs.mounted);
  EXPECT_EQ(fs.nodes.at(".meta/.log").mode, 0444u);
  ASSERT_TRUE(master->make_directory(DirRequest{"d", 0755, 0, 0}, false).ok());
  FileRequest f;
  f.path = "d/f";
  f.size = kMiB;
  f.mode = 0664;
  ASSERT_TRUE(master->create_file(f, true).ok());
  EXPECT_EQ(fs.nodes.count("d"), 0u);
  EXPECT_EQ(client->poll(), 2u);
  EXPECT_EQ(fs.nodes.at("d/f").mode, 0444u);
  EXPECT_TRUE(fs.nodes.at("d/f").mapped);
}

TEST_F(InstanceTest, APublishTheKernelRefusesIsAProblemAndDegradesTheInstance) {
  format();
  auto master = make(kMaster);
  master->start();
  mount::FakeKernelFs::State fs;
  auto client = make_mounted(kClient, fs);
  client->start();
  FileRequest f;
  f.size = kMiB;
  for (const char* p : {"bad", "good"}) {
    f.path = p;
    ASSERT_TRUE(master->create_file(f, true).ok());
  }
  fs.fail["map_create bad"] = ENXIO;
  files_.clear();
  client->poll();
  EXPECT_EQ(client->state(), InstanceState::degraded);
  EXPECT_NE(client->state_reason().find("bad"), std::string::npos) << client->state_reason();
  auto problems = client->problems();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].kind, ProblemKind::publish_failed);
  EXPECT_EQ(problems[0].index, 0u);
  EXPECT_EQ(problems[0].message,
            "not published in the mount: bad: FAMFSIOC_MAP_CREATE_V2: No such device or address (ENXIO)");
  EXPECT_TRUE(fs.nodes.at("good").mapped);
  EXPECT_EQ(files_, (std::vector<std::string>{"bad", "good"})) << "both are in the namespace and announced";
}

TEST_F(InstanceTest, MasterCreateTheKernelRefusesFailsAfterLoggingIt) {
  format();
  mount::FakeKernelFs::State fs;
  auto master = make_mounted(kMaster, fs);
  master->start();
  fs.fail["create f"] = EIO;
  FileRequest f;
  f.path = "f";
  f.size = kMiB;
  Status s = master->create_file(f, true);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(), "logged, but not published in the mount: f: create f: Input/output error (EIO)");
  EXPECT_NE(master->volume()->state().names().find("f"), nullptr) << "the entry is in the log";
  EXPECT_EQ(master->state(), InstanceState::degraded);
}

TEST_F(InstanceTest, EntriesOfAnotherWriterThatAMasterCreateReplaysArePublishedToo) {
  format();
  mount::FakeKernelFs::State fs;
  auto master = make_mounted(kMaster, fs);
  master->start();
  {
    // Another writer on this host (the reference CLI) appends behind famfsd's back.
    auto dev = open_device(path_, OpenMode::read_write);
    ASSERT_TRUE(dev.ok());
    auto other = Volume::open(**dev, kMaster);
    ASSERT_TRUE(other.ok());
    ASSERT_TRUE((*other)->make_directory(DirRequest{"theirs", 0755, 0, 0}).ok());
  }
  FileRequest f;
  f.path = "theirs/mine";
  f.size = kMiB;
  ASSERT_TRUE(master->create_file(f, true).ok());
  EXPECT_TRUE(fs.nodes.at("theirs").is_dir);
  EXPECT_TRUE(fs.nodes.at("theirs/mine").mapped);
  EXPECT_EQ(dirs_, (std::vector<std::string>{"theirs"}));
}

TEST_F(InstanceTest, EveryMasterAppendHoldsTheFlockOfTheLogFile) {
  format();
  mount::FakeKernelFs::State fs;
  auto master = make_mounted(kMaster, fs);
  master->start();
  fs.calls.clear();
  FileRequest f;
  f.path = "f";
  f.size = kMiB;
  ASSERT_TRUE(master->create_file(f, true).ok());
  ASSERT_GE(fs.calls.size(), 3u);
  EXPECT_EQ(fs.calls[0], "flock .meta/.log");
  EXPECT_EQ(fs.calls[1], "funlock .meta/.log") << "the entry is logged under the lock, then published";
  EXPECT_EQ(fs.calls[2], "create f 0600");
  // A copy holds it from allocation to commit: its space is not logged yet.
  f.path = "c";
  auto pending = master->prepare_copy(f);
  ASSERT_TRUE(pending.ok());
  EXPECT_TRUE(fs.locked);
  FileRequest g = f;
  g.path = "g";
  ASSERT_TRUE(master->create_file(g, true).ok()) << "famfsd's own operations share the lock";
  EXPECT_TRUE(fs.locked) << "still held for the copy";
  ASSERT_TRUE(master->commit_copy(std::move(pending.value())).ok());
  EXPECT_FALSE(fs.locked);
  auto abandoned = master->prepare_copy(FileRequest{"d", kMiB, 0644, 0, 0, omf::kFlagAllHostsReadWrite, {}});
  ASSERT_TRUE(abandoned.ok());
  master->abandon_copy(std::move(abandoned.value()));
  EXPECT_FALSE(fs.locked);
}

TEST_F(InstanceTest, AppendsWaitForNoOneWhenAnotherWriterHoldsTheLog) {
  format();
  mount::FakeKernelFs::State fs;
  auto master = make_mounted(kMaster, fs);
  master->start();
  fs.locked_elsewhere = true;
  uint64_t entries = master->volume()->log_entries();
  FileRequest f;
  f.path = "f";
  f.size = kMiB;
  Status s = master->create_file(f, true);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), Errc::busy);
  EXPECT_EQ(master->make_directory(DirRequest{"d", 0755, 0, 0}, false).error().code(), Errc::busy);
  EXPECT_EQ(master->prepare_copy(f).error().code(), Errc::busy);
  EXPECT_EQ(master->volume()->log_entries(), entries) << "nothing was logged";
  fs.locked_elsewhere = false;
  EXPECT_TRUE(master->create_file(f, true).ok());
}

TEST_F(InstanceTest, BatchLogsUnderOneFlockPublishesEachItemAndAnswersPerItem) {
  format();
  mount::FakeKernelFs::State fs;
  auto master = make_mounted(kMaster, fs);
  master->start();
  fs.calls.clear();
  fs.fail["create d/bad"] = EIO;
  std::vector<Instance::BatchItem> items(5);
  items[0].directory = DirRequest{"d", 0750, 0, 0};
  items[1].file = FileRequest{"d/f", kMiB, 0640, 0, 0, omf::kFlagAllHostsReadWrite, {}};
  items[3].file = FileRequest{"d/f", kMiB, 0640, 0, 0, omf::kFlagAllHostsReadWrite, {}};  // again
  items[4].file = FileRequest{"d/bad", kMiB, 0644, 0, 0, omf::kFlagAllHostsReadWrite, {}};
  std::vector<size_t> asked;
  auto out = master->create_batch(items.size(), [&](size_t i) -> std::optional<Instance::BatchItem> {
    asked.push_back(i);
    if (i == 2) return std::nullopt;  // the caller refused it (a permission check)
    return items[i];
  });
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->size(), 5u);
  EXPECT_TRUE((*out)[0].ok() && (*out)[1].ok() && (*out)[2].ok());
  EXPECT_EQ((*out)[3].error().code(), Errc::exists);
  ASSERT_FALSE((*out)[4].ok());
  EXPECT_EQ((*out)[4].error().message(),
            "logged, but not published in the mount: d/bad: create d/bad: Input/output error (EIO)");
  EXPECT_EQ(asked, (std::vector<size_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(std::count(fs.calls.begin(), fs.calls.end(), "flock .meta/.log"), 1) << "one lock for the batch";
  EXPECT_EQ(fs.calls.front(), "flock .meta/.log");
  EXPECT_EQ(fs.calls[1], "funlock .meta/.log") << "logged under the lock, then published";
  EXPECT_TRUE(fs.nodes.at("d/f").mapped);
  EXPECT_EQ(fs.nodes.at("d").mode, 0750u);
  EXPECT_EQ(master->volume()->log_entries(), 3u);
  EXPECT_EQ(files_, (std::vector<std::string>{"d/f", "d/bad"}));
  EXPECT_EQ(master->state(), InstanceState::degraded);
}

TEST_F(InstanceTest, BatchOnAClientIsNotMasterAndAThrowingCallerLeavesACommittedLog) {
  format();
  auto master = make(kMaster);
  master->start();
  auto client = make(kClient);
  client->start();
  auto none = [](size_t) { return std::optional<Instance::BatchItem>(); };
  EXPECT_EQ(client->create_batch(1, none).error().code(), Errc::not_master);
  EXPECT_THROW(master->create_batch(3,
                                    [](size_t i) -> std::optional<Instance::BatchItem> {
                                      if (i == 1) throw std::runtime_error("caller bug");
                                      Instance::BatchItem it;
                                      it.directory = DirRequest{"x", 0755, 0, 0};
                                      return it;
                                    }),
               std::runtime_error);
  EXPECT_EQ(client->poll(), 1u) << "the item before the throw is committed, not left half done";
  Instance::BatchItem again;
  again.directory = DirRequest{"y", 0755, 0, 0};
  auto out = master->create_batch(1, [&](size_t) { return std::optional<Instance::BatchItem>(again); });
  ASSERT_TRUE(out.ok()) << "a new batch starts";
  EXPECT_TRUE((*out)[0].ok());
}

TEST_F(InstanceTest, AMountTheModuleShutDownFailsTheInstanceAndStillUnmounts) {
  format();
  mount::FakeKernelFs::State fs;
  auto master = make_mounted(kMaster, fs);
  master->start();
  master->check_mount();
  EXPECT_EQ(master->state(), InstanceState::ready);
  fs.shut_down = true;
  fs.shutdown_reason = FAMFS_REASON_MEMORY_FAILURE;
  fs.fail_offset = 0x2403000;
  fs.fail_len = 4096;
  master->check_mount();
  EXPECT_EQ(master->state(), InstanceState::failed);
  EXPECT_EQ(master->state_reason(),
            "famfs.ko shut the mount /run/famfs/test down: memory failure reported by the kernel at device offset "
            "0x2403000, 4096 bytes");
  auto problems = master->problems();
  ASSERT_FALSE(problems.empty());
  EXPECT_EQ(problems.back().kind, ProblemKind::memory_error);
  FileRequest f;
  f.path = "f";
  f.size = kMiB;
  EXPECT_EQ(master->create_file(f, true).error().code(), Errc::memory_error);
  master->stop();
  EXPECT_FALSE(fs.mounted) << "unmount still works";
}

TEST_F(InstanceTest, AClientNoticesTheShutdownWhenItPolls) {
  format();
  mount::FakeKernelFs::State fs;
  auto client = make_mounted(kClient, fs);
  client->start();
  fs.shut_down = true;
  EXPECT_EQ(client->poll(), 0u);
  EXPECT_EQ(client->state(), InstanceState::failed);
}

TEST_F(InstanceTest, AMountPointInUseFailsTheInstanceWithOneLine) {
  format();
  mount::FakeKernelFs::State fs;
  fs.mount_point.state = mount::MountPointState::not_empty;
  auto master = make_mounted(kMaster, fs);
  master->start();
  EXPECT_EQ(master->state(), InstanceState::failed);
  EXPECT_EQ(master->state_reason(),
            "mount failed: mount point /run/famfs/test is not empty (famfs is mounted on empty directories only)");
  EXPECT_EQ(master->backend().mountpoint(), "");
}

// ReadFile's writer: a reader that stops reading cannot pin the worker.
class ReadDestinationTest : public InstanceTest {
 protected:
  void SetUp() override {
    InstanceTest::SetUp();
    format();
    master_ = make(kMaster);
    master_->start();
    FileRequest f;
    f.path = "f";
    f.size = 8 * kMiB;
    ASSERT_TRUE(master_->create_file(f, true).ok());
    node_ = master_->volume()->state().names().find("f");
    ASSERT_NE(node_, nullptr);
  }
  Result<uint64_t> read_to(int fd, std::atomic<bool>& cancel) {
    return copy_map_to_fd(*master_->device(), node_->map, 0, node_->size, fd, cancel);
  }
  std::unique_ptr<Instance> master_;
  const Node* node_ = nullptr;
};

TEST_F(ReadDestinationTest, FullPipeWhoseReaderSleepsEndsWhenCancelled) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);  // blocking, as famfsctl's stdout would be
  std::atomic<bool> cancel{false};
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    cancel.store(true);
  });
  auto r = read_to(p[1], cancel);  // 8 MiB into a 64 KiB pipe nobody reads
  stopper.join();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::busy) << r.error().message();
  EXPECT_EQ(fcntl(p[1], F_GETFL) & O_NONBLOCK, 0) << "the caller's descriptor keeps its flags";
  close(p[0]);
  close(p[1]);
}

TEST_F(ReadDestinationTest, ClosedReaderIsEpipeNotAHang) {
  signal(SIGPIPE, SIG_IGN);  // as famfsd
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  close(p[0]);
  std::atomic<bool> cancel{false};
  auto r = read_to(p[1], cancel);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::io_error);
  EXPECT_NE(r.error().message().find("EPIPE"), std::string::npos) << r.error().message();
  close(p[1]);
}

TEST_F(ReadDestinationTest, SlowReaderGetsEveryByte) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  uint64_t got = 0;
  bool all_zero = true;
  std::thread reader([&] {
    std::vector<char> buf(100000);
    for (ssize_t n; (n = read(p[0], buf.data(), buf.size())) > 0;) {
      for (ssize_t i = 0; i < n; ++i) all_zero = all_zero && buf[static_cast<size_t>(i)] == 0;
      got += static_cast<uint64_t>(n);
      if (got < (1u << 20)) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  std::atomic<bool> cancel{false};
  auto r = read_to(p[1], cancel);
  close(p[1]);
  reader.join();
  close(p[0]);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(*r, 8 * kMiB);
  EXPECT_EQ(got, 8 * kMiB);
  EXPECT_TRUE(all_zero);
}

TEST_F(ReadDestinationTest, FullSocketEndsWhenCancelled) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  std::atomic<bool> cancel{false};
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    cancel.store(true);
  });
  auto r = read_to(sv[0], cancel);
  stopper.join();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::busy) << r.error().message();
  close(sv[0]);
  close(sv[1]);
}

}  // namespace
}  // namespace famfs::service

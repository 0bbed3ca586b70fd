// Instance failures name where they happened: the device, the superblock,
// the log, the mount (a memory error is always memory_error).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "engine/format.h"
#include "mount/fake_kernel_fs.h"
#include "mount/kernel_backend.h"
#include "omf/layout.h"
#include "omf/log_header.h"
#include "service/instance.h"
#include "service/log.h"
#include "service/shm_device_fixture.h"

namespace famfs::service {
namespace {

using testing::kClient;
using testing::kMaster;
using testing::kMiB;

class InstanceFailureTest : public testing::ShmDeviceTest {
 protected:
  InstanceFailureTest() : ShmDeviceTest(256 * kMiB) {}
  // Overwrites BYTES at OFFSET of the device file (damage from outside).
  void scribble(uint64_t offset, const std::string& bytes) {
    int fd = open(path_.c_str(), O_WRONLY);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(offset)), static_cast<ssize_t>(bytes.size()));
    close(fd);
  }
  std::unique_ptr<Instance> make(const Uuid& uuid, std::unique_ptr<MountBackend> backend = make_none_backend()) {
    return std::make_unique<Instance>(InstanceSettings{path_, "test", uuid, {}}, std::move(backend), InstanceEvents{});
  }
  // The kind of the last problem, which is the failure's.
  static std::string last_kind(const Instance& inst) {
    auto problems = inst.problems();
    return problems.empty() ? "" : std::string(problem_kind_name(problems.back().kind));
  }
  // INST has failed, and its last problem is of KIND.
  static void expect_failed(const Instance& inst, const char* kind) {
    EXPECT_EQ(inst.state(), InstanceState::failed);
    EXPECT_EQ(last_kind(inst), kind);
  }
};

TEST_F(InstanceFailureTest, ADeviceThatCannotBeOpenedIsADeviceProblem) {
  std::string missing = path_ + "-missing";
  auto inst =
      std::make_unique<Instance>(InstanceSettings{missing, "test", kMaster, {}}, make_none_backend(), InstanceEvents{});
  inst->start();
  expect_failed(*inst, "device");
}

TEST_F(InstanceFailureTest, AnInvalidSuperblockIsASuperblockProblem) {
  format();
  scribble(0x60, std::string(4, '\x5a'));  // the CRC: magic intact, record invalid
  auto inst = make(kMaster);
  inst->start();
  expect_failed(*inst, "superblock");
}

TEST_F(InstanceFailureTest, AnUnreadableLogHeaderIsALogHeaderProblem) {
  format();
  auto client = make(kClient);
  client->start();
  ASSERT_EQ(client->state(), InstanceState::ready);
  scribble(omf::kLogOffset, std::string(8, '\0'));  // the log header's magic
  EXPECT_EQ(client->poll(), 0u);
  expect_failed(*client, "log_header");
}

TEST_F(InstanceFailureTest, ARefusedMountIsAMountProblem) {
  format();
  mount::FakeKernelFs::State fs;
  fs.mount_point.state = mount::MountPointState::not_empty;
  mount::KernelBackendOptions o;
  o.mountpoint = "/run/famfs/test";
  auto master =
      make(kMaster, std::make_unique<mount::KernelBackend>(std::make_unique<mount::FakeKernelFs>(&fs), std::move(o)));
  master->start();
  expect_failed(*master, "mount");
}

// A client's poll skips the header's CRC and decode while its bytes are those
// of the last replay; every other header is judged as before.
class InstanceHeaderPollTest : public InstanceFailureTest {
 protected:
  std::string header() {
    std::string h(omf::kLogHeaderSize, '\0');
    int fd = open(path_.c_str(), O_RDONLY);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(pread(fd, h.data(), h.size(), static_cast<off_t>(omf::kLogOffset)), static_cast<ssize_t>(h.size()));
    close(fd);
    return h;
  }
  FileRequest file(const std::string& path) {
    FileRequest f;
    f.path = path;
    f.size = kMiB;
    return f;
  }
};

TEST_F(InstanceHeaderPollTest, ADamagedHeaderAfterUnchangedPollsIsALogHeaderProblem) {
  format();
  auto client = make(kClient);
  client->start();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(client->poll(), 0u);
  ASSERT_EQ(client->state(), InstanceState::ready);
  std::string h = header();
  h[8] = static_cast<char>(h[8] ^ 0x01);  // inside what the CRC covers
  scribble(omf::kLogOffset + 8, h.substr(8, 1));
  EXPECT_EQ(client->poll(), 0u);
  expect_failed(*client, "log_header");
}

TEST_F(InstanceHeaderPollTest, AHeaderBackAtBytesReplayedBeforeIsReportedAsGoingBack) {
  format();
  auto master = make(kMaster);
  master->start();
  auto client = make(kClient);
  client->start();
  EXPECT_EQ(client->poll(), 0u);
  const std::string before = header();
  ASSERT_TRUE(master->create_file(file("f"), false).ok());
  EXPECT_EQ(client->poll(), 1u);
  EXPECT_EQ(client->poll(), 0u);
  scribble(omf::kLogOffset, before);  // the very bytes the client once replayed to
  EXPECT_EQ(client->poll(), 0u);
  expect_failed(*client, "log_header");
  EXPECT_NE(client->state_reason().find("went back"), std::string::npos) << client->state_reason();
}

TEST_F(InstanceHeaderPollTest, BytesTheReplayIgnoresChangeNothingAndNewEntriesAreStillSeen) {
  format();
  auto master = make(kMaster);
  master->start();
  auto client = make(kClient);
  client->start();
  EXPECT_EQ(client->poll(), 0u);
  // next_seqnum: other bytes, the same header for a replay (appends check it).
  const std::string seqnum = header().substr(omf::kNextSeqnumOffset + 7, 1);
  scribble(omf::kLogOffset + omf::kNextSeqnumOffset + 7, "\x7f");
  EXPECT_EQ(client->poll(), 0u);
  EXPECT_EQ(client->poll(), 0u);
  EXPECT_EQ(client->state(), InstanceState::ready);
  scribble(omf::kLogOffset + omf::kNextSeqnumOffset + 7, seqnum);
  EXPECT_EQ(client->poll(), 0u);
  ASSERT_TRUE(master->create_file(file("g"), false).ok());
  EXPECT_EQ(client->poll(), 1u);
  EXPECT_EQ(client->poll(), 0u);
  ASSERT_TRUE(master->create_file(file("h"), false).ok());
  EXPECT_EQ(client->poll(), 1u);
  EXPECT_NE(client->volume()->state().names().find("h"), nullptr);
}

}  // namespace
}  // namespace famfs::service

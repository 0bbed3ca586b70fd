// The kernel backend against the fake KernelFs: mount point checks, the
// metadata files first, then one publish per node with the log's owner and
// mode (write bits stripped on clients), refusals with the errno, unmount.
#include "mount/kernel_backend.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "mount/fake_kernel_fs.h"
#include "mount/formatted_device_fixture.h"

namespace famfs::mount {
namespace {

using testing::kClient;
using testing::kMaster;
using testing::kMiB;
constexpr const char* kDir = "/run/famfs/test";

class KernelBackendTest : public testing::FormattedDeviceTest {
 protected:
  KernelBackendTest() : FormattedDeviceTest(false) {}

  Volume& open(const Uuid& uuid) {
    auto v = Volume::open(*dev_, uuid);
    EXPECT_TRUE(v.ok());
    volume_ = std::move(v.value());
    return *volume_;
  }
  KernelBackend& backend(bool client_files_writable = false) {
    KernelBackendOptions o;
    o.mountpoint = kDir;
    o.client_files_writable = client_files_writable;
    o.notice = [this](const std::string& m) { notices_.push_back(m); };
    backend_ = std::make_unique<KernelBackend>(std::make_unique<FakeKernelFs>(&fs_), o);
    return *backend_;
  }
  // Publishes every node the volume added, in order; returns the errors.
  std::vector<std::string> publish_all() {
    std::vector<std::string> errors;
    for (NodeId id : volume_->take_added_nodes()) {
      Status s = backend_->publish(*volume_, volume_->state().names().node(id));
      if (!s) errors.push_back(s.error().message());
    }
    return errors;
  }
  const FakeNode& node(const std::string& rel) { return fs_.nodes.at(rel); }
  KernelFileMap map_of(const std::string& rel) {
    auto d = decode_kernel_map(node(rel).map);
    EXPECT_TRUE(d.ok());
    return *d;
  }
};

TEST_F(KernelBackendTest, MountCreatesTheMountPointAndPublishesSuperblockAndLogFilesFirst) {
  Volume& v = open(kMaster);
  auto& b = backend();
  EXPECT_EQ(b.mountpoint(), "") << "not mounted yet";
  ASSERT_TRUE(b.mount(v).ok());
  EXPECT_EQ(b.mountpoint(), kDir);
  std::vector<std::string> want = {
      std::string("inspect ") + kDir,  std::string("make_directories ") + kDir,
      "mount " + path_ + " " + kDir,   "mkdir .meta 0700 0:0",
      "create .meta/.superblock 0600", "map_create .meta/.superblock",
      "chown .meta/.superblock 0:0",   "chmod .meta/.superblock 0444",
      "create .meta/.log 0600",        "map_create .meta/.log",
      "chown .meta/.log 0:0",          "chmod .meta/.log 0644",
  };
  EXPECT_EQ(fs_.calls, want);
  EXPECT_EQ(map_of(".meta/.superblock"),
            (KernelFileMap{2 * kMiB, FAMFS_SUPERBLOCK, omf::FileMap{omf::MapType::simple, 0, {{0, 0, 2 * kMiB}}}}));
  EXPECT_EQ(map_of(".meta/.log"),
            (KernelFileMap{8 * kMiB, FAMFS_LOG, omf::FileMap{omf::MapType::simple, 0, {{0, 2 * kMiB, 8 * kMiB}}}}));
  EXPECT_EQ(fs_.open_fds, 1) << "only .meta/.log stays open, for its flock";
  ASSERT_TRUE(b.unmount().ok());
  EXPECT_EQ(fs_.open_fds, 0) << "unmount closes it first (else umount is busy)";
}

TEST_F(KernelBackendTest, NodesArePublishedInLogOrderWithTheLogsOwnerModeAndMap) {
  Volume& v = open(kMaster);
  ASSERT_TRUE(v.make_directory(DirRequest{"d", 0750, 1000, 100}).ok());
  FileRequest f;
  f.path = "d/f";
  f.size = 3 * kMiB + 5;
  f.mode = 04640;
  f.uid = 1001;
  f.gid = 101;
  ASSERT_TRUE(v.create_file(f, false).ok());
  f.path = "g";
  f.mode = 0600;
  f.interleave = InterleaveParams{2, 2 * kMiB, 0};
  f.size = 9 * kMiB;
  ASSERT_TRUE(v.create_file(f, false).ok());
  auto& b = backend();
  ASSERT_TRUE(b.mount(v).ok());
  fs_.calls.clear();
  EXPECT_TRUE(publish_all().empty());
  std::vector<std::string> want = {
      "mkdir d 0750 1000:100", "create d/f 0600", "map_create d/f",   "chown d/f 1001:101", "chmod d/f 4640",
      "create g 0600",         "map_create g",    "chown g 1001:101", "chmod g 0600",
  };
  EXPECT_EQ(fs_.calls, want);
  EXPECT_EQ(node("d/f").mode, 04640u) << "set-user-ID survives: the mode is set after the owner";
  const Node* df = v.state().names().find("d/f");
  EXPECT_EQ(map_of("d/f"), (KernelFileMap{df->size, FAMFS_REG, df->map}));
  const Node* g = v.state().names().find("g");
  ASSERT_EQ(g->map.type, omf::MapType::interleaved);
  EXPECT_EQ(map_of("g"), (KernelFileMap{g->size, FAMFS_REG, g->map}));
  EXPECT_EQ(node("g").map.ks.ikie.ie_nbytes, 9 * kMiB);
}

TEST_F(KernelBackendTest, ClientFilesLoseTheirWriteBitsAndTheLogIsReadOnly) {
  {
    Volume& m = open(kMaster);
    ASSERT_TRUE(m.make_directory(DirRequest{"d", 0775, 0, 0}).ok());
    FileRequest f;
    f.path = "d/f";
    f.size = kMiB;
    f.mode = 0664;
    ASSERT_TRUE(m.create_file(f, false).ok());
  }
  Volume& c = open(kClient);
  auto& b = backend();
  ASSERT_TRUE(b.mount(c).ok());
  EXPECT_TRUE(publish_all().empty());
  EXPECT_EQ(node(".meta/.log").mode, 0444u);
  EXPECT_EQ(node(".meta/.superblock").mode, 0444u);
  EXPECT_EQ(node("d/f").mode, 0444u);
  EXPECT_EQ(node("d").mode, 0775u) << "directories keep their mode";
}

TEST_F(KernelBackendTest, ClientFilesKeepTheirWriteBitsWhenConfigured) {
  {
    Volume& m = open(kMaster);
    FileRequest f;
    f.path = "f";
    f.size = kMiB;
    f.mode = 0664;
    ASSERT_TRUE(m.create_file(f, false).ok());
  }
  Volume& c = open(kClient);
  auto& b = backend(true);
  ASSERT_TRUE(b.mount(c).ok());
  EXPECT_TRUE(publish_all().empty());
  EXPECT_EQ(node("f").mode, 0664u);
  EXPECT_EQ(node(".meta/.log").mode, 0444u) << "the log stays read-only on clients";
  EXPECT_EQ(published_file_mode(0664, Role::master, false), 0664u);
  EXPECT_EQ(published_file_mode(02775, Role::client, false), 02555u);
}

TEST_F(KernelBackendTest, UnusableMountPointsAreRefusedWithoutMounting) {
  Volume& v = open(kMaster);
  struct Case {
    MountPointState state;
    Errc code;
    std::string says;
  };
  for (const Case& c : {Case{MountPointState::not_directory, Errc::not_directory, "is not a directory"},
                        Case{MountPointState::not_empty, Errc::exists, "is not empty"},
                        Case{MountPointState::mounted, Errc::busy, "is already a mount point (xfs from /dev/sda1)"}}) {
    fs_ = FakeKernelFs::State{};
    fs_.mount_point = MountPointInfo{c.state, "xfs", "/dev/sda1"};
    auto& b = backend();
    Status s = b.mount(v);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code(), c.code);
    EXPECT_NE(s.error().message().find(std::string(kDir) + " " + c.says), std::string::npos) << s.error().message();
    EXPECT_FALSE(fs_.mounted);
    EXPECT_EQ(b.mountpoint(), "");
  }
}

TEST_F(KernelBackendTest, AFileTheModuleRefusesIsRemovedAndTheErrorNamesPathAndErrno) {
  Volume& v = open(kMaster);
  FileRequest f;
  f.path = "bad";
  f.size = kMiB;
  ASSERT_TRUE(v.create_file(f, false).ok());
  f.path = "good";
  ASSERT_TRUE(v.create_file(f, false).ok());
  auto& b = backend();
  ASSERT_TRUE(b.mount(v).ok());
  fs_.fail["map_create bad"] = EINVAL;
  auto errors = publish_all();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], "bad: FAMFSIOC_MAP_CREATE_V2: Invalid argument (EINVAL)");
  EXPECT_EQ(fs_.nodes.count("bad"), 0u) << "no unmapped file is left behind";
  EXPECT_EQ(fs_.nodes.count("good"), 1u) << "one refusal does not stop the others";
}

TEST_F(KernelBackendTest, AFailedMetadataFileUnmountsAgain) {
  Volume& v = open(kMaster);
  fs_.fail["map_create .meta/.log"] = EBUSY;
  auto& b = backend();
  Status s = b.mount(v);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(), "metadata files: .meta/.log: FAMFSIOC_MAP_CREATE_V2: Device or resource busy (EBUSY)");
  EXPECT_FALSE(fs_.mounted);
  EXPECT_EQ(b.mountpoint(), "");
}

TEST_F(KernelBackendTest, UnmountDetachesLazilyWhenAFileIsInUse) {
  Volume& v = open(kMaster);
  auto& b = backend();
  ASSERT_TRUE(b.mount(v).ok());
  fs_.busy_unmounts = 1;
  fs_.calls.clear();
  ASSERT_TRUE(b.unmount().ok());
  EXPECT_EQ(fs_.calls, (std::vector<std::string>{std::string("umount ") + kDir, std::string("umount -l ") + kDir}));
  EXPECT_FALSE(fs_.mounted);
  ASSERT_EQ(notices_.size(), 1u);
  EXPECT_NE(notices_[0].find("detached the mount lazily"), std::string::npos);
  fs_.calls.clear();
  EXPECT_TRUE(b.unmount().ok()) << "unmount when not mounted is a no-op";
  EXPECT_TRUE(fs_.calls.empty());
  ASSERT_TRUE(b.mount(v).ok()) << "the same backend mounts again (format does this)";
}

TEST_F(KernelBackendTest, TheLogLockIsTheFlockOfTheLogFileOnTheMasterOnly) {
  Volume& v = open(kMaster);
  auto& b = backend();
  ASSERT_TRUE(b.mount(v).ok());
  fs_.calls.clear();
  ASSERT_TRUE(b.lock_log().ok());
  EXPECT_TRUE(fs_.locked);
  b.unlock_log();
  EXPECT_FALSE(fs_.locked);
  EXPECT_EQ(fs_.calls, (std::vector<std::string>{"flock .meta/.log", "funlock .meta/.log"}));
  fs_.locked_elsewhere = true;
  Status busy = b.lock_log();
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.error().code(), Errc::busy);
  EXPECT_NE(busy.error().message().find("the log is locked by another writer on this host (flock of "
                                        "/run/famfs/test/.meta/.log"),
            std::string::npos)
      << busy.error().message();
  ASSERT_TRUE(b.unmount().ok());

  Volume& c = open(kClient);
  ASSERT_TRUE(b.mount(c).ok());
  fs_.calls.clear();
  EXPECT_TRUE(b.lock_log().ok()) << "a client never appends: nothing to lock";
  EXPECT_TRUE(fs_.calls.empty());
}

TEST_F(KernelBackendTest, ARestartAdoptsTheMountChecksEveryFileAndPublishesWhatIsMissing) {
  Volume& v = open(kMaster);
  FileRequest f;
  f.size = 3 * kMiB;
  for (const char* p : {"same", "changed", "gone"}) {
    f.path = p;
    ASSERT_TRUE(v.create_file(f, false).ok());
  }
  ASSERT_TRUE(v.make_directory(DirRequest{"dir", 0755, 0, 0}).ok());
  auto& first = backend();
  ASSERT_TRUE(first.mount(v).ok());
  EXPECT_TRUE(publish_all().empty());
  // famfsd dies: the mount stays. Someone changed one map; one file is gone.
  FakeKernelFs::State left = fs_;
  backend_.reset();
  fs_ = left;
  fs_.nodes.at("changed").map.ikse[0].offset += 2 * kMiB;
  fs_.nodes.erase("gone");
  fs_.calls.clear();

  Volume& again = open(kMaster);
  auto& b = backend();
  ASSERT_TRUE(b.mount(again).ok());
  EXPECT_TRUE(b.adopted());
  EXPECT_EQ(fs_.calls[0], std::string("inspect ") + kDir);
  EXPECT_EQ(fs_.calls[1], std::string("attach ") + kDir) << "no second mount is stacked";
  for (const std::string& c : fs_.calls) EXPECT_NE(c.rfind("mount ", 0), 0u) << c;
  ASSERT_EQ(notices_.size(), 1u);
  EXPECT_NE(notices_[0].find("adopting the famfs mount"), std::string::npos);
  auto errors = publish_all();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].rfind("changed: already in the mount with another map (", 0), 0u) << errors[0];
  EXPECT_NE(errors[0].find("left as it is"), std::string::npos);
  EXPECT_TRUE(fs_.nodes.at("gone").mapped) << "the missing file is published again";
  EXPECT_EQ(map_of("gone").map, again.state().names().find("gone")->map);
}

TEST_F(KernelBackendTest, AFamfsMountOfAnotherDeviceIsNotAdopted) {
  Volume& v = open(kMaster);
  fs_.mount_point = MountPointInfo{MountPointState::mounted, "famfs", "/dev/pmem7"};
  auto& b = backend();
  Status s = b.mount(v);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), Errc::busy);
  EXPECT_NE(s.error().message().find("(famfs from /dev/pmem7)"), std::string::npos) << s.error().message();
}

}  // namespace
}  // namespace famfs::mount

// Deletion in the kernel backend (docs/delete.md): removed nodes leave the
// mount through FAMFSIOC_REMOVE with the DELETE index as the cookie, and a
// removed file counts as released on this host only when famfs.ko no longer
// lists it (FAMFSIOC_GET_ORPHANS). With a famfs.ko that predates them
// (ENOTTY): unlink, rmdir and the /proc scan (tested here against this very
// process).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "mount/fake_kernel_fs.h"
#include "mount/formatted_device_fixture.h"
#include "mount/kernel_backend.h"

namespace famfs::mount {
namespace {

using testing::kMaster;
using testing::kMiB;

class DeleteBackendTest : public testing::FormattedDeviceTest {
 protected:
  DeleteBackendTest() : FormattedDeviceTest(true) {}
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(FormattedDeviceTest::SetUp());
    auto v = Volume::open(*dev_, kMaster);
    ASSERT_TRUE(v.ok());
    volume_ = std::move(v.value());
    KernelBackendOptions ko;
    ko.mountpoint = "/run/famfs/deltest";
    ko.notice = [this](const std::string& m) { notices_.push_back(m); };
    fs_.has_remove_ioctl = !legacy();
    backend_ = std::make_unique<KernelBackend>(std::make_unique<FakeKernelFs>(&fs_), ko);
    ASSERT_TRUE(backend_->mount(*volume_).ok());
    EXPECT_EQ(backend_->removes_by_ioctl(), !legacy());
  }
  virtual bool legacy() const { return false; }
  void sync_mount() {
    for (const RemovedNode& r : volume_->take_removed_nodes()) ASSERT_TRUE(backend_->unpublish(r).ok()) << r.path;
    for (NodeId id : volume_->take_added_nodes()) {
      const Node& n = volume_->state().names().node(id);
      if (n.removed) continue;
      ASSERT_TRUE(backend_->publish(*volume_, n).ok()) << n.path;
    }
  }
  std::vector<RemovedNode> rm(const std::string& path, bool recursive) {
    auto plan = volume_->removal_plan(path, recursive);
    EXPECT_TRUE(plan.ok());
    auto r = volume_->remove_nodes(*plan);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : std::vector<RemovedNode>{};
  }
  bool called(const std::string& call) { return std::count(fs_.calls.begin(), fs_.calls.end(), call) == 1; }
  void publish_refused(const std::string& path) {
    for (NodeId id : volume_->take_added_nodes()) {
      const Node& n = volume_->state().names().node(id);
      if (n.path == path) {
        EXPECT_FALSE(backend_->publish(*volume_, n).ok());
      }
    }
  }
  void create(const std::string& path) {
    FileRequest f;
    f.path = path;
    f.size = 2 * kMiB;
    ASSERT_TRUE(volume_->create_file(f, false).ok());
  }
};

// A famfs.ko without FAMFSIOC_REMOVE: unlink(2), rmdir(2), the /proc scan.
class LegacyDeleteBackendTest : public DeleteBackendTest {
 protected:
  bool legacy() const override { return true; }
};

TEST_F(DeleteBackendTest, RemovedNodesLeaveTheMountThroughRemoveWithTheDeleteIndexAsCookie) {
  DirRequest d;
  d.path = "d";
  ASSERT_TRUE(volume_->make_directory(d).ok());
  create("d/f");
  sync_mount();
  auto removed = rm("d", true);
  ASSERT_EQ(removed.size(), 2u);
  sync_mount();
  EXPECT_FALSE(fs_.nodes.count("d/f"));
  EXPECT_FALSE(fs_.nodes.count("d"));
  auto file_at = std::find(fs_.calls.begin(), fs_.calls.end(), "remove d/f " + std::to_string(removed[0].delete_index));
  auto dir_at =
      std::find(fs_.calls.begin(), fs_.calls.end(), "remove-dir d " + std::to_string(removed[1].delete_index));
  ASSERT_NE(file_at, fs_.calls.end());
  ASSERT_NE(dir_at, fs_.calls.end());
  EXPECT_LT(file_at, dir_at);
  for (const std::string& c : fs_.calls) {
    EXPECT_NE(c.rfind("unlink ", 0), 0u) << c;
    EXPECT_NE(c.rfind("rmdir ", 0), 0u) << c;
  }
  EXPECT_TRUE(backend_->unpublish(RemovedNode{0, "never", false, 9}).ok());
  EXPECT_TRUE(backend_->unpublish(RemovedNode{0, "never-dir", true, 9}).ok());
  EXPECT_TRUE(backend_->unpublish(RemovedNode{0, "no/parent", false, 9}).ok());
}

TEST_F(DeleteBackendTest, AFileHeldOpenIsAnOrphanUntilItsInodeGoes) {
  create("a");
  create("b");
  sync_mount();
  EXPECT_EQ(backend_->oldest_referenced_delete(), std::nullopt);
  fs_.held_paths = {"a", "b"};
  auto ra = rm("a", false);
  auto rb = rm("b", false);
  sync_mount();
  ASSERT_EQ(fs_.orphans.size(), 2u);
  EXPECT_EQ(fs_.orphans[0].fo_cookie, ra[0].delete_index);
  fs_.held_inodes = {fs_.orphans[0].fo_ino, fs_.orphans[1].fo_ino};  // not asked: famfs.ko knows
  EXPECT_EQ(backend_->oldest_referenced_delete(), ra[0].delete_index);
  FakeKernelFs::let_go(fs_, fs_.orphans[0].fo_ino);
  EXPECT_EQ(backend_->oldest_referenced_delete(), rb[0].delete_index);
  FakeKernelFs::let_go(fs_, fs_.orphans[0].fo_ino);
  EXPECT_EQ(backend_->oldest_referenced_delete(), std::nullopt);
}

TEST_F(DeleteBackendTest, ARefusedRemoveIsAnErrorNamingThePathAndTheErrno) {
  create("f");
  DirRequest d;
  d.path = "d";
  ASSERT_TRUE(volume_->make_directory(d).ok());
  sync_mount();
  fs_.fail["remove f"] = EPERM;  // famfsd without CAP_SYS_ADMIN
  auto rf = rm("f", false);
  Status s = backend_->unpublish(rf[0]);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(is_errno(s.error(), EPERM)) << s.error().message();
  EXPECT_NE(s.error().message().find("f: FAMFSIOC_REMOVE f"), std::string::npos) << s.error().message();
  fs_.nodes["d/stray"] = FakeNode{};  // in the mount, not in the log
  auto rd = rm("d", false);
  s = backend_->unpublish(rd[0]);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(is_errno(s.error(), ENOTEMPTY)) << s.error().message();
  EXPECT_TRUE(fs_.nodes.count("d"));
}

TEST_F(DeleteBackendTest, AnOrphanListThatDoesNotFitIsAskedForAgainWithRoomForAll) {
  for (uint64_t i = 0; i < 100; ++i) fs_.orphans.push_back(famfs_ioc_orphan{i == 80 ? 42 : 500 + i, 1000 + i});
  fs_.orphan_queries.clear();
  EXPECT_EQ(backend_->oldest_referenced_delete(), 42u) << "the lowest cookie is past the first 64";
  EXPECT_EQ(fs_.orphan_queries, (std::vector<uint32_t>{64, 164}));
}

TEST_F(DeleteBackendTest, AnOrphanListThatNeverFitsOrAFailedQueryHoldsEverything) {
  fs_.orphans.push_back(famfs_ioc_orphan{900, 1});
  fs_.phantom_orphans = 1;  // every answer says one more than it lists
  EXPECT_EQ(backend_->oldest_referenced_delete(), 0u);
  EXPECT_FALSE(notices_.empty());
  fs_.phantom_orphans = 0;
  EXPECT_EQ(backend_->oldest_referenced_delete(), 900u);
  fs_.fail["get_orphans "] = EIO;
  notices_.clear();
  EXPECT_EQ(backend_->oldest_referenced_delete(), 0u) << "cannot tell: nothing is released";
  EXPECT_EQ(backend_->oldest_referenced_delete(), 0u);
  EXPECT_EQ(notices_.size(), 1u) << "logged once, not on every heartbeat";
}

TEST_F(DeleteBackendTest, AFileWhoseMapIsRefusedIsRemovedWithCookieZero) {
  fs_.fail["map_create bad"] = EINVAL;
  create("bad");
  publish_refused("bad");
  EXPECT_TRUE(called("remove bad 0"));
  EXPECT_FALSE(fs_.nodes.count("bad"));
}

TEST_F(LegacyDeleteBackendTest, AnOlderFamfsKoIsToldAtMountAndRemovalUnlinks) {
  ASSERT_FALSE(notices_.empty());
  EXPECT_NE(notices_[0].find("no FAMFSIOC_REMOVE"), std::string::npos) << notices_[0];
  fs_.fail["map_create bad"] = EINVAL;
  create("bad");
  publish_refused("bad");
  EXPECT_TRUE(called("unlink bad"));
}

TEST_F(LegacyDeleteBackendTest, RemovedNodesLeaveTheMountFilesBeforeTheirDirectory) {
  DirRequest d;
  d.path = "d";
  ASSERT_TRUE(volume_->make_directory(d).ok());
  FileRequest f;
  f.path = "d/f";
  f.size = 2 * kMiB;
  ASSERT_TRUE(volume_->create_file(f, false).ok());
  sync_mount();
  ASSERT_TRUE(fs_.nodes.count("d/f"));
  rm("d", true);
  sync_mount();
  EXPECT_FALSE(fs_.nodes.count("d/f"));
  EXPECT_FALSE(fs_.nodes.count("d"));
  auto unlink_at = std::find(fs_.calls.begin(), fs_.calls.end(), "unlink d/f");
  auto rmdir_at = std::find(fs_.calls.begin(), fs_.calls.end(), "rmdir d");
  ASSERT_NE(unlink_at, fs_.calls.end());
  ASSERT_NE(rmdir_at, fs_.calls.end());
  EXPECT_LT(unlink_at, rmdir_at);
  // A node that never reached the mount is no error.
  EXPECT_TRUE(backend_->unpublish(RemovedNode{0, "never", false, 9}).ok());
  EXPECT_TRUE(backend_->unpublish(RemovedNode{0, "never-dir", true, 9}).ok());
}

TEST_F(LegacyDeleteBackendTest, AnUnlinkedFileHeldOpenHoldsItsDeleteIndexUntilNobodyHoldsIt) {
  for (const char* p : {"a", "b"}) {
    FileRequest f;
    f.path = p;
    f.size = 2 * kMiB;
    ASSERT_TRUE(volume_->create_file(f, false).ok());
  }
  sync_mount();
  EXPECT_EQ(backend_->oldest_referenced_delete(), std::nullopt);
  auto ia = fs_.next_ino;
  auto ra = rm("a", false);
  auto rb = rm("b", false);
  sync_mount();
  ASSERT_EQ(ra.size(), 1u);
  ASSERT_EQ(rb.size(), 1u);
  fs_.held_inodes = {ia, ia + 1};  // some process has both open or mapped
  EXPECT_EQ(backend_->oldest_referenced_delete(), ra[0].delete_index);
  fs_.held_inodes = {ia + 1};  // a let go
  EXPECT_EQ(backend_->oldest_referenced_delete(), rb[0].delete_index);
  fs_.held_inodes = {ia, ia + 1};  // a forgotten inode is never held again (its number may be reused)
  EXPECT_EQ(backend_->oldest_referenced_delete(), rb[0].delete_index);
  fs_.held_inodes.clear();
  EXPECT_EQ(backend_->oldest_referenced_delete(), std::nullopt);
}

TEST(ProcReferences, FindsAnUnlinkedFileThisProcessHoldsOpenOrMapped) {
  char name[] = "/tmp/famfs-refs-XXXXXX";
  int fd = mkstemp(name);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, 4096), 0);
  struct stat st {};
  ASSERT_EQ(fstat(fd, &st), 0);
  const InodeId id{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
  ASSERT_EQ(unlink(name), 0);
  const InodeId other{id.dev, id.ino + 1'000'000'007ULL};
  EXPECT_EQ(referenced_inodes({id, other}), (std::set<InodeId>{id}));  // open
  void* m = mmap(nullptr, 4096, PROT_READ, MAP_SHARED, fd, 0);
  ASSERT_NE(m, MAP_FAILED);
  close(fd);
  EXPECT_EQ(referenced_inodes({id}), (std::set<InodeId>{id}));  // mapped only
  munmap(m, 4096);
  EXPECT_TRUE(referenced_inodes({id}).empty());  // let go
  EXPECT_TRUE(referenced_inodes({}).empty());
  // A /proc that cannot be read: everything counts as held.
  EXPECT_EQ(referenced_inodes({id}, "/nonexistent-proc"), (std::set<InodeId>{id}));
}

}  // namespace
}  // namespace famfs::mount

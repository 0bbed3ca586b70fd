// Deletion in the kernel backend (docs/delete.md): removed nodes leave the
// mount (unlink, rmdir), and a removed file counts as released on this host
// only when no process still has it open or mapped (the /proc scan, tested
// here against this very process).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "engine/format.h"
#include "mount/fake_kernel_fs.h"
#include "mount/kernel_backend.h"

namespace famfs::mount {
namespace {

constexpr uint64_t kMiB = 1ULL << 20;
const Uuid kMaster = *Uuid::parse("11111111-2222-4333-8444-5555555555d5");

class DeleteBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[] = "/dev/shm/famfs-kbd-XXXXXX";
    int fd = mkstemp(name);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(ftruncate(fd, 128 * kMiB), 0);
    close(fd);
    path_ = name;
    auto dev = open_device(path_, OpenMode::read_write);
    ASSERT_TRUE(dev.ok());
    dev_ = std::move(dev.value());
    FormatOptions o;
    o.system_uuid = kMaster;
    o.enable_delete = true;
    ASSERT_TRUE(format_device(*dev_, o).ok());
    auto v = Volume::open(*dev_, kMaster);
    ASSERT_TRUE(v.ok());
    volume_ = std::move(v.value());
    KernelBackendOptions ko;
    ko.mountpoint = "/run/famfs/deltest";
    backend_ = std::make_unique<KernelBackend>(std::make_unique<FakeKernelFs>(&fs_), ko);
    ASSERT_TRUE(backend_->mount(*volume_).ok());
  }
  void TearDown() override {
    backend_.reset();
    volume_.reset();
    dev_.reset();
    unlink(path_.c_str());
  }
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

  std::string path_;
  std::unique_ptr<Device> dev_;
  std::unique_ptr<Volume> volume_;
  FakeKernelFs::State fs_;
  std::unique_ptr<KernelBackend> backend_;
};

TEST_F(DeleteBackendTest, RemovedNodesLeaveTheMountFilesBeforeTheirDirectory) {
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

TEST_F(DeleteBackendTest, AnUnlinkedFileHeldOpenHoldsItsDeleteIndexUntilNobodyHoldsIt) {
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

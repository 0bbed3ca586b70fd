// Reservations (CopyIn commit=false) and their batch commit: invisible until
// committed, the caller's own, space back when the caller leaves or a
// commit item fails, one log commit for many files.
#include "service/reservations.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "service/shm_device_fixture.h"

namespace famfs::service {
namespace {

using testing::kMiB;

class ReservationsTest : public testing::ReadyInstanceTest {
 protected:
  ReservationsTest() : ReadyInstanceTest(128 * kMiB) {}
  PendingFile prepared(const std::string& path, uint64_t size = kMiB) {
    FileRequest r;
    r.path = path;
    r.size = size;
    r.mode = 0644;
    auto p = inst_->prepare_copy(r);
    EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message());
    return std::move(p.value());
  }
};

TEST_F(ReservationsTest, AReservationIsTheOwnersOnlyAndUsedUpByTaking) {
  Reservations r(*inst_, 16);
  auto id = r.add(":1.5", prepared("a"));
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(find("a"), nullptr) << "a reservation is not in the namespace";
  auto stolen = r.take(*id, ":1.6");
  ASSERT_FALSE(stolen.ok());
  EXPECT_EQ(stolen.error().code(), Errc::not_found);
  auto mine = r.take(*id, ":1.5");
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(mine->request.path, "a");
  EXPECT_EQ(r.take(*id, ":1.5").error().code(), Errc::not_found) << "taken once";
  inst_->abandon_copy(std::move(mine.value()));
}

TEST_F(ReservationsTest, APathIsReservedOnceAndTheCountIsBounded) {
  Reservations r(*inst_, 2);
  ASSERT_TRUE(r.add(":1.5", prepared("a")).ok());
  Status again = r.admit("a");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), Errc::exists);
  const uint64_t before = free_bytes();
  auto dup = r.add(":1.7", prepared("a"));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(free_bytes(), before) << "a refused reservation gives its space back";
  ASSERT_TRUE(r.add(":1.5", prepared("b")).ok());
  Status full = r.admit("c");
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code(), Errc::busy);
}

TEST_F(ReservationsTest, AnOwnerLeavingGivesBackTheSpaceOfItsReservationsOnly) {
  const uint64_t before = free_bytes();
  Reservations r(*inst_, 16);
  ASSERT_TRUE(r.add(":1.5", prepared("a", 4 * kMiB)).ok());
  ASSERT_TRUE(r.add(":1.5", prepared("b", 4 * kMiB)).ok());
  ASSERT_TRUE(r.add(":1.9", prepared("c", 4 * kMiB)).ok());
  const uint64_t held = free_bytes();
  EXPECT_EQ(r.drop_owner(":1.5"), 2u);
  EXPECT_EQ(r.size(), 1u);
  EXPECT_EQ(free_bytes(), held + 8 * kMiB);
  EXPECT_TRUE(r.admit("a").ok()) << "the path is free again";
  r.clear();
  EXPECT_EQ(free_bytes(), before);
  EXPECT_EQ(find("a"), nullptr);
  EXPECT_EQ(find("c"), nullptr);
  // Every reservation's log lock went with it: a plain create works.
  FileRequest f;
  f.path = "after";
  f.size = kMiB;
  f.mode = 0644;
  EXPECT_TRUE(inst_->create_file(f, true).ok());
}

TEST_F(ReservationsTest, DestroyingTheRegistryGivesEverySpaceBack) {
  const uint64_t before = free_bytes();
  {
    Reservations r(*inst_, 16);
    ASSERT_TRUE(r.add(":1.5", prepared("a")).ok());
  }
  EXPECT_EQ(free_bytes(), before);
}

TEST_F(ReservationsTest, HandlesAreObjectPathsWithAPositiveNumber) {
  EXPECT_EQ(Reservations::handle(7), "/org/famfs/Famfs1/reservations/7");
  auto id = Reservations::parse_handle("/org/famfs/Famfs1/reservations/42");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, 42u);
  for (const char* bad : {"/org/famfs/Famfs1/reservations/", "/org/famfs/Famfs1/reservations/0",
                          "/org/famfs/Famfs1/reservations/4x", "/org/famfs/Famfs1/jobs/3", "/"})
    EXPECT_EQ(Reservations::parse_handle(bad).error().code(), Errc::invalid_argument) << bad;
}

TEST_F(ReservationsTest, CommitCopiesLogsTheFilesAsOneBatchAndAnswersPerFile) {
  const uint64_t entries = inst_->volume()->log_entries();
  std::vector<PendingFile> files;
  files.push_back(prepared("one"));
  files.push_back(prepared("taken"));  // created meanwhile (below): exists at the commit
  files.push_back(prepared("two"));
  FileRequest taken;
  taken.path = "taken";
  taken.size = kMiB;
  ASSERT_TRUE(inst_->create_file(taken, true).ok());
  const uint64_t free_before = free_bytes();
  auto made = inst_->commit_copies(std::move(files));
  ASSERT_TRUE(made.ok()) << made.error().message();
  ASSERT_EQ(made->size(), 3u);
  EXPECT_TRUE((*made)[0].ok());
  ASSERT_FALSE((*made)[1].ok());
  EXPECT_EQ((*made)[1].error().code(), Errc::exists);
  EXPECT_TRUE((*made)[2].ok());
  EXPECT_NE(find("one"), nullptr);
  EXPECT_NE(find("two"), nullptr);
  EXPECT_EQ(inst_->volume()->log_entries(), entries + 3) << "taken, then one and two: the failed item took no slot";
  EXPECT_EQ(free_bytes(), free_before + 2 * kMiB) << "the failed item's space went back";
  // A client replaying sees both committed files.
  auto client = std::make_unique<Instance>(InstanceSettings{path_, "client", testing::kClient, {}}, make_none_backend(),
                                           InstanceEvents{});
  client->start();
  EXPECT_NE(client->volume()->state().names().find("two"), nullptr);
}

}  // namespace
}  // namespace famfs::service

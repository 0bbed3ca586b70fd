// ReplayedState::apply(): the rules every replayed or appended entry passes.
#include "engine/replayed_state.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace famfs {
namespace {

constexpr uint64_t kUnit = omf::kAllocUnit;

omf::Geometry geometry() {
  omf::Geometry g;
  g.device_size = 1ULL << 30;
  return g;
}

// A file of SIZE bytes on one extent at OFFSET.
omf::LogEntry file_at(uint64_t index, std::string path, uint64_t offset, uint64_t size) {
  omf::FileEntry f;
  f.path = std::move(path);
  f.size = size;
  f.map.extents.push_back({0, offset, (size + kUnit - 1) / kUnit * kUnit});
  return omf::LogEntry{index, std::move(f)};
}

ApplyOutcome apply(ReplayedState& s, uint64_t index, omf::LogEntry entry, NodeId* added = nullptr) {
  return s.apply(index, std::variant<omf::LogEntry, Problem>(std::move(entry)), added);
}

TEST(ReplayedState, AppliedFileIsInTheNamespaceAndItsSpaceIsUsed) {
  ReplayedState s(geometry());
  const uint64_t before = s.allocator().allocated_bytes();
  const uint64_t data = s.geometry().data_offset();
  NodeId id = kRootNode;
  EXPECT_EQ(apply(s, 0, file_at(0, "f", data, 3 * kUnit), &id), ApplyOutcome::added_file);
  ASSERT_NE(s.names().find("f"), nullptr);
  EXPECT_EQ(s.names().find_id("f"), id);
  EXPECT_EQ(s.allocator().allocated_bytes() - before, 3 * kUnit);
  EXPECT_TRUE(s.problems().empty());
}

TEST(ReplayedState, AddedNodesAreQueuedOnceInLogOrder) {
  ReplayedState s(geometry());
  EXPECT_EQ(apply(s, 0, omf::LogEntry{0, omf::MkdirEntry{0, 0, 0755, "d"}}), ApplyOutcome::added_directory);
  EXPECT_EQ(apply(s, 1, file_at(1, "d/f", s.geometry().data_offset(), kUnit)), ApplyOutcome::added_file);
  auto added = s.take_added();
  ASSERT_EQ(added.size(), 2u);
  EXPECT_EQ(s.names().node(added[0]).path, "d");
  EXPECT_EQ(s.names().node(added[1]).path, "d/f");
  EXPECT_TRUE(s.take_added().empty());
}

TEST(ReplayedState, OverlappingFileIsRejectedAsACrosslink) {
  ReplayedState s(geometry());
  const uint64_t data = s.geometry().data_offset();
  ASSERT_EQ(apply(s, 0, file_at(0, "a", data, 2 * kUnit)), ApplyOutcome::added_file);
  EXPECT_EQ(apply(s, 1, file_at(1, "b", data + kUnit, 2 * kUnit)), ApplyOutcome::rejected);
  EXPECT_EQ(s.names().find("b"), nullptr);
  EXPECT_EQ(s.crosslinks(), 1u);
  ASSERT_EQ(s.problems().size(), 1u);
  EXPECT_EQ(s.problems()[0].kind, ProblemKind::crosslink);
  EXPECT_EQ(s.problems()[0].index, 1u);
  EXPECT_TRUE(s.take_added().size() == 1u);  // only "a"
}

TEST(ReplayedState, OrphanIsRejectedButItsSpaceIsNeverHandedOutAgain) {
  ReplayedState s(geometry());
  const uint64_t before = s.allocator().allocated_bytes();
  EXPECT_EQ(apply(s, 0, file_at(0, "missing/f", s.geometry().data_offset(), kUnit)), ApplyOutcome::rejected);
  EXPECT_EQ(s.names().file_count(), 0u);
  ASSERT_EQ(s.problems().size(), 1u);
  EXPECT_EQ(s.problems()[0].kind, ProblemKind::orphan);
  EXPECT_EQ(s.allocator().allocated_bytes() - before, kUnit);
}

TEST(ReplayedState, DuplicatePathIsRejected) {
  ReplayedState s(geometry());
  ASSERT_EQ(apply(s, 0, omf::LogEntry{0, omf::MkdirEntry{0, 0, 0755, "d"}}), ApplyOutcome::added_directory);
  EXPECT_EQ(apply(s, 1, omf::LogEntry{1, omf::MkdirEntry{0, 0, 0755, "d"}}), ApplyOutcome::rejected);
  ASSERT_EQ(s.problems().size(), 1u);
  EXPECT_EQ(s.problems()[0].kind, ProblemKind::duplicate);
}

TEST(ReplayedState, MapOutsideTheDataAreaIsRejected) {
  ReplayedState s(geometry());
  EXPECT_EQ(apply(s, 0, file_at(0, "f", 0, kUnit)), ApplyOutcome::rejected);  // over the superblock
  EXPECT_EQ(s.names().find("f"), nullptr);
  EXPECT_EQ(s.problems().size(), 1u);
  EXPECT_EQ(s.bad_entries() + s.crosslinks(), 1u);
}

TEST(ReplayedState, DecodeProblemIsRecordedAsABadEntry) {
  ReplayedState s(geometry());
  Problem p{3, ProblemKind::bad_crc, "entry 3: CRC mismatch"};
  EXPECT_EQ(s.apply(3, std::variant<omf::LogEntry, Problem>(p)), ApplyOutcome::rejected);
  EXPECT_EQ(s.bad_entries(), 1u);
  ASSERT_EQ(s.problems().size(), 1u);
  EXPECT_EQ(s.problems()[0].message, "entry 3: CRC mismatch");
}

TEST(ReplayedState, AddDaxdevIsIgnoredWithoutAProblem) {
  ReplayedState s(geometry());
  EXPECT_EQ(apply(s, 0, omf::LogEntry{0, omf::AddDaxdevEntry{}}), ApplyOutcome::ignored);
  EXPECT_TRUE(s.problems().empty());
  EXPECT_TRUE(s.take_added().empty());
}

TEST(ReplayedState, ReportedProblemIsKeptInOrder) {
  ReplayedState s(geometry());
  s.report(Problem{kNoIndex, ProblemKind::log_header, "header moved"});
  ASSERT_EQ(s.problems().size(), 1u);
  EXPECT_EQ(s.problems()[0].kind, ProblemKind::log_header);
}

}  // namespace
}  // namespace famfs

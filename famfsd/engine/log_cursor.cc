#include "engine/log_cursor.h"

#include <algorithm>
#include <span>

#include "omf/layout.h"
#include "omf/log_header.h"

namespace famfs {

namespace {
// Entries read per device access: ~280 KB, cache-sized, and few guarded calls.
constexpr uint64_t kBatchEntries = 512;
// How far ahead apply() prefetches: enough entries to cover a memory miss.
constexpr uint64_t kPrefetchAhead = 16;
// How far ahead it asks for the memory of the node an entry will add, for
// writing (measured: 8 and 16 alike, 4 and 32 slower).
constexpr uint64_t kNodePrefetchAhead = 16;
constexpr uint64_t kLine = 64;

// Asks for a line of the slots in the device's mapping,
// into L2: the next batch, a share per applied entry, so its copy finds it
// in the cache instead of waiting on memory (reading the log is otherwise
// a third of a full replay, and apply leaves the memory bus idle). A
// prefetch never faults, not even on poisoned memory: the copy still runs
// under the device's guard.
void prefetch_line(const uint8_t* p) { __builtin_prefetch(p, 0, 2); }
}  // namespace

Result<omf::ValidLogHeader> read_log_header(Device& dev, const omf::Geometry& geo,
                                            std::array<uint8_t, omf::kLogHeaderSize>* raw) {
  std::array<uint8_t, omf::kLogHeaderSize> local;
  auto& bytes = raw ? *raw : local;
  FAMFS_TRY(dev.invalidate(geo.log_offset, bytes.size()));
  FAMFS_TRY(dev.read(geo.log_offset, bytes.data(), bytes.size()));
  return omf::validate_log_header(std::span<const uint8_t, omf::kLogHeaderSize>(bytes), geo.log_len);
}

Result<ReplayStats> LogCursor::replay(Device& dev, ReplayedState& state) {
  ReplayStats stats;
  auto header = read_log_header(dev, state.geometry(), &stats.header_bytes);
  if (!header) return header.error();
  if (!header->warnings.empty() && !header_reported_) {
    header_reported_ = true;
    for (const Problem& p : header->warnings) state.report(p);
  }
  if (header->next_index < position_)
    return Error(Errc::corrupt, "log next_index went back from " + std::to_string(position_) + " to " +
                                    std::to_string(header->next_index) + " (reformatted or damaged)");
  const uint64_t end = header->next_index;
  const bool incremental = position_ != 0;
  if (end - position_ > 4096) state.reserve(end - position_);
  // Only the initial replay reads ahead: an incremental one drops the new
  // slots from the cache before it reads them.
  const uint8_t* view = incremental ? nullptr : dev.map_view();
  while (position_ < end) {
    uint64_t n = std::min(kBatchEntries, end - position_);
    uint64_t off = omf::entry_offset(position_);
    // The next batch: its bytes and its lines, spread over this batch's entries.
    const uint64_t next_n = std::min(kBatchEntries, end - position_ - n);
    const uint8_t* next = view ? view + omf::entry_offset(position_ + n) : nullptr;
    const uint64_t next_lines = next ? (next_n * omf::kLogEntrySize + kLine - 1) / kLine : 0;
    batch_.resize(n * omf::kLogEntrySize);
    // New slots on a client may be stale in this CPU's cache; the initial full
    // replay relies on the re-read of bad entries instead (cheaper, same result).
    if (incremental) FAMFS_TRY(dev.invalidate(off, batch_.size()));
    FAMFS_TRY(dev.read(off, batch_.data(), batch_.size()));
    // Decode the whole batch first, then apply it with the path index slot
    // of the entry kPrefetchAhead places on already requested from memory.
    decoded_.clear();
    hashes_.clear();
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t index = position_ + i;
      uint8_t* slot = batch_.data() + i * omf::kLogEntrySize;
      auto decoded = omf::decode_entry(omf::ConstEntryBytes(slot, omf::kLogEntrySize), index);
      if (std::holds_alternative<Problem>(decoded)) {
        // Possibly a torn or stale copy: drop our cached lines and read again.
        uint64_t slot_off = omf::entry_offset(index);
        FAMFS_TRY(dev.invalidate(slot_off, omf::kLogEntrySize));
        FAMFS_TRY(dev.read(slot_off, slot, omf::kLogEntrySize));
        decoded = omf::decode_entry(omf::ConstEntryBytes(slot, omf::kLogEntrySize), index);
      }
      hashes_.push_back(ReplayedState::path_hash(decoded));  // once: for the prefetch and the insert
      decoded_.push_back(std::move(decoded));
    }
    for (uint64_t i = 0; i < std::min(kPrefetchAhead, n); ++i) state.prefetch(hashes_[i]);
    // Lines of the next batch asked for so far: entry I asks up to
    // NEXT_LINES * (I + 1) / N of them (no division per entry).
    uint64_t asked = 0;
    for (uint64_t i = 0; i < n; ++i) {
      if (i + kPrefetchAhead < n) state.prefetch(hashes_[i + kPrefetchAhead]);
      state.prefetch_node_ahead(kNodePrefetchAhead);
      for (; asked * n < next_lines * (i + 1); ++asked) prefetch_line(next + asked * kLine);
      if (state.apply(position_ + i, std::move(decoded_[i]), nullptr, hashes_[i]) == ApplyOutcome::rejected)
        ++stats.rejected;
    }
    stats.entries += n;
    position_ += n;
  }
  stats.header = std::move(header.value());
  return stats;
}

}  // namespace famfs

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
constexpr uint64_t kPrefetchAhead = 8;
}  // namespace

Result<omf::ValidLogHeader> read_log_header(Device& dev, const omf::Geometry& geo) {
  uint8_t raw[omf::kLogHeaderSize];
  FAMFS_TRY(dev.invalidate(geo.log_offset, sizeof raw));
  FAMFS_TRY(dev.read(geo.log_offset, raw, sizeof raw));
  return omf::validate_log_header(std::span<const uint8_t, omf::kLogHeaderSize>(raw), geo.log_len);
}

Result<ReplayStats> LogCursor::replay(Device& dev, ReplayedState& state) {
  auto header = read_log_header(dev, state.geometry());
  if (!header) return header.error();
  ReplayStats stats;
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
  while (position_ < end) {
    uint64_t n = std::min(kBatchEntries, end - position_);
    uint64_t off = omf::entry_offset(position_);
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
    for (uint64_t i = 0; i < n; ++i) {
      if (i + kPrefetchAhead < n) state.prefetch(hashes_[i + kPrefetchAhead]);
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

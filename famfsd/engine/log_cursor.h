// Reads the log incrementally: each call replays only the entries appended
// since the previous one, so a client's periodic poll costs O(new entries).
#pragma once

#include <array>
#include <cstdint>
#include <variant>
#include <vector>

#include "device/device.h"
#include "engine/replayed_state.h"
#include "omf/log_header.h"
#include "util/result.h"

namespace famfs {

struct ReplayStats {
  uint64_t entries = 0;                                     // slots read this call
  uint64_t rejected = 0;                                    // of which reported as problems
  omf::ValidLogHeader header;                               // as read at the start of the call
  std::array<uint8_t, omf::kLogHeaderSize> header_bytes{};  // the bytes HEADER was validated from
};

class LogCursor {
 public:
  // Slots [0, position()) have been applied.
  uint64_t position() const { return position_; }

  // Reads the header and applies slots [position(), next_index) to STATE.
  // A bad entry is invalidated from the cache, read once more, and then
  // reported and skipped. Errors (state unchanged beyond what was applied):
  // memory_error (SIGBUS), corrupt (the header no longer validates or
  // next_index moved backwards: the log was reformatted or damaged).
  Result<ReplayStats> replay(Device& dev, ReplayedState& state);

  // Advances past slot INDEX written by this host's own LogWriter.
  void advance_to(uint64_t next) { position_ = next; }

 private:
  uint64_t position_ = 0;
  bool header_reported_ = false;
  std::vector<uint8_t> batch_;
  std::vector<std::variant<omf::LogEntry, Problem>> decoded_;  // one batch, decoded before it is applied
  std::vector<uint64_t> hashes_;                               // their path hashes (0: no path)
};

// Reads and validates the log header (invalidating its cache lines first).
Result<omf::ValidLogHeader> read_log_header(Device& dev, const omf::Geometry& geo,
                                            std::array<uint8_t, omf::kLogHeaderSize>* raw = nullptr);

}  // namespace famfs

// fsck's view of a volume: figures, listing and problems, as JSON and text.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/volume.h"

namespace famfs {

// Capacity and log figures (all derived from the volume, nothing cached).
struct CheckFigures {
  uint64_t files = 0, dirs = 0;
  uint64_t entries_used = 0, entries_capacity = 0;
  uint64_t bad_entries = 0, crosslinks = 0, problems = 0;
  uint64_t device_size = 0, allocated = 0, free = 0, sum_of_file_sizes = 0;
};

CheckFigures check_figures(const Volume& volume);

// JSON form of a file map: {type: "simple", extents: [...]} or
// {type: "interleaved", nstrips, chunk_size, strips: [...]}.
nlohmann::json map_to_json(const omf::FileMap& map);

// The whole report: superblock, log, dirs, files, problems, capacity, summary.
nlohmann::json check_report_json(const Volume& volume);

// REPORT as text. Paths from the log may hold any bytes but '/', NUL and
// control characters, so invalid UTF-8 is replaced (U+FFFD), never thrown on.
std::string dump_json(const nlohmann::json& report, int indent = 2);

// Human-readable report; VERBOSE adds the listing of every file and directory.
std::string check_report_text(const Volume& volume, bool verbose);

}  // namespace famfs

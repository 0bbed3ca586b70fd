// fsck's report of a volume (fsck.famfs --json and its text form): superblock,
// log, listing, problems and figures. Part of the tools, not the engine.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/check_figures.h"
#include "engine/volume.h"

namespace famfs {

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

// fsck's view of the host area: the registry as JSON and text, and notes on
// what looks stale or conflicting. Notes never make a file system unclean:
// the area is advisory, and reference images carry stale bytes there.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/host_registry.h"
#include "omf/superblock.h"

namespace famfs {

struct HostAreaNote {
  std::string kind;  // no_area, bad_master, foreign_master, bad_slot, duplicate_host, stale_host, stale_master
  std::string message;
};

// Notes on VIEW of the file system whose superblock is SB, at wall clock NOW_US.
std::vector<HostAreaNote> host_area_notes(const HostAreaView& view, const omf::SuperblockRecord& sb, uint64_t now_us);

// {"valid": b, "problem": s|null, "master": {...}|null, "hosts": [...], "notes": [...]}.
nlohmann::json host_area_json(const HostAreaView& view, const omf::SuperblockRecord& sb, uint64_t now_us);

// The same as indented text lines ("  host area: ...").
std::string host_area_text(const HostAreaView& view, const omf::SuperblockRecord& sb, uint64_t now_us);

}  // namespace famfs

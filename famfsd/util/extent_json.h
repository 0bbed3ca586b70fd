// One extent (or interleave strip) of a file map as JSON: the key set every
// famfs tool writes (famfsctl getmap, fsck.famfs --json): devindex, offset,
// length, all in bytes but devindex.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>

namespace famfs {

inline nlohmann::json extent_json(uint64_t devindex, uint64_t offset, uint64_t length) {
  return {{"devindex", devindex}, {"offset", offset}, {"length", length}};
}

}  // namespace famfs

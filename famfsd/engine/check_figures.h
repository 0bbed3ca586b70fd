// A volume's capacity and log figures, as fsck reports them and famfsd's
// Check method answers them.
#pragma once

#include <cstdint>

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

}  // namespace famfs

#include "engine/check_figures.h"

namespace famfs {

CheckFigures check_figures(const Volume& v) {
  const ReplayedState& s = v.state();
  CheckFigures f;
  f.files = s.names().file_count();
  f.dirs = s.names().directory_count();
  f.entries_used = v.log_entries();
  f.entries_capacity = v.log_capacity();
  f.bad_entries = s.bad_entries();
  f.crosslinks = s.crosslinks();
  f.problems = v.problems().size() + (v.fatal() ? 1 : 0);
  f.device_size = v.geometry().device_size;
  f.allocated = s.allocator().allocated_bytes();
  f.free = s.allocator().free_bytes();
  f.sum_of_file_sizes = s.names().sum_of_file_sizes();
  return f;
}

}  // namespace famfs

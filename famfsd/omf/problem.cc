#include "omf/problem.h"

namespace famfs {

std::string_view problem_kind_name(ProblemKind kind) {
  switch (kind) {
    case ProblemKind::superblock: return "superblock";
    case ProblemKind::device_size: return "device_size";
    case ProblemKind::log_header: return "log_header";
    case ProblemKind::bad_crc: return "bad_crc";
    case ProblemKind::bad_seqnum: return "bad_seqnum";
    case ProblemKind::bad_type: return "bad_type";
    case ProblemKind::invalid_path: return "invalid_path";
    case ProblemKind::invalid_map: return "invalid_map";
    case ProblemKind::out_of_range: return "out_of_range";
    case ProblemKind::orphan: return "orphan";
    case ProblemKind::duplicate: return "duplicate";
    case ProblemKind::crosslink: return "crosslink";
    case ProblemKind::unsupported_entry: return "unsupported_entry";
    case ProblemKind::bad_delete: return "bad_delete";
    case ProblemKind::memory_error: return "memory_error";
    case ProblemKind::publish_failed: return "publish_failed";
    case ProblemKind::device: return "device";
    case ProblemKind::mount: return "mount";
  }
  return "unknown";
}

}  // namespace famfs

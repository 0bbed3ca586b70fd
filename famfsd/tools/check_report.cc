#include "tools/check_report.h"

#include <cinttypes>
#include <cstdio>

#include "util/extent_json.h"

namespace famfs {

using nlohmann::json;

static json extents_json(const omf::ExtentList& xs) {
  json out = json::array();
  for (const omf::Extent& x : xs) out.push_back(extent_json(x.devindex, x.offset, x.len));
  return out;
}

json map_to_json(const omf::FileMap& map) {
  if (map.type == omf::MapType::simple) return {{"type", "simple"}, {"extents", extents_json(map.extents)}};
  return {{"type", "interleaved"},
          {"nstrips", map.extents.size()},
          {"chunk_size", map.chunk_size},
          {"strips", extents_json(map.extents)}};
}

static json problem_json(const Problem& p) {
  return {{"index", p.index == kNoIndex ? json(nullptr) : json(p.index)},
          {"kind", problem_kind_name(p.kind)},
          {"message", p.message}};
}

json check_report_json(const Volume& v) {
  const omf::SuperblockRecord& r = v.superblock().record;
  const omf::LogHeaderRecord& h = v.log_header().record;
  CheckFigures f = check_figures(v);
  json dirs = json::array(), files = json::array(), problems = json::array();
  v.state().names().for_each([&](const Node& n) {
    if (Namespace::implicit(n)) return;  // .meta without a MKDIR: not in the log
    if (n.is_dir) {
      dirs.push_back({{"index", n.log_index}, {"path", n.path}, {"mode", n.mode}, {"uid", n.uid}, {"gid", n.gid}});
    } else {
      files.push_back({{"index", n.log_index},
                       {"path", n.path},
                       {"size", n.size},
                       {"mode", n.mode},
                       {"uid", n.uid},
                       {"gid", n.gid},
                       {"flags", n.flags},
                       {"map", map_to_json(n.map)}});
    }
  });
  for (const Problem& p : v.problems()) problems.push_back(problem_json(p));
  if (v.fatal()) problems.push_back({{"index", nullptr}, {"kind", "log_header"}, {"message", v.fatal()->message()}});
  // Deletion (docs/delete.md): what the log has removed and no host has
  // freed yet (fsck cannot know which hosts released it: the master decides).
  json pending = json::array();
  for (const auto& p : v.state().allocator().pending())
    pending.push_back({{"path", p.record->path},
                       {"delete_index", p.record->delete_index},
                       {"bytes", p.bytes},
                       {"map", map_to_json(p.record->map)}});
  const uint64_t inferred = v.state().delete_inferred_at();
  json deletion = {{"enabled", v.delete_enabled()},
                   {"inferred_from_entry", inferred ? json(inferred) : json(nullptr)},
                   {"pending_release_bytes", v.state().allocator().pending_bytes()},
                   {"pending_release", std::move(pending)}};
  return {
      {"device", v.superblock().record.dev_name.empty() ? json(nullptr) : json(r.dev_name)},
      {"superblock",
       {{"magic", r.magic},
        {"version", r.version},
        {"log_offset", r.log_offset},
        {"log_len", r.log_len},
        {"alloc_unit", r.alloc_unit},
        {"omf_major", r.omf_major},
        {"omf_minor", r.omf_minor},
        {"fs_uuid", r.fs_uuid.to_string()},
        {"dev_uuid", r.dev_uuid.to_string()},
        {"system_uuid", r.system_uuid.to_string()},
        {"crc", r.crc},
        {"dev_size", r.dev_size},
        {"dev_name", r.dev_name}}},
      {"log",
       {{"next_index", h.next_index},
        {"next_seqnum", h.next_seqnum},
        {"last_index", h.last_index},
        {"used", f.entries_used},
        {"capacity", f.entries_capacity}}},
      {"dirs", std::move(dirs)},
      {"files", std::move(files)},
      {"problems", std::move(problems)},
      {"capacity",
       {{"device_size", f.device_size},
        {"allocated", f.allocated},
        {"free", f.free},
        {"sum_of_file_sizes", f.sum_of_file_sizes}}},
      {"deletion", std::move(deletion)},
      {"summary",
       {{"files", f.files},
        {"dirs", f.dirs},
        {"bad_entries", f.bad_entries},
        {"crosslinks", f.crosslinks},
        {"problems", f.problems},
        {"clean", f.problems == 0}}},
  };
}

std::string dump_json(const nlohmann::json& report, int indent) {
  return report.dump(indent, ' ', false, json::error_handler_t::replace);
}

static std::string fmt(const char* format, auto... args) {
  char buf[512];
  snprintf(buf, sizeof buf, format, args...);
  return buf;
}

std::string check_report_text(const Volume& v, bool verbose) {
  const omf::SuperblockRecord& r = v.superblock().record;
  CheckFigures f = check_figures(v);
  std::string out;
  out += fmt("famfs file system %s (version %" PRIu64 ", OMF %u.%u)\n", r.fs_uuid.to_string().c_str(), r.version,
             r.omf_major, r.omf_minor);
  out += fmt("  master system UUID %s\n", r.system_uuid.to_string().c_str());
  out += fmt("  log: %" PRIu64 " of %" PRIu64 " entries used (%" PRIu64 " bytes)\n", f.entries_used, f.entries_capacity,
             r.log_len);
  out += fmt("  %" PRIu64 " files, %" PRIu64 " directories\n", f.files, f.dirs);
  out += fmt("  device %" PRIu64 " bytes: allocated %" PRIu64 ", free %" PRIu64 ", sum of file sizes %" PRIu64 "\n",
             f.device_size, f.allocated, f.free, f.sum_of_file_sizes);
  if (v.delete_enabled()) {
    auto pending = v.state().allocator().pending();
    out += fmt("  deletion enabled: %" PRIu64 " bytes of %zu removed file(s) not reused since their DELETE\n",
               v.state().allocator().pending_bytes(), pending.size());
    if (v.state().delete_inferred_at())
      out += fmt("  (the host area header does not validate: deletion inferred from the DELETE at entry %" PRIu64 ")\n",
                 v.state().delete_inferred_at());
    if (verbose)
      for (const auto& p : pending)
        out += fmt("    removed %s (entry %" PRIu64 ", %" PRIu64 " bytes)\n", p.record->path.c_str(),
                   p.record->delete_index, p.bytes);
  }
  if (verbose) {
    v.state().names().for_each([&](const Node& n) {
      if (Namespace::implicit(n)) return;
      if (n.is_dir)
        out += fmt("  dir  %04o %u:%u %s/\n", n.mode, n.uid, n.gid, n.path.c_str());
      else
        out += fmt("  file %04o %u:%u %12" PRIu64 " %s\n", n.mode, n.uid, n.gid, n.size, n.path.c_str());
    });
  }
  auto problems = v.problems();
  for (const Problem& p : problems) {
    std::string where = p.index == kNoIndex ? "" : fmt("entry %" PRIu64 ": ", p.index);
    out +=
        fmt("  problem (%s): %s%s\n", std::string(problem_kind_name(p.kind)).c_str(), where.c_str(), p.message.c_str());
  }
  if (v.fatal()) out += "  problem (log_header): " + v.fatal()->message() + "\n";
  out += f.problems == 0 ? "clean\n" : fmt("%" PRIu64 " problem(s) found\n", f.problems);
  return out;
}

}  // namespace famfs

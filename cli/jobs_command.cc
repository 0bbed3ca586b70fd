// jobs: the instance's job objects (ObjectManager.GetManagedObjects), and
// jobs cancel N (Job.Cancel).
#include <cstdio>

#include "commands.h"
#include "instance_name.h"
#include "views.h"

namespace famfs::cli {
namespace {

using Interfaces = std::map<std::string, std::map<std::string, sdbus::Variant>>;

// The job objects among the managed objects, in job-number order.
std::vector<JobRow> job_rows(const std::map<sdbus::ObjectPath, Interfaces>& objects) {
  const std::string prefix = std::string(kJobsObjectPath) + "/";
  std::vector<JobRow> rows;
  for (const auto& [path, interfaces] : objects) {
    auto it = interfaces.find("org.famfs.Famfs1.Job");
    if (it == interfaces.end() || !path.starts_with(prefix)) continue;
    const PropertyMap& p = it->second;
    JobRow row;
    row.object_path = path;
    try {
      row.number = std::stoull(path.substr(prefix.size()));
    } catch (const std::exception&) {
      continue;  // not one of ours
    }
    row.operation = get_string(p, "Operation").value_or("");
    row.path = get_string(p, "Path").value_or("");
    row.bytes_done = get_u64(p, "BytesDone").value_or(0);
    row.bytes_total = get_u64(p, "BytesTotal").value_or(0);
    if (auto v = p.find("Progress"); v != p.end() && v->second.containsValueOfType<double>())
      row.progress = v->second.get<double>();
    row.started_by_uid = static_cast<uint32_t>(get_u64(p, "StartedByUid").value_or(0));
    row.finished = get_bool(p, "Finished").value_or(false);
    row.success = get_bool(p, "Success").value_or(false);
    row.error = get_string(p, "Error").value_or("");
    row.error_message = get_string(p, "Message").value_or("");
    rows.push_back(std::move(row));
  }
  std::sort(rows.begin(), rows.end(), [](const JobRow& a, const JobRow& b) { return a.number < b.number; });
  return rows;
}

}  // namespace

ExitCode run_jobs(Session& s) {
  const Request& r = s.request;
  if (!r.operands.empty()) {  // jobs cancel N (checked by the parser)
    std::string path = std::string(kJobsObjectPath) + "/" + r.operands[1];
    JobProxy job(s.bus.connection(), s.bus_name, path);
    try {
      job.Cancel({});
    } catch (const sdbus::Error& e) {
      if (e.getName() == "org.freedesktop.DBus.Error.UnknownObject" ||
          e.getName() == "org.freedesktop.DBus.Error.UnknownMethod")
        throw sdbus::Error("org.famfs.Famfs1.Error.NotFound", "no job " + r.operands[1] + " (see famfsctl jobs)");
      throw;
    }
    if (!r.global.json) printf("cancellation of job %s requested\n", r.operands[1].c_str());
    return ExitCode::ok;
  }
  auto proxy = sdbus::createProxy(s.bus.connection(), s.bus_name, kFilesystemObjectPath);
  std::map<sdbus::ObjectPath, Interfaces> objects;
  proxy->callMethod("GetManagedObjects").onInterface("org.freedesktop.DBus.ObjectManager").storeResultsTo(objects);
  auto rows = job_rows(objects);
  // The Path property is empty when not everyone may see it; GetPath asks
  // for this user (AccessDenied keeps it hidden).
  for (auto& row : rows) {
    if (!row.path.empty()) continue;
    try {
      JobProxy job(s.bus.connection(), s.bus_name, row.object_path);
      row.path = job.GetPath({});
    } catch (const sdbus::Error&) {}
  }
  std::string out = r.global.json ? dump_json(render_jobs_json(rows), true) + "\n" : render_jobs_text(rows);
  fwrite(out.data(), 1, out.size(), stdout);
  return ExitCode::ok;
}

}  // namespace famfs::cli

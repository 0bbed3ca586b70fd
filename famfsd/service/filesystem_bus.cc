#include "service/filesystem_bus.h"

#include <algorithm>
#include <exception>

#include "engine/check_figures.h"
#include "omf/layout.h"
#include "omf/path_rules.h"
#include "service/bus_errors.h"
#include "service/bus_options.h"
#include "util/bus_name.h"
#include "util/size_parse.h"
#include "service/daemon.h"
#include "service/job_bus.h"
#include "service/log.h"
#include "service/permissions.h"

namespace famfs::service {

namespace {

constexpr const char* kInterface = org::famfs::Famfs1::Filesystem_adaptor::INTERFACE_NAME;

using Extents = std::vector<sdbus::Struct<uint64_t, uint64_t, uint64_t>>;

Extents extents_of(const omf::FileMap& map) {
  Extents out;
  for (const omf::Extent& x : map.extents) out.emplace_back(x.devindex, x.offset, x.len);
  return out;
}

std::vector<sdbus::Struct<int64_t, std::string, std::string>> problems_of(const std::vector<Problem>& problems) {
  std::vector<sdbus::Struct<int64_t, std::string, std::string>> out;
  for (const Problem& p : problems)
    out.emplace_back(p.index == kNoIndex ? int64_t{-1} : static_cast<int64_t>(p.index),
                     std::string(problem_kind_name(p.kind)), p.message);
  return out;
}

uint64_t allocated_space(const omf::FileMap& map) { return map.mapped_bytes(); }

// uid and gid ListDirectory gives for entries of a directory the caller may
// read but not search.
constexpr uint32_t kHiddenId = UINT32_MAX;

// The mode, uid and gid options (mode defaulting to DEFAULT_MODE, the owner to
// the caller; another owner needs root).
void set_mode_and_owner(const Options& o, const Caller& caller, uint32_t default_mode, uint32_t& mode, uint32_t& uid,
                        uint32_t& gid) {
  mode = o.u32("mode").value_or(default_mode);  // the engine checks the bits
  auto owner = resolve_owner(caller, o.u32("uid"), o.u32("gid"));
  if (!owner) throw to_dbus_error(owner.error());
  uid = owner->uid;
  gid = owner->gid;
}

}  // namespace

FilesystemObject::FilesystemObject(Daemon& daemon)
    : AdaptorInterfaces(daemon.connection(), kObjectPath), daemon_(daemon) {
  registerAdaptor();
  announced_ = figures();  // a client reads the start values with GetAll
}

FilesystemObject::~FilesystemObject() { unregisterAdaptor(); }

std::vector<std::pair<std::string, std::string>> FilesystemObject::figures() {
  std::string problems;
  for (const Problem& p : daemon_.instance().problems())
    problems += std::to_string(p.index) + ' ' + std::string(problem_kind_name(p.kind)) + ' ' + p.message + '\n';
  return {{"DeviceSize", std::to_string(DeviceSize())},
          {"Role", Role()},
          {"Uuid", Uuid()},
          {"MasterSystemUuid", MasterSystemUuid()},
          {"MountPoint", MountPoint()},
          {"Backend", Backend()},
          {"LogEntries", std::to_string(LogEntries())},
          {"LogCapacity", std::to_string(LogCapacity())},
          {"Files", std::to_string(Files())},
          {"Directories", std::to_string(Directories())},
          {"AllocatedBytes", std::to_string(AllocatedBytes())},
          {"FreeBytes", std::to_string(FreeBytes())},
          {"PendingReleaseBytes", std::to_string(PendingReleaseBytes())},
          {"Problems", problems}};
}

void FilesystemObject::emit_figures_changed() {
  // Only the properties whose values differ from what was last announced.
  auto now = figures();
  std::vector<std::string> changed;
  for (size_t i = 0; i < now.size(); ++i)
    if (i >= announced_.size() || announced_[i].second != now[i].second) changed.push_back(now[i].first);
  announced_ = std::move(now);
  if (!changed.empty()) emitPropertiesChangedSignal(kInterface, changed);
}

void FilesystemObject::poll_interval_changed() { emitPropertiesChangedSignal(kInterface, {"PollIntervalMs"}); }

void FilesystemObject::state_changed(InstanceState state, const std::string& reason) {
  emitPropertiesChangedSignal(kInterface, {"State", "StateReason"});
  emitStateChanged(instance_state_name(state), reason);
}

Caller FilesystemObject::authorized(Action action) {
  Caller c = daemon_.caller_of(*getObject().getCurrentlyProcessedMessage());
  throw_if(authorize(c, action, daemon_.famfs_gid()));
  return c;
}

const Volume& FilesystemObject::volume() {
  service::Instance& inst = daemon_.instance();
  if (inst.state() == InstanceState::failed)
    throw named_error("DeviceFailed", "the instance failed: " + inst.state_reason());
  if (inst.volume() == nullptr)
    throw named_error("NotFormatted", inst.settings().device_path + " holds no famfs file system");
  return *inst.volume();
}

const Node& FilesystemObject::file_node(const Caller& caller, const std::string& path, unsigned want) {
  require_valid_path(path);
  auto n = resolve(volume().state().names(), caller, path, want);
  if (!n) throw to_dbus_error(n.error());
  if ((*n)->is_dir) throw named_error("InvalidArgument", path + " is a directory");
  return **n;
}

FileRequest FilesystemObject::file_request(const std::string& path, uint64_t size, const Options& o,
                                           const Caller& caller) {
  // Size 0, mode bits and the interleave parameters are the engine's to
  // check (Volume::check_request); here the options are read. A size beyond
  // the device is the engine's no_space, but on the bus it is a request
  // that can never succeed: InvalidArgument, as it always was.
  require_valid_path(path);
  const uint64_t dev_size = daemon_.instance().device_size();
  if (size > dev_size)
    throw named_error("InvalidArgument",
                      "size " + size_text(size) + " is larger than the device (" + size_text(dev_size) + ")");
  FileRequest r;
  r.path = path;
  r.size = size;
  set_mode_and_owner(o, caller, 0644, r.mode, r.uid, r.gid);
  auto nstrips = o.u32("nstrips");
  auto chunk = o.u64("chunk_size");
  if (nstrips.has_value() != chunk.has_value())
    throw named_error("InvalidArgument", "nstrips and chunk_size go together");
  if (nstrips) r.interleave = InterleaveParams{*nstrips, *chunk, 0};
  return r;
}

void FilesystemObject::Format(const OptionMap& options) {
  guard_handler("Format", [&] {
    Options o(options, {{"log_size", "t"}, {"force", "b"}, {"enable_delete", "b"}});
    authorized(Action::format);
    if (!daemon_.config().allow_format)
      throw named_error("Unsupported", "formatting " + daemon_.instance().settings().device_path +
                                           " is not allowed by the configuration (allow_format = false)");
    throw_if(daemon_.instance().format(o.u64("log_size").value_or(omf::kDefaultLogLen),
                                       o.boolean("force").value_or(false), o.boolean("enable_delete").value_or(false)));
  });
}

FileRequest FilesystemObject::checked_file(const std::string& path, uint64_t size, const OptionMap& options,
                                           const Caller& c, bool& zero) {
  Options o(options, {{"mode", "u"}, {"uid", "u"}, {"gid", "u"}, {"zero", "b"}, {"nstrips", "u"}, {"chunk_size", "t"}});
  FileRequest r = file_request(path, size, o, c);
  auto zero_option = o.boolean("zero");
  if (zero_option == false && c.uid != 0)
    throw named_error("AccessDenied",
                      "only root may skip zeroing (zero=false): the new allocation could hold "
                      "stale bytes of deleted or reformatted files");
  throw_if(may_create(volume().state().names(), c, path));
  // Callers other than root always get zeroed memory, whatever the configuration says.
  zero = zero_option.value_or(c.uid != 0 || daemon_.config().zero_new_files);
  return r;
}

void FilesystemObject::CreateFile(const std::string& path, const uint64_t& size, const OptionMap& options) {
  guard_handler("CreateFile", [&] {
    Caller c = authorized(Action::mutate);
    bool zero = true;
    FileRequest r = checked_file(path, size, options, c, zero);
    throw_if(daemon_.instance().create_file(r, zero));
  });
}

std::vector<sdbus::Struct<std::string, std::string>> FilesystemObject::CreateFiles(
    const std::vector<sdbus::Struct<std::string, uint64_t, OptionMap>>& files, const OptionMap& options) {
  return guard_handler("CreateFiles", [&] {
    Options batch_options(options, {});
    Caller c = authorized(Action::mutate);
    if (files.size() > kMaxBatchItems)
      throw named_error("InvalidArgument", "a batch holds at most " + std::to_string(kMaxBatchItems) + " items, not " +
                                               std::to_string(files.size()) + " (split it into several calls)");
    volume();
    std::vector<sdbus::Struct<std::string, std::string>> results(files.size());
    auto made = daemon_.instance().create_batch(files.size(), [&](size_t i) -> std::optional<Instance::BatchItem> {
      const std::string& path = std::get<0>(files[i]);
      const uint64_t size = std::get<1>(files[i]);
      const OptionMap& item_options = std::get<2>(files[i]);
      try {
        Instance::BatchItem item;
        auto kind = item_options.find("directory");
        bool directory = false;
        if (kind != item_options.end()) {
          if (kind->second.peekValueType() != "b")
            throw named_error("InvalidArgument", "option directory must be of type b");
          directory = kind->second.get<bool>();
        }
        OptionMap rest = item_options;
        rest.erase("directory");
        if (directory) {
          Options o(rest, {{"mode", "u"}, {"uid", "u"}, {"gid", "u"}});
          require_valid_path(path);
          if (size != 0)
            throw named_error("InvalidArgument", path + ": a directory item has size 0, not " + std::to_string(size));
          DirRequest r;
          r.path = path;
          set_mode_and_owner(o, c, 0755, r.mode, r.uid, r.gid);
          throw_if(may_create(volume().state().names(), c, path));
          item.directory = std::move(r);
        } else {
          item.file = checked_file(path, size, rest, c, item.zero);
        }
        return item;
      } catch (const sdbus::Error& e) {
        results[i] = {e.getName(), e.getMessage()};
        return std::nullopt;
      }
    });
    if (!made) throw to_dbus_error(made.error());
    for (size_t i = 0; i < files.size(); ++i) {
      const Status& s = (*made)[i];
      if (!s) results[i] = {dbus_error_name(s.error().code()), s.error().message()};
    }
    return results;
  });
}

void FilesystemObject::Mkdir(const std::string& path, const OptionMap& options) {
  guard_handler("Mkdir", [&] {
    Options o(options, {{"mode", "u"}, {"uid", "u"}, {"gid", "u"}, {"parents", "b"}});
    Caller c = authorized(Action::mutate);
    require_valid_path(path);
    volume();
    DirRequest r;
    r.path = path;
    set_mode_and_owner(o, c, 0755, r.mode, r.uid, r.gid);
    const bool parents = o.boolean("parents").value_or(false);
    const Namespace& ns = volume().state().names();
    throw_if(parents ? may_create_parents(ns, c, path, r.uid, r.gid, r.mode) : may_create(ns, c, path));
    throw_if(daemon_.instance().make_directory(r, parents));
  });
}

std::vector<sdbus::Struct<std::string, std::string, uint64_t, uint32_t, uint32_t, uint32_t>>
FilesystemObject::ListDirectory(const std::string& path, const OptionMap& options) {
  return guard_handler("ListDirectory", [&] {
    Options o(options, {});
    Caller caller = authorized(Action::read);
    require_valid_path(path, true);
    const Namespace& ns = volume().state().names();
    auto found = resolve(ns, caller, path, kMayRead);
    if (!found) throw to_dbus_error(found.error());
    const Node* dir = *found;
    if (!dir->is_dir) throw named_error("NotDirectory", path + " is a file");
    // Reading a directory gives names; the attributes of what is inside
    // need search on it too, as for `ls -l` (which shows '?' then).
    const bool searchable = permitted(caller, dir->uid, dir->gid, dir->mode, kMayExec);
    std::vector<sdbus::Struct<std::string, std::string, uint64_t, uint32_t, uint32_t, uint32_t>> out;
    out.reserve(dir->children.size());
    for (NodeId id : dir->children) {
      const Node& c = ns.node(id);
      if (searchable)
        out.emplace_back(std::string(omf::base_name(c.path)), std::string(c.is_dir ? "dir" : "file"), c.size, c.mode,
                         c.uid, c.gid);
      else
        out.emplace_back(std::string(omf::base_name(c.path)), std::string(c.is_dir ? "dir" : "file"), uint64_t{0},
                         uint32_t{0}, kHiddenId, kHiddenId);
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return std::get<0>(a) < std::get<0>(b); });
    return out;
  });
}

FilesystemObject::OptionMap FilesystemObject::Stat(const std::string& path, const OptionMap& options) {
  return guard_handler("Stat", [&] {
    Options o(options, {});
    Caller caller = authorized(Action::read);
    require_valid_path(path, true);
    auto found = resolve(volume().state().names(), caller, path);
    if (!found) throw to_dbus_error(found.error());
    const Node* n = *found;
    OptionMap info;
    info["path"] = sdbus::Variant(n->path);
    info["type"] = sdbus::Variant(std::string(n->is_dir ? "dir" : "file"));
    info["mode"] = sdbus::Variant(n->mode);
    info["uid"] = sdbus::Variant(n->uid);
    info["gid"] = sdbus::Variant(n->gid);
    if (n->log_index != UINT64_MAX) info["log_index"] = sdbus::Variant(n->log_index);
    if (!n->is_dir) {
      info["size"] = sdbus::Variant(n->size);
      info["flags"] = sdbus::Variant(n->flags);
      info["allocated"] = sdbus::Variant(allocated_space(n->map));
    }
    return info;
  });
}

FilesystemObject::OptionMap FilesystemObject::GetFileMap(const std::string& path, const OptionMap& options) {
  return guard_handler("GetFileMap", [&] {
    Options o(options, {});
    Caller caller = authorized(Action::read);
    const Node& n = file_node(caller, path, kMayRead);
    OptionMap map;
    if (n.map.type == omf::MapType::simple) {
      map["type"] = sdbus::Variant(std::string("simple"));
      map["extents"] = sdbus::Variant(extents_of(n.map));
    } else {
      map["type"] = sdbus::Variant(std::string("interleaved"));
      map["nstrips"] = sdbus::Variant(static_cast<uint32_t>(n.map.extents.size()));
      map["chunk_size"] = sdbus::Variant(n.map.chunk_size);
      map["strips"] = sdbus::Variant(extents_of(n.map));
    }
    return map;
  });
}

FilesystemObject::OptionMap FilesystemObject::Check(const OptionMap& options) {
  return guard_handler("Check", [&] {
    Options o(options, {});
    const Volume& v = volume();
    CheckFigures f = check_figures(v);
    auto problems = daemon_.instance().problems();
    OptionMap r;
    r["clean"] = sdbus::Variant(problems.empty());
    r["problems"] = sdbus::Variant(problems_of(problems));
    r["files"] = sdbus::Variant(f.files);
    r["dirs"] = sdbus::Variant(f.dirs);
    r["allocated"] = sdbus::Variant(f.allocated);
    r["free"] = sdbus::Variant(f.free);
    r["sum_of_file_sizes"] = sdbus::Variant(f.sum_of_file_sizes);
    r["log_used"] = sdbus::Variant(f.entries_used);
    r["log_capacity"] = sdbus::Variant(f.entries_capacity);
    r["pending_release_bytes"] = sdbus::Variant(v.state().allocator().pending_bytes());
    r["pending_release_files"] = sdbus::Variant(static_cast<uint64_t>(v.state().allocator().pending().size()));
    return r;
  });
}

uint64_t FilesystemObject::Replay(const OptionMap& options) {
  return guard_handler("Replay", [&] {
    Options o(options, {});
    volume();
    return daemon_.instance().poll();
  });
}

std::string FilesystemObject::Device() { return daemon_.instance().settings().device_path; }
std::string FilesystemObject::Instance() { return daemon_.instance().settings().instance_name; }
uint64_t FilesystemObject::DeviceSize() { return daemon_.instance().device_size(); }
std::string FilesystemObject::State() { return instance_state_name(daemon_.instance().state()); }
std::string FilesystemObject::StateReason() { return daemon_.instance().state_reason(); }
std::string FilesystemObject::Role() { return daemon_.instance().role_name(); }
std::string FilesystemObject::Uuid() {
  const Volume* v = daemon_.instance().volume();
  return v ? v->superblock().record.fs_uuid.to_string() : "";
}
std::string FilesystemObject::SystemUuid() { return daemon_.instance().settings().system_uuid.to_string(); }
std::string FilesystemObject::MasterSystemUuid() {
  const Volume* v = daemon_.instance().volume();
  return v ? v->superblock().record.system_uuid.to_string() : "";
}
std::string FilesystemObject::MountPoint() { return daemon_.instance().backend().mountpoint(); }
std::string FilesystemObject::Backend() { return daemon_.instance().backend().name(); }
uint64_t FilesystemObject::LogEntries() {
  const Volume* v = daemon_.instance().volume();
  return v ? v->log_entries() : 0;
}
uint64_t FilesystemObject::LogCapacity() {
  const Volume* v = daemon_.instance().volume();
  return v ? v->log_capacity() : 0;
}
uint64_t FilesystemObject::Files() {
  const Volume* v = daemon_.instance().volume();
  return v ? v->state().names().file_count() : 0;
}
uint64_t FilesystemObject::Directories() {
  const Volume* v = daemon_.instance().volume();
  return v ? v->state().names().directory_count() : 0;
}
uint64_t FilesystemObject::AllocatedBytes() {
  const Volume* v = daemon_.instance().volume();
  return v ? v->state().allocator().allocated_bytes() : 0;
}
uint64_t FilesystemObject::FreeBytes() {
  const Volume* v = daemon_.instance().volume();
  return v ? v->state().allocator().free_bytes() : 0;
}
std::vector<sdbus::Struct<int64_t, std::string, std::string>> FilesystemObject::Problems() {
  return problems_of(daemon_.instance().problems());
}
uint32_t FilesystemObject::PollIntervalMs() { return daemon_.config().poll_interval_ms; }

// ---- host registry (issue 12): MasterAlive, MasterLastSeen, Hosts, ForgetHost ----

void FilesystemObject::presence_changed() {
  const HostPresence* p = daemon_.instance().presence();
  const bool alive = p && p->master_alive();
  std::vector<HostView> hosts = p ? p->hosts() : std::vector<HostView>{};
  for (HostView& h : hosts) h.last_seen_us = 0;
  std::vector<std::string> changed;
  if (announced_alive_ != alive) changed.insert(changed.end(), {"MasterAlive", "MasterLastSeen"});
  if (hosts != announced_hosts_) changed.push_back("Hosts");
  auto damaged = p ? p->damaged_slots() : std::vector<std::pair<uint32_t, std::string>>{};
  if (damaged != announced_damaged_) changed.push_back("DamagedHostSlots");
  announced_alive_ = alive;
  announced_hosts_ = std::move(hosts);
  announced_damaged_ = std::move(damaged);
  if (!changed.empty()) emitPropertiesChangedSignal(kInterface, changed);
}

bool FilesystemObject::MasterAlive() {
  const HostPresence* p = daemon_.instance().presence();
  return p && p->master_alive();
}

uint64_t FilesystemObject::MasterLastSeen() {
  const HostPresence* p = daemon_.instance().presence();
  return p ? p->master_last_seen_us() : 0;
}

std::vector<sdbus::Struct<std::string, std::string, std::string, std::string, uint64_t, uint64_t, uint64_t>>
FilesystemObject::Hosts() {
  std::vector<sdbus::Struct<std::string, std::string, std::string, std::string, uint64_t, uint64_t, uint64_t>> out;
  if (const HostPresence* p = daemon_.instance().presence())
    for (const HostView& h : p->hosts())
      out.emplace_back(h.system_uuid, h.hostname, h.role, h.state, h.applied, h.last_seen_us, h.released);
  return out;
}

std::vector<sdbus::Struct<uint32_t, std::string>> FilesystemObject::DamagedHostSlots() {
  std::vector<sdbus::Struct<uint32_t, std::string>> out;
  if (const HostPresence* p = daemon_.instance().presence())
    for (const auto& [slot, why] : p->damaged_slots()) out.emplace_back(slot, why);
  return out;
}

uint32_t FilesystemObject::HeartbeatIntervalMs() { return daemon_.config().heartbeat_interval_ms; }

uint32_t FilesystemObject::ForgetHost(const std::string& system_uuid, const OptionMap& options) {
  return guard_handler("ForgetHost", [&] {
    Options o(options, {{"slot", "u"}});
    authorized(Action::format);  // root only, as Format
    if (auto slot = o.u32("slot")) {
      if (!system_uuid.empty())
        throw named_error("InvalidArgument", "give either a system UUID or the slot option, not both");
      volume();
      auto n = daemon_.instance().forget_slot(*slot);
      if (!n) throw to_dbus_error(n.error());
      daemon_.instance().heartbeat();
      return *n;
    }
    auto uuid = famfs::Uuid::parse(system_uuid);
    if (!uuid) throw named_error("InvalidArgument", "\"" + system_uuid + "\" is not a UUID");
    volume();
    auto n = daemon_.instance().forget_host(*uuid);
    if (!n) throw to_dbus_error(n.error());
    daemon_.instance().heartbeat();  // show the new table at once
    return *n;
  });
}

// ---- end of host registry ----

}  // namespace famfs::service

// org.famfs.Famfs1.Filesystem at /org/famfs/Famfs1: the D-Bus face of an
// Instance. Every handler turns famfs errors into named D-Bus errors and
// lets nothing but sdbus::Error escape (sdbus-c++ 1.2 would stop its loop).
#pragma once

#include <sdbus-c++/sdbus-c++.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "famfs1_filesystem_adaptor.h"
#include "service/authorization.h"
#include "service/instance.h"

namespace famfs::service {

class Daemon;

// Items one CreateFiles or CommitFiles call may hold: the batch runs in the
// event loop (heartbeats, other callers wait), so its length is bounded.
inline constexpr size_t kMaxBatchItems = 1024;

class FilesystemObject final
    : public sdbus::AdaptorInterfaces<org::famfs::Famfs1::Filesystem_adaptor, sdbus::Properties_adaptor,
                                      sdbus::ObjectManager_adaptor> {
 public:
  using OptionMap = std::map<std::string, sdbus::Variant>;

  explicit FilesystemObject(Daemon& daemon);
  ~FilesystemObject();

  // PropertiesChanged for the properties that changed since the last call.
  void emit_figures_changed();
  // Signals, forwarded from the instance's events.
  void file_created(const std::string& path, uint64_t size) { emitFileCreated(path, size); }
  void directory_created(const std::string& path) { emitDirectoryCreated(path); }
  void file_removed(const std::string& path) { emitFileRemoved(path); }
  void directory_removed(const std::string& path) { emitDirectoryRemoved(path); }
  void state_changed(InstanceState state, const std::string& reason);
  // PropertiesChanged of PollIntervalMs (after a reload changed it).
  void poll_interval_changed();

  // ---- host registry (issue 12) ----
  void host_appeared(const HostView& h) { emitHostAppeared(h.system_uuid, h.hostname, h.role); }
  void host_stale(const HostView& h) { emitHostStale(h.system_uuid, h.hostname, h.last_seen_us); }
  void master_stopped(const std::string& uuid, const std::string& hostname, uint64_t last_seen) {
    emitMasterStopped(uuid, hostname, last_seen);
  }
  // PropertiesChanged of MasterAlive, MasterLastSeen and Hosts.
  void presence_changed();
  // ---- end of host registry ----

 private:
  // Methods.
  void Format(const OptionMap& options) override;
  void CreateFile(const std::string& path, const uint64_t& size, const OptionMap& options) override;
  void Mkdir(const std::string& path, const OptionMap& options) override;
  std::vector<sdbus::Struct<std::string, std::string>> CreateFiles(
      const std::vector<sdbus::Struct<std::string, uint64_t, OptionMap>>& files, const OptionMap& options) override;
  void CopyIn(sdbus::Result<sdbus::ObjectPath>&& result, std::string path, sdbus::UnixFd source,
              OptionMap options) override;
  std::vector<sdbus::Struct<std::string, std::string>> CommitFiles(const std::vector<sdbus::ObjectPath>& reservations,
                                                                   const OptionMap& options) override;
  void ReadFile(sdbus::Result<uint64_t>&& result, std::string path, sdbus::UnixFd dest, OptionMap options) override;
  std::vector<sdbus::Struct<std::string, std::string, uint64_t, uint32_t, uint32_t, uint32_t>> ListDirectory(
      const std::string& path, const OptionMap& options) override;
  OptionMap Stat(const std::string& path, const OptionMap& options) override;
  OptionMap GetFileMap(const std::string& path, const OptionMap& options) override;
  OptionMap Check(const OptionMap& options) override;
  uint64_t Replay(const OptionMap& options) override;
  // Deletion (filesystem_remove.cc, docs/delete.md).
  uint32_t Remove(const std::string& path, const OptionMap& options) override;
  bool DeleteEnabled() override;
  uint64_t PendingReleaseBytes() override;
  std::vector<sdbus::Struct<std::string, uint64_t, uint64_t, std::vector<std::string>>> PendingRelease() override;

  // Properties.
  std::string Device() override;
  std::string Instance() override;
  uint64_t DeviceSize() override;
  std::string State() override;
  std::string StateReason() override;
  std::string Role() override;
  std::string Uuid() override;
  std::string SystemUuid() override;
  std::string MasterSystemUuid() override;
  std::string MountPoint() override;
  std::string Backend() override;
  uint64_t LogEntries() override;
  uint64_t LogCapacity() override;
  uint64_t Files() override;
  uint64_t Directories() override;
  uint64_t AllocatedBytes() override;
  uint64_t FreeBytes() override;
  std::vector<sdbus::Struct<int64_t, std::string, std::string>> Problems() override;
  uint32_t PollIntervalMs() override;

  // ---- host registry (issue 12) ----
  bool MasterAlive() override;
  uint64_t MasterLastSeen() override;
  std::vector<sdbus::Struct<std::string, std::string, std::string, std::string, uint64_t, uint64_t, uint64_t>> Hosts()
      override;
  std::vector<sdbus::Struct<uint32_t, std::string>> DamagedHostSlots() override;
  uint32_t HeartbeatIntervalMs() override;
  uint32_t ForgetHost(const std::string& system_uuid, const OptionMap& options) override;
  // ---- end of host registry ----

  // The current caller, authorized for ACTION (throws AccessDenied).
  Caller authorized(Action action);
  // A file request from a method's arguments (owner rules applied).
  FileRequest file_request(const std::string& path, uint64_t size, const class Options& o, const Caller& caller);
  // The file of one CreateFile call or CreateFiles item, every rule
  // applied (throws the named error). ZERO: whether to zero its space.
  FileRequest checked_file(const std::string& path, uint64_t size, const OptionMap& options, const Caller& caller,
                           bool& zero);
  // The volume, or NotFormatted / DeviceFailed.
  const Volume& volume();
  // The file node at PATH, resolved for CALLER with WANT on the file
  // (AccessDenied, NotFound, NotDirectory, or InvalidArgument for a directory).
  const Node& file_node(const Caller& caller, const std::string& path, unsigned want);

  // The values of the properties emit_figures_changed() watches, as text
  // to compare, and what was announced last.
  std::vector<std::pair<std::string, std::string>> figures();
  std::vector<std::pair<std::string, std::string>> announced_;
  // Host registry (issue 12): what PropertiesChanged last said. Hosts is
  // compared without last-seen times (they move every beat).
  std::optional<bool> announced_alive_;
  std::vector<HostView> announced_hosts_;
  std::vector<std::pair<uint32_t, std::string>> announced_damaged_;

  Daemon& daemon_;
};

}  // namespace famfs::service

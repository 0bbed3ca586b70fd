#include "service/mount_backend.h"

#include <fstream>
#include <string>

namespace famfs::service {

namespace {

class NoneBackend : public MountBackend {
 public:
  const char* name() const override { return "none"; }
  std::string mountpoint() const override { return ""; }
  Status mount(Volume&) override { return ok_status(); }
  Status publish(const Volume&, const Node&) override { return ok_status(); }
  Status unmount() override { return ok_status(); }
};

bool kernel_has_famfs() {
  std::ifstream in("/proc/filesystems");
  std::string line;
  while (std::getline(in, line))
    if (line.size() >= 5 && line.compare(line.size() - 5, 5, "famfs") == 0 &&
        (line.size() == 5 || line[line.size() - 6] == '\t'))
      return true;
  return false;
}

}  // namespace

std::unique_ptr<MountBackend> make_none_backend() { return std::make_unique<NoneBackend>(); }

Result<std::unique_ptr<MountBackend>> make_backend(BackendChoice choice, const std::string& mountpoint,
                                                   std::string& why) {
  (void)mountpoint;
  switch (choice) {
    case BackendChoice::none:
      why = "backend none requested";
      return make_none_backend();
    case BackendChoice::automatic:
      why = kernel_has_famfs() ? "famfs.ko is loaded, but famfsd's kernel backend is not available in this "
                                 "version: serving metadata only"
                               : "famfs.ko is not loaded: serving metadata only";
      return make_none_backend();
    case BackendChoice::kernel:
      break;
  }
  return Error(Errc::unsupported,
               "backend kernel: famfsd cannot mount through famfs.ko in this version (use backend none or auto)");
}

}  // namespace famfs::service

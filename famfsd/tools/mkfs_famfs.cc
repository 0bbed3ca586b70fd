// mkfs.famfs: create (or invalidate) a famfs file system on a device.
#include <getopt.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "device/device.h"
#include "engine/format.h"
#include "omf/layout.h"
#include "util/size_parse.h"
#include "util/system_uuid.h"

namespace {

constexpr int kExitOk = 0, kExitError = 1, kExitUsage = 2;

void usage(FILE* out) {
  fputs(
      "Usage: mkfs.famfs [OPTIONS] DEVICE\n"
      "Create a famfs file system on DEVICE: a devdax device (/dev/daxX.Y), a pmem\n"
      "block device (/dev/pmemN) or a regular file (an emulated device).\n"
      "This host becomes the file system's master (the only host that may write its log).\n"
      "\n"
      "Options:\n"
      "      --enable-delete     allow files to be removed (famfsctl rm). Reference\n"
      "                          famfs hosts ignore removals and must not mount\n"
      "                          this file system (see docs/delete.md)\n"
      "  -f, --force             overwrite an existing famfs file system, even one\n"
      "                          owned by another host\n"
      "  -k, --kill              invalidate the famfs superblock on DEVICE and exit\n"
      "  -l, --log-size SIZE     metadata log size: a power of two, at least 8M\n"
      "                          (default 8M, 15420 entries). Suffixes K, M, G, T.\n"
      "      --system-uuid UUID  record UUID as the master instead of this host's\n"
      "                          system UUID (/opt/famfs/system_uuid, else the\n"
      "                          machine id)\n"
      "  -h, --help              show this help\n"
      "  -V, --version           show the version\n"
      "\n"
      "The device must hold 2 MiB (superblock) + the log + at least one 2 MiB unit.\n"
      "Exit status: 0 success, 1 error (nothing written unless stated), 2 usage error.\n",
      out);
}

int fail(const std::string& msg, int code = kExitError) {
  fprintf(stderr, "mkfs.famfs: %s\n", msg.c_str());
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  bool force = false, kill = false, enable_delete = false;
  uint64_t log_len = famfs::omf::kDefaultLogLen;
  std::optional<std::string> system_uuid;
  static const option kOptions[] = {
      {"force", no_argument, nullptr, 'f'},          {"kill", no_argument, nullptr, 'k'},
      {"log-size", required_argument, nullptr, 'l'}, {"system-uuid", required_argument, nullptr, 'u'},
      {"enable-delete", no_argument, nullptr, 'D'},  {"help", no_argument, nullptr, 'h'},
      {"version", no_argument, nullptr, 'V'},        {nullptr, 0, nullptr, 0},
  };
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "fkl:hV", kOptions, nullptr)) != -1) {
    switch (c) {
      case 'f': force = true; break;
      case 'D': enable_delete = true; break;
      case 'k': kill = true; break;
      case 'l': {
        auto size = famfs::parse_size(optarg);
        if (!size) return fail(size.error().message(), kExitUsage);
        log_len = *size;
        break;
      }
      case 'u': system_uuid = optarg; break;
      case 'h': usage(stdout); return kExitOk;
      case 'V': printf("mkfs.famfs %s\n", FAMFS_VERSION); return kExitOk;
      default:
        return fail(std::string("unknown or incomplete option ") + argv[optind - 1] + " (see mkfs.famfs --help)",
                    kExitUsage);
    }
  }
  if (optind + 1 != argc) return fail("expected exactly one DEVICE (see mkfs.famfs --help)", kExitUsage);
  const std::string path = argv[optind];

  auto dev = famfs::open_device(path, famfs::OpenMode::read_write);
  if (!dev) return fail(dev.error().message());

  if (kill) {
    famfs::Status s = famfs::kill_superblock(**dev);
    if (!s) return fail(s.error().message());
    printf("famfs superblock on %s invalidated\n", path.c_str());
    return kExitOk;
  }

  auto uuid = famfs::resolve_system_uuid(system_uuid);
  if (!uuid) return fail(uuid.error().message());
  famfs::FormatOptions opts;
  opts.log_len = log_len;
  opts.system_uuid = uuid->uuid;
  opts.dev_name = path;
  opts.force = force;
  opts.enable_delete = enable_delete;
  auto sb = famfs::format_device(**dev, opts);
  if (!sb) return fail(sb.error().message());
  const auto& g = sb->geometry;
  printf("famfs file system created on %s\n", path.c_str());
  printf("  file system UUID  %s\n", sb->record.fs_uuid.to_string().c_str());
  printf("  master system UUID %s (from %s)\n", uuid->uuid.to_string().c_str(), uuid->source_name());
  printf("  device size       %s\n", famfs::format_size(g.device_size).c_str());
  printf("  log               %s (%llu entries)\n", famfs::format_size(g.log_len).c_str(),
         static_cast<unsigned long long>(g.last_index() + 1));
  printf("  deletion          %s\n", enable_delete ? "enabled (reference famfs hosts must not mount it)" : "disabled");
  printf("  data              %s in %llu units of %s\n", famfs::format_size(g.device_size - g.data_offset()).c_str(),
         static_cast<unsigned long long>((g.device_size - g.data_offset()) / g.alloc_unit),
         famfs::format_size(g.alloc_unit).c_str());
  return kExitOk;
}

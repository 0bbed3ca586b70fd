// fsck.famfs: read-only check of a famfs file system.
#include <getopt.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "device/device.h"
#include "engine/host_registry.h"
#include "engine/volume.h"
#include "tools/check_report.h"
#include "tools/host_area_report.h"

namespace {

// Exit codes as fsck(8).
constexpr int kClean = 0, kUncorrected = 4, kOperational = 8, kUsage = 16;

void usage(FILE* out) {
  fputs(
      "Usage: fsck.famfs [--json] [--verbose] DEVICE\n"
      "Check the famfs file system on DEVICE (/dev/daxX.Y, /dev/pmemN or a regular\n"
      "file) without changing it: superblock, log header, every log entry (CRC,\n"
      "sequence, paths, extent maps), orphans, duplicate paths, cross-linked and\n"
      "out-of-range extents, and capacity figures. It reports every problem, not\n"
      "just the first. It also shows the host area (master record and host slots)\n"
      "with notes on stale or conflicting entries; those never make it unclean.\n"
      "\n"
      "Options:\n"
      "  -j, --json      print one JSON object (superblock, log, dirs, files,\n"
      "                  problems, capacity, summary, host_area) on standard output\n"
      "  -v, --verbose   list every directory and file\n"
      "  -h, --help      show this help\n"
      "  -V, --version   show the version\n"
      "\n"
      "Exit status (as fsck(8)):\n"
      "  0   clean\n"
      "  4   problems found and left uncorrected\n"
      "  8   operational error: cannot open DEVICE, not famfs, invalid superblock\n"
      "  16  usage error\n",
      out);
}

int operational(const std::string& device, const famfs::Error& e, bool json) {
  if (json) {
    nlohmann::json out = {{"device", device},
                          {"error", {{"kind", famfs::errc_name(e.code())}, {"message", e.message()}}}};
    printf("%s\n", famfs::dump_json(out).c_str());
  }
  fprintf(stderr, "fsck.famfs: %s\n", e.message().c_str());
  return kOperational;
}

}  // namespace

int main(int argc, char** argv) {
  bool json = false, verbose = false;
  static const option kOptions[] = {
      {"json", no_argument, nullptr, 'j'},
      {"verbose", no_argument, nullptr, 'v'},
      {"help", no_argument, nullptr, 'h'},
      {"version", no_argument, nullptr, 'V'},
      {nullptr, 0, nullptr, 0},
  };
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "jvhV", kOptions, nullptr)) != -1) {
    switch (c) {
      case 'j': json = true; break;
      case 'v': verbose = true; break;
      case 'h': usage(stdout); return kClean;
      case 'V': printf("fsck.famfs %s\n", FAMFS_VERSION); return kClean;
      default:
        fprintf(stderr, "fsck.famfs: unknown option %s (see fsck.famfs --help)\n", argv[optind - 1]);
        return kUsage;
    }
  }
  if (optind + 1 != argc) {
    fprintf(stderr, "fsck.famfs: expected exactly one DEVICE (see fsck.famfs --help)\n");
    return kUsage;
  }
  const std::string path = argv[optind];
  auto dev = famfs::open_device(path, famfs::OpenMode::read_only);
  if (!dev) return operational(path, dev.error(), json);
  // Read-only: the role does not matter, so no system UUID is needed.
  auto vol = famfs::Volume::open(**dev, famfs::Uuid{});
  if (!vol) return operational(path, vol.error(), json);

  // The host area is advisory (reference hosts leave stale bytes there):
  // shown, with notes, but never a reason for a non-zero exit.
  const auto& sb = (*vol)->superblock().record;
  auto hosts = famfs::read_host_area(**dev, sb.fs_uuid, true);
  if (!hosts) return operational(path, hosts.error(), json);
  const uint64_t now = famfs::wall_clock_us();
  if (json) {
    nlohmann::json report = famfs::check_report_json(**vol);
    report["device"] = path;
    report["host_area"] = famfs::host_area_json(*hosts, sb, now);
    printf("%s\n", famfs::dump_json(report).c_str());
  } else {
    std::string text = famfs::check_report_text(**vol, verbose);
    // Before the closing "clean" / "N problem(s) found" line.
    size_t last = text.rfind('\n', text.size() >= 2 ? text.size() - 2 : 0);
    size_t cut = last == std::string::npos ? 0 : last + 1;
    text.insert(cut, famfs::host_area_text(*hosts, sb, now));
    printf("%s: %s", path.c_str(), text.c_str());
  }
  return famfs::check_figures(**vol).problems == 0 ? kClean : kUncorrected;
}

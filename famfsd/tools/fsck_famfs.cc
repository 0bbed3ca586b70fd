// fsck.famfs: read-only check of a famfs file system.
#include <getopt.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "device/device.h"
#include "engine/check_report.h"
#include "engine/volume.h"

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
      "just the first.\n"
      "\n"
      "Options:\n"
      "  -j, --json      print one JSON object (superblock, log, dirs, files,\n"
      "                  problems, capacity, summary) on standard output\n"
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
      {"json", no_argument, nullptr, 'j'}, {"verbose", no_argument, nullptr, 'v'},
      {"help", no_argument, nullptr, 'h'}, {"version", no_argument, nullptr, 'V'},
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

  if (json) {
    nlohmann::json report = famfs::check_report_json(**vol);
    report["device"] = path;
    printf("%s\n", famfs::dump_json(report).c_str());
  } else {
    printf("%s: %s", path.c_str(), famfs::check_report_text(**vol, verbose).c_str());
  }
  return famfs::check_figures(**vol).problems == 0 ? kClean : kUncorrected;
}

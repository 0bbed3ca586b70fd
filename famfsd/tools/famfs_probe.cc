// famfs_probe: tells udev whether a device carries a valid famfs superblock.
//
// Called by udev/60-famfs.rules as IMPORT{program}="famfs_probe $devnode":
// on a valid superblock it prints udev properties (KEY=value lines) and exits
// 0; otherwise it prints nothing to stdout and exits non-zero, so udev imports
// nothing. It reads the superblock record once with famfsd's own reader
// (engine/superblock_read.h), writes nothing and returns at once (udev must not
// wait on it).
#include <getopt.h>

#include <cstdio>
#include <string>

#include "device/device.h"
#include "engine/superblock_read.h"

namespace {

// Exit codes; udev ignores the output of any non-zero exit.
constexpr int kFound = 0, kNotFamfs = 1, kInvalid = 2, kUnreadable = 3, kUsage = 4;

void usage(FILE* out) {
  fputs(
      "Usage: famfs_probe [OPTIONS] DEVICE\n"
      "Probe DEVICE (/dev/pmemN, /dev/daxX.Y or a regular file) for a famfs\n"
      "superblock and print udev properties for it. Used by udev's\n"
      "IMPORT{program}; nothing is written to the device.\n"
      "\n"
      "On a valid superblock it prints:\n"
      "  ID_FS_TYPE=famfs\n"
      "  ID_FS_USAGE=filesystem\n"
      "  ID_FS_UUID=<file system UUID>      (ID_FS_UUID_ENC: the same)\n"
      "  ID_FS_VERSION=<OMF major.minor>\n"
      "  FAMFS_MASTER_UUID=<system UUID of the master host>\n"
      "  FAMFS_LOG_SIZE=<metadata log size in bytes>\n"
      "\n"
      "Options:\n"
      "  -h, --help      show this help\n"
      "  -V, --version   show the version\n"
      "\n"
      "Exit status: 0 valid famfs superblock (properties printed), 1 no famfs\n"
      "superblock, 2 famfs magic but the superblock is invalid, 3 DEVICE cannot be\n"
      "opened or read, 4 usage error. Reasons go to standard error.\n",
      out);
}

// Reads and validates the superblock of DEVICE; prints properties on success.
int probe(const std::string& path) {
  auto dev = famfs::open_device(path, famfs::OpenMode::read_only);
  if (!dev) {
    fprintf(stderr, "famfs_probe: %s\n", dev.error().message().c_str());
    return kUnreadable;
  }
  auto sb = famfs::read_superblock(**dev);
  if (!sb) {
    // Validation messages do not name the device; device errors do.
    const std::string& why = sb.error().message();
    if (why.rfind(path, 0) == 0)
      fprintf(stderr, "famfs_probe: %s\n", why.c_str());
    else
      fprintf(stderr, "famfs_probe: %s: %s\n", path.c_str(), why.c_str());
    switch (sb.error().code()) {
      case famfs::Errc::not_famfs: return kNotFamfs;
      case famfs::Errc::corrupt: return kInvalid;
      default: return kUnreadable;
    }
  }
  const famfs::omf::SuperblockRecord& rec = sb->record;
  std::string uuid = rec.fs_uuid.to_string();
  printf("ID_FS_TYPE=famfs\n");
  printf("ID_FS_USAGE=filesystem\n");
  printf("ID_FS_UUID=%s\n", uuid.c_str());
  printf("ID_FS_UUID_ENC=%s\n", uuid.c_str());
  printf("ID_FS_VERSION=%u.%u\n", rec.omf_major, rec.omf_minor);
  printf("FAMFS_MASTER_UUID=%s\n", rec.system_uuid.to_string().c_str());
  printf("FAMFS_LOG_SIZE=%llu\n", static_cast<unsigned long long>(sb->geometry.log_len));
  return fflush(stdout) == 0 ? kFound : kUnreadable;
}

}  // namespace

int main(int argc, char** argv) {
  static const option kOptions[] = {
      {"help", no_argument, nullptr, 'h'},
      {"version", no_argument, nullptr, 'V'},
      {nullptr, 0, nullptr, 0},
  };
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "hV", kOptions, nullptr)) != -1) {
    switch (c) {
      case 'h': usage(stdout); return 0;
      case 'V': printf("famfs_probe %s\n", FAMFS_VERSION); return 0;
      default:
        fprintf(stderr, "famfs_probe: unknown option %s (see famfs_probe --help)\n", argv[optind - 1]);
        return kUsage;
    }
  }
  if (argc - optind != 1) {
    fprintf(stderr, "famfs_probe: expected exactly one DEVICE (see famfs_probe --help)\n");
    return kUsage;
  }
  return probe(argv[optind]);
}

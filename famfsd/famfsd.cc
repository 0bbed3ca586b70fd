// famfsd: serves one famfs device over D-Bus (see famfsd --help).
#include <getopt.h>

#include <cstdio>
#include <exception>
#include <string>

#include "service/config.h"
#include "service/daemon.h"
#include "service/log.h"
#include "util/uuid.h"

namespace {

void usage(FILE* out) {
  fputs(
      "Usage: famfsd --device PATH [OPTIONS]\n"
      "Serve the famfs file system on one shared-memory device over D-Bus.\n"
      "\n"
      "famfsd maps the device, validates the superblock, decides this host's role\n"
      "(master if its system UUID is the superblock's, else client), replays the\n"
      "metadata log and serves org.famfs.Famfs1.<instance> on the system bus\n"
      "(DBUS_SYSTEM_BUS_ADDRESS is honoured). Clients poll the log and replay new\n"
      "entries by themselves. Every host beats in the host area on the device\n"
      "(heartbeat_interval_ms): one writer only, a host with the master's system\n"
      "UUID but another boot id or hostname refuses the master role while the\n"
      "master beats. Use famfsctl to talk to it.\n"
      "\n"
      "Options:\n"
      "  -d, --device PATH        /dev/daxX.Y, /dev/pmemN or a regular file (emulated device)\n"
      "  -i, --instance NAME      instance name (default: the device's base name, e.g. dax0.0);\n"
      "                           the bus name is org.famfs.Famfs1.<NAME with . as _>\n"
      "  -c, --config FILE        configuration (default /etc/famfs/famfs.toml; a missing\n"
      "                           default file means built-in defaults)\n"
      "  -u, --system-uuid UUID   this host's system UUID (overrides the config,\n"
      "                           /opt/famfs/system_uuid and the machine id)\n"
      "  -m, --mountpoint DIR     where the kernel backend mounts (default /run/famfs/NAME;\n"
      "                           created when missing, must be an empty directory)\n"
      "  -b, --backend B          auto (default: kernel for a pmem or devdax device when\n"
      "                           famfs.ko is loaded, else none), kernel or none (metadata only)\n"
      "  -l, --log-level LEVEL    emerg, alert, crit, err, warning, notice, info (default), debug\n"
      "      --boot-id UUID       this host's boot id in the host registry (default: the\n"
      "                           kernel's; tests use it to stand in for another boot)\n"
      "  -h, --help               show this help\n"
      "  -V, --version            show the version\n"
      "\n"
      "Signals: SIGTERM/SIGINT stop cleanly (STOPPING=1), SIGHUP re-reads the\n"
      "configuration. Under systemd (Type=notify) it sends READY=1, STATUS= and,\n"
      "when WatchdogSec= is set, WATCHDOG=1. Logs go to stderr with <N> priority\n"
      "prefixes.\n"
      "\n"
      "Exit status: 0 stopped cleanly, or the device is unformatted and formatting\n"
      "it is not allowed (allow_format); 1 start-up failed (config, bus, system\n"
      "UUID, backend kernel unavailable); 2 usage error.\n",
      out);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace famfs::service;
  DaemonOptions opts;
  static const option kOptions[] = {
      {"device", required_argument, nullptr, 'd'},
      {"instance", required_argument, nullptr, 'i'},
      {"config", required_argument, nullptr, 'c'},
      {"system-uuid", required_argument, nullptr, 'u'},
      {"mountpoint", required_argument, nullptr, 'm'},
      {"backend", required_argument, nullptr, 'b'},
      {"log-level", required_argument, nullptr, 'l'},
      {"help", no_argument, nullptr, 'h'},
      {"boot-id", required_argument, nullptr, 'B'},
      {"version", no_argument, nullptr, 'V'},
      {nullptr, 0, nullptr, 0},
  };
  opterr = 0;
  int c;
  auto bad = [&](const std::string& msg) {
    fprintf(stderr, "famfsd: %s (see famfsd --help)\n", msg.c_str());
    return 2;
  };
  while ((c = getopt_long(argc, argv, "d:i:c:u:m:b:l:hV", kOptions, nullptr)) != -1) {
    switch (c) {
      case 'd': opts.device = optarg; break;
      case 'i':
        opts.instance = optarg;
        if (opts.instance.empty()) return bad("--instance must not be empty");
        break;
      case 'c':
        opts.config_path = optarg;
        opts.config_required = true;
        break;
      case 'u': opts.system_uuid = optarg; break;
      case 'm':
        if (optarg[0] != '/') return bad("--mountpoint must be an absolute path");
        opts.mountpoint = optarg;
        break;
      case 'b': {
        auto b = parse_backend_choice(optarg);
        if (!b) return bad(std::string("unknown backend '") + optarg + "' (auto, kernel, none)");
        opts.backend = b;
        break;
      }
      case 'l': {
        auto l = parse_log_level(optarg);
        if (!l) return bad(std::string("unknown log level '") + optarg + "'");
        opts.log_level = l;
        set_log_level(*l);
        break;
      }
      case 'B':
        if (!famfs::Uuid::parse(optarg)) return bad(std::string("--boot-id ") + optarg + " is not a UUID");
        opts.boot_id = optarg;
        break;
      case 'h': usage(stdout); return 0;
      case 'V': printf("famfsd %s\n", FAMFS_VERSION); return 0;
      default: return bad(std::string("unknown or incomplete option ") + argv[optind - 1]);
    }
  }
  if (optind != argc) return bad(std::string("unexpected argument ") + argv[optind]);
  if (opts.device.empty()) return bad("--device is required");
  try {
    Daemon daemon(std::move(opts));
    return daemon.run();
  } catch (const std::exception& e) {
    log_msg(LogLevel::crit, "fatal: %s", e.what());
    return 1;
  }
}

#include "help.h"

#include <array>
#include <cctype>

#include "exit_codes.h"
#include "option_table.h"

namespace famfs::cli {
namespace {

struct CommandDoc {
  Command command;
  const char* synopsis;  // after "famfsctl [GLOBAL] NAME"
  const char* summary;   // one line for the command list
  const char* details;   // the command's --help body
};

constexpr std::array kDocs = {
    CommandDoc{Command::list, "", "list the famfsd instances on the bus: name, device, state, role",
               "Lists every bus name starting with org.famfs.Famfs1. and reads each instance's\n"
               "properties (one Properties.GetAll per instance). -d is not needed.\n"
               "An instance that does not answer is listed as unreachable.\n"},
    CommandDoc{Command::status, "", "show every property of the file system, sizes human-readable",
               "One Properties.GetAll on org.famfs.Famfs1.Filesystem: device, state and why,\n"
               "role, backend, mount point, UUIDs, log use, file and directory counts, space,\n"
               "whether the master beats, problems. --json prints the properties with\n"
               "snake_case keys (free_bytes, master_system_uuid, master_alive) and raw values\n"
               "(sizes in bytes).\n"},
    CommandDoc{Command::format, "[--log-size SIZE] [--force] [--enable-delete]",
               "create a file system on the device (root only)",
               "Calls Format. Allowed only when famfsd's configuration permits formatting this\n"
               "device (allow_format). --force formats over an existing file system.\n"
               "--enable-delete allows removing files (rm); it is recorded in the host area\n"
               "and cannot be changed later. Reference famfs hosts ignore removals (they\n"
               "would keep showing a removed file and read another file's bytes once its\n"
               "space is reused), so they must not mount such a file system.\n"},
    CommandDoc{Command::create,
               "PATH... --size SIZE [--mode M] [--uid U] [--gid G] [--nstrips N --chunk-size C] [--no-zero]",
               "create files of SIZE bytes (zeroed)",
               "Calls CreateFile for one PATH, CreateFiles (1024 paths per call, one log\n"
               "commit each) for several. The files are visible on every host when the\n"
               "command returns. With several paths each one that fails is reported on its\n"
               "own line (the others are created) and the exit code is the first failure's.\n"
               "Their space is zeroed unless --no-zero. --nstrips with --chunk-size makes\n"
               "interleaved files.\n"},
    CommandDoc{Command::mkdir, "[-p] [--mode M] [--uid U] [--gid G] PATH", "create a directory",
               "Calls Mkdir. -p creates missing parents and is no error when PATH exists.\n"},
    CommandDoc{
        Command::cp,
        "[-r] [-v] [--mode M] [--uid U] [--gid G] [--nstrips N --chunk-size C] SRC... DEST\n"
        "  famfsctl [GLOBAL] cp [-r] [-v] famfs:PATH... LOCAL",
        "copy local files into famfs, or famfs files out (famfs:PATH)",
        "Copy in: calls CopyIn once per file, passing the file open for reading;\n"
        "famfsd copies it and publishes the new file only when all its bytes are in\n"
        "place. DEST is a famfs path and the rules are cp(1)'s: when DEST is an\n"
        "existing directory (the root always is), each SRC lands in it under its base\n"
        "name (cp small.bin data -> data/small.bin; cp -r tree data -> data/tree/...).\n"
        "When DEST does not exist, one SRC file becomes DEST, and one SRC directory\n"
        "with -r becomes DEST with the directory's contents (cp -r src/tree data/tree\n"
        "-> data/tree/...). Several SRCs need DEST to be an existing directory.\n"
        "Directories are made first (the top one with Mkdir -p, the others with\n"
        "CreateFiles, 1024 per call; existing ones are merged into); each file stays\n"
        "one CopyIn, so none is visible before its bytes are complete. Symlinks and\n"
        "special files inside them are skipped with a warning. --mode, --uid, --gid and the interleave options apply\n"
        "to every file copied (directories get the default mode).\n"
        "Copy out: SRCs written famfs:PATH are read with ReadFile into LOCAL (a new or\n"
        "existing local file, or an existing local directory to copy into under the\n"
        "base name); -r copies famfs directories (ListDirectory, then each file).\n"
        "-v prints each file and directory as it is copied ('SRC' -> 'DEST').\n"
        "A large copy in runs as a famfsd job: on a terminal a progress bar\n"
        "(percentage, bytes, rate) is drawn on stderr; otherwise nothing is printed\n"
        "until it ends. Ctrl-C cancels the job (nothing is created) and exits with 130.\n"
        "cp stops at the first error, naming the file that failed and the files and\n"
        "directories it created before it (they stay).\n"},
    CommandDoc{Command::cat, "[--offset SIZE] [--length SIZE] PATH", "write a file's bytes to standard output",
               "Calls ReadFile, passing famfsctl's standard output: famfsd writes the bytes\n"
               "into it directly. Waits without a timeout unless --timeout is given.\n"
               "--offset and --length write a part of the file. When the reader of a pipe\n"
               "goes away (famfsctl cat f | head -c 10), cat ends quietly with 0, as cat(1).\n"},
    CommandDoc{Command::ls, "[-l] [PATH]", "list a directory (default: the root)",
               "Calls ListDirectory. -l shows type and mode, uid, gid (numeric: the same on\n"
               "every host) and size in bytes.\n"},
    CommandDoc{Command::stat, "PATH", "show a file's or directory's metadata", "Calls Stat.\n"},
    CommandDoc{Command::getmap, "PATH", "show where a file's bytes are on the device",
               "Calls GetFileMap: the extents (device index, offset, length) of a simple file,\n"
               "or the strip count, chunk size and strip extents of an interleaved one.\n"},
    CommandDoc{Command::check, "", "check the file system read-only (as fsck.famfs does)",
               "Calls Check. Exits with 14 when problems were found.\n"},
    CommandDoc{Command::monitor, "", "print file system events as they happen, until Ctrl-C",
               "Subscribes to the instance's FileCreated, DirectoryCreated, FileRemoved,\n"
               "DirectoryRemoved, StateChanged and\n"
               "PropertiesChanged signals and prints one line per signal:\n"
               "  12:00:01.250 FileCreated path=data/a.arrow size=4194304 (4 MiB)\n"
               "With --json, one JSON object per line with \"time\" (ISO 8601) and \"signal\".\n"
               "When the instance stops or starts again, InstanceStopped/InstanceStarted is\n"
               "printed and monitoring goes on. Without -d, every famfs instance on the bus is\n"
               "watched, also those that start later, and each line names its instance.\n"
               "Host registry signals: HostAppeared, HostStale, MasterStopped.\n"},
    CommandDoc{Command::jobs, "[cancel N]", "list the instance's jobs with progress, or cancel job N",
               "Without arguments: one ObjectManager.GetManagedObjects, then one line per job\n"
               "(number, operation, progress, bytes, state, starter's uid, path). A job's path\n"
               "is shown only when every user may see it; otherwise \"-\".\n"
               "jobs cancel N calls Cancel on job N (only its starter or root may); nothing of\n"
               "a cancelled copy is created.\n"},
    CommandDoc{Command::help, "[COMMAND]", "show help: the command list, or one command's details",
               "famfsctl help COMMAND is famfsctl COMMAND --help. Needs no bus.\n"},
    CommandDoc{Command::hosts, "[forget UUID|SLOT]", "list the hosts using the device: role, state, log lag, last beat",
               "Reads the Hosts, MasterAlive and MasterLastSeen properties: whether the master\n"
               "beats, and every host registered in the host area of the device with its\n"
               "system UUID, hostname, role, state (ready, degraded, failed, stopped, or stale\n"
               "when its beats stopped), the log entries it has applied, how many it is\n"
               "behind, and when it last beat. --json prints one object.\n"
               "hosts forget UUID (root) frees the slots of a host that no longer beats\n"
               "(ForgetHost). hosts forget SLOT (root) clears one slot that does not\n"
               "validate (listed under the table; such a slot may be a host, so it holds\n"
               "removed files' memory back).\n"},
    CommandDoc{Command::rm, "[-r] PATH...", "remove files and directories (deletion-enabled file systems)",
               "Calls Remove once per PATH, on the master. A directory must be empty unless\n"
               "-r. Needs write and search on the parent (-r: read, write and search on every\n"
               "directory emptied). The file is gone from every host within its poll interval;\n"
               "its memory is reused only once every live host has released it (see status:\n"
               "pending release, and which hosts hold it back). Fails with Unsupported on a\n"
               "file system formatted without --enable-delete. Stops at the first PATH that\n"
               "fails; the PATHs before it stay removed.\n"},
};

const CommandDoc& doc(Command command) {
  for (const auto& d : kDocs)
    if (d.command == command) return d;
  __builtin_unreachable();
}

std::string option_usage(const OptionSpec& o) {
  std::string s = o.short_name ? std::string("-") + o.short_name + ", " : "    ";
  s += std::string("--") + o.long_name;
  if (o.value_name) s += std::string(" ") + o.value_name;
  return s;
}

// TEXT wrapped at 80 columns, continuation lines indented by INDENT.
std::string wrap(const std::string& text, size_t first_column, size_t indent) {
  constexpr size_t kWidth = 80;
  std::string out;
  size_t column = first_column;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(' ', pos);
    if (end == std::string::npos) end = text.size();
    std::string word = text.substr(pos, end - pos);
    if (column > indent && column + 1 + word.size() > kWidth) {
      out += "\n" + std::string(indent, ' ');
      column = indent;
    } else if (column > indent) {
      out += ' ';
      ++column;
    }
    out += word;
    column += word.size();
    pos = end + 1;
  }
  return out;
}

// "create, mkdir, cp": the commands an option belongs to.
std::string commands_of(const OptionSpec& o) {
  std::string out;
  for (Command c : all_commands()) {
    if (!(o.commands & (1u << static_cast<unsigned>(c)))) continue;
    if (!out.empty()) out += ", ";
    out += command_name(c);
  }
  return out;
}

std::string option_lines(bool global, std::optional<Command> command) {
  constexpr size_t kIndent = 28;
  std::string out;
  for (const auto& o : option_table()) {
    if (global != o.global()) continue;
    if (!global && command && !o.applies_to(*command)) continue;
    std::string left = "  " + option_usage(o);
    if (left.size() < kIndent)
      left.append(kIndent - left.size(), ' ');
    else
      left += "\n" + std::string(kIndent, ' ');
    std::string help = o.help;
    if (!global && !command) help += " [" + commands_of(o) + "]";
    out += left + wrap(help, kIndent, kIndent) + "\n";
  }
  return out;
}

constexpr const char* kConventions =
    "Paths: famfs paths are relative to the file system root (\"dir/file\"). One\n"
    "  leading '/' is accepted and dropped, so \"/dir/file\" names the same file and\n"
    "  \"/\" names the root.\n"
    "Sizes: a number with an optional K, M, G or T suffix (binary: 1K = 1024);\n"
    "  decimals are allowed when they come to whole bytes (1.5G).\n"
    "Modes: octal permission bits (644).\n";

}  // namespace

std::string general_help() {
  std::string out =
      "Usage: famfsctl [-d INSTANCE] [--json] [--timeout SECONDS] COMMAND [ARGS...]\n"
      "\n"
      "famfsctl controls famfsd, the daemon serving one famfs device (shared memory)\n"
      "per instance, over the system D-Bus (DBUS_SYSTEM_BUS_ADDRESS overrides its\n"
      "address). Each command is one call to the instance's org.famfs.Famfs1.<name>\n"
      "(cp: one per file or directory). -d may be left out when one instance runs.\n"
      "\nCommands:\n";
  for (const auto& d : kDocs) {
    std::string left = "  " + std::string(command_name(d.command));
    if (left.size() < 12) left.append(12 - left.size(), ' ');
    out += left + d.summary + "\n";
  }
  out += "\nCommand usage:\n";
  for (const auto& d : kDocs) {
    out += "  famfsctl " + std::string(command_name(d.command));
    if (*d.synopsis) out += std::string(" ") + d.synopsis;
    out += "\n";
  }
  out += "\nGlobal options (anywhere before \"--\"):\n" + option_lines(true, std::nullopt);
  out += "\nCommand options:\n" + option_lines(false, std::nullopt);
  out += "\n";
  out += kConventions;
  out += "\nErrors: each failure is one line \"famfsctl: MESSAGE\" on stderr and one exit code:\n";
  for (const auto& e : exit_code_table()) {
    std::string code = std::to_string(to_int(e.code));
    out += std::string(5 - code.size(), ' ') + code + "  " + e.meaning + "\n";
  }
  out += "\nfamfsctl COMMAND --help shows the details of one command.\n";
  return out;
}

std::string command_help(Command command) {
  const CommandDoc& d = doc(command);
  std::string name(command_name(command));
  std::string out = "Usage: famfsctl [-d INSTANCE] [--json] [--timeout SECONDS] " + name;
  if (*d.synopsis) out += std::string(" ") + d.synopsis;
  std::string summary = d.summary;
  summary[0] = static_cast<char>(toupper(static_cast<unsigned char>(summary[0])));
  out += "\n\n" + summary + ".\n\n" + d.details;
  std::string own = option_lines(false, command);
  if (!own.empty()) out += "\nOptions:\n" + own;
  out += "\nGlobal options:\n" + option_lines(true, std::nullopt);
  out += "\n";
  out += kConventions;
  out += "Exit codes: see famfsctl --help.\n";
  return out;
}

}  // namespace famfs::cli

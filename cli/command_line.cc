#include "command_line.h"

#include <grp.h>
#include <pwd.h>

#include <array>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "option_table.h"
#include "util/size_parse.h"

namespace famfs::cli {
namespace {

struct CommandInfo {
  Command command;
  std::string_view name;
  size_t min_operands;
  size_t max_operands;
};

constexpr size_t kMany = std::numeric_limits<size_t>::max();

constexpr std::array kCommands = {
    CommandInfo{Command::list, "list", 0, 0},     CommandInfo{Command::status, "status", 0, 0},
    CommandInfo{Command::format, "format", 0, 0}, CommandInfo{Command::create, "create", 1, SIZE_MAX},
    CommandInfo{Command::mkdir, "mkdir", 1, 1},   CommandInfo{Command::cp, "cp", 2, kMany},
    CommandInfo{Command::cat, "cat", 1, 1},       CommandInfo{Command::ls, "ls", 0, 1},
    CommandInfo{Command::stat, "stat", 1, 1},     CommandInfo{Command::getmap, "getmap", 1, 1},
    CommandInfo{Command::check, "check", 0, 0},   CommandInfo{Command::monitor, "monitor", 0, 0},
    CommandInfo{Command::jobs, "jobs", 0, 2},     CommandInfo{Command::help, "help", 0, 1},
    CommandInfo{Command::hosts, "hosts", 0, 2},   CommandInfo{Command::rm, "rm", 1, kMany},
};

const CommandInfo& info(Command command) {
  for (const auto& c : kCommands)
    if (c.command == command) return c;
  __builtin_unreachable();
}

Error usage(std::string message) { return Error(Errc::invalid_argument, std::move(message)); }

// Stores VALUE of option SPEC into REQUEST, parsing it by the option's type.
Status apply_option(const OptionSpec& spec, const std::string& value, Request& request) {
  auto bad = [&](const Error& e) { return usage("--" + std::string(spec.long_name) + ": " + e.message()); };
  auto size = [&](std::optional<uint64_t>& out) -> Status {
    auto parsed = parse_size(value);
    if (!parsed) return bad(parsed.error());
    out = *parsed;
    return ok_status();
  };
  auto u32 = [&](std::optional<uint32_t>& out, std::string_view what) -> Status {
    auto parsed = parse_u32(value, what);
    if (!parsed) return bad(parsed.error());
    out = *parsed;
    return ok_status();
  };
  switch (spec.id) {
    case OptionId::instance: request.global.instance = value; break;
    case OptionId::json: request.global.json = true; break;
    case OptionId::timeout: {
      auto parsed = parse_seconds(value);
      if (!parsed) return bad(parsed.error());
      request.global.timeout_seconds = *parsed;
      break;
    }
    case OptionId::help: request.show_help = true; break;
    case OptionId::version: request.show_version = true; break;
    case OptionId::log_size: return size(request.log_size);
    case OptionId::size: return size(request.size);
    case OptionId::chunk_size: return size(request.chunk_size);
    case OptionId::force: request.force = true; break;
    case OptionId::enable_delete: request.enable_delete = true; break;
    case OptionId::mode: {
      auto parsed = parse_mode(value);
      if (!parsed) return bad(parsed.error());
      request.mode = *parsed;
      break;
    }
    case OptionId::uid:
    case OptionId::gid: {
      const bool user = spec.id == OptionId::uid;
      auto parsed = parse_owner(value, user);
      if (!parsed) return bad(parsed.error());
      (user ? request.uid : request.gid) = *parsed;
      return ok_status();
    }
    case OptionId::nstrips: return u32(request.nstrips, "strip count");
    case OptionId::no_zero: request.no_zero = true; break;
    case OptionId::parents: request.parents = true; break;
    case OptionId::recursive: request.recursive = true; break;
    case OptionId::long_listing: request.long_listing = true; break;
    case OptionId::verbose: request.verbose = true; break;
    case OptionId::offset: return size(request.offset);
    case OptionId::length: return size(request.length);
  }
  return ok_status();
}

// Parsing state: options are checked against the command once it is known.
class Parser {
 public:
  explicit Parser(const std::vector<std::string>& args) : args_(args) {}

  Result<Request> run() {
    bool options_done = false;
    for (i_ = 0; i_ < args_.size(); ++i_) {
      const std::string& arg = args_[i_];
      if (!options_done && arg == "--") {
        options_done = true;
      } else if (!options_done && arg.size() > 2 && arg.starts_with("--")) {
        FAMFS_TRY(long_option(arg));
      } else if (!options_done && arg.size() > 1 && arg[0] == '-') {
        FAMFS_TRY(short_options(arg));
      } else if (!request_.command) {
        auto command = command_by_name(arg);
        if (!command) return usage("unknown command \"" + arg + "\" (see famfsctl --help)");
        request_.command = command;
      } else {
        request_.operands.push_back(arg);
      }
    }
    for (const auto& [spec, before_command] : seen_) {
      if (spec->global()) continue;
      if (before_command || !request_.command) {
        if (request_.show_help) continue;
        return usage("option --" + std::string(spec->long_name) + " needs a command before it");
      }
      if (!spec->applies_to(*request_.command))
        return usage(std::string(command_name(*request_.command)) + ": unknown option --" +
                     std::string(spec->long_name) + " (see famfsctl " + std::string(command_name(*request_.command)) +
                     " --help)");
    }
    if (request_.show_help || request_.show_version) return request_;
    if (!request_.command) return usage("missing command (see famfsctl --help)");
    FAMFS_TRY(validate());
    return request_;
  }

 private:
  Status long_option(const std::string& arg) {
    std::string_view body = std::string_view(arg).substr(2);
    std::optional<std::string> value;
    if (auto eq = body.find('='); eq != std::string_view::npos) {
      value = std::string(body.substr(eq + 1));
      body = body.substr(0, eq);
    }
    const OptionSpec* spec = find_long_option(body);
    if (!spec) return usage("unknown option --" + std::string(body));
    if (!spec->value_name && value) return usage("option --" + std::string(body) + " takes no value");
    if (spec->value_name && !value) {
      if (i_ + 1 >= args_.size()) return usage("option --" + std::string(body) + " needs a value");
      value = args_[++i_];
    }
    return take(*spec, value.value_or(""));
  }

  // "-l", "-rp" (flags cluster), "-d dax0.0", "-ddax0.0".
  Status short_options(const std::string& arg) {
    for (size_t k = 1; k < arg.size(); ++k) {
      const OptionSpec* spec = find_short_option(arg[k]);
      if (!spec) return usage(std::string("unknown option -") + arg[k]);
      if (!spec->value_name) {
        FAMFS_TRY(take(*spec, ""));
        continue;
      }
      std::string value = arg.substr(k + 1);
      if (value.empty()) {
        if (i_ + 1 >= args_.size()) return usage(std::string("option -") + arg[k] + " needs a value");
        value = args_[++i_];
      }
      return take(*spec, value);
    }
    return ok_status();
  }

  Status take(const OptionSpec& spec, const std::string& value) {
    seen_.emplace_back(&spec, !request_.command.has_value());
    return apply_option(spec, value, request_);
  }

  Status validate() {
    Command command = *request_.command;
    const CommandInfo& c = info(command);
    std::string name(c.name);
    size_t n = request_.operands.size();
    if (n < c.min_operands) {
      if (command == Command::cp) return usage("cp: needs a source and a destination");
      return usage(name + ": missing PATH");
    }
    if (n > c.max_operands) return usage(name + ": unexpected argument \"" + request_.operands[c.max_operands] + "\"");
    if (command == Command::create && !request_.size) return usage("create: --size is required");
    if (command == Command::hosts && n > 0) {
      if (request_.operands[0] != "forget")
        return usage("hosts: unknown subcommand \"" + request_.operands[0] + "\" (only \"forget UUID|SLOT\")");
      if (n != 2) return usage("hosts forget: missing UUID (or the number of a damaged slot)");
    }
    if (command == Command::jobs && n > 0) {
      if (request_.operands[0] != "cancel")
        return usage("jobs: unknown subcommand \"" + request_.operands[0] + "\" (famfsctl jobs [cancel N])");
      if (n != 2) return usage("jobs cancel: needs the job number (see famfsctl jobs)");
      FAMFS_TRY(parse_u32(request_.operands[1], "job number"));
    }
    if (command == Command::help && n == 1 && !command_by_name(request_.operands[0]))
      return usage("help: unknown command \"" + request_.operands[0] + "\" (see famfsctl --help)");
    if (command == Command::cp) {
      const auto& ops = request_.operands;
      size_t famfs_sources = 0;
      for (size_t k = 0; k + 1 < n; ++k) famfs_sources += ops[k].starts_with("famfs:") ? 1 : 0;
      if (ops.back().starts_with("famfs:"))
        return usage("cp: DEST is a famfs path already; famfs:PATH marks sources to copy out of famfs");
      if (famfs_sources != 0 && famfs_sources != n - 1)
        return usage("cp: either every SRC is famfs:PATH (copy out) or none is (copy in)");
    }
    if (request_.nstrips.has_value() != request_.chunk_size.has_value())
      return usage(name + ": --nstrips and --chunk-size go together (an interleaved file needs both)");
    return ok_status();
  }

  const std::vector<std::string>& args_;
  size_t i_ = 0;
  Request request_;
  std::vector<std::pair<const OptionSpec*, bool>> seen_;  // option, seen before the command
};

}  // namespace

std::string_view command_name(Command command) { return info(command).name; }

std::optional<Command> command_by_name(std::string_view name) {
  for (const auto& c : kCommands)
    if (c.name == name) return c.command;
  return std::nullopt;
}

const std::vector<Command>& all_commands() {
  static const std::vector<Command> commands = [] {
    std::vector<Command> out;
    for (const auto& c : kCommands) out.push_back(c.command);
    return out;
  }();
  return commands;
}

Result<Request> parse_command_line(const std::vector<std::string>& args) { return Parser(args).run(); }

std::string famfs_path(std::string_view typed) {
  if (typed.starts_with('/')) typed.remove_prefix(1);
  return std::string(typed);
}

Result<uint32_t> parse_mode(std::string_view text) {
  std::string_view digits = text;
  if (digits.starts_with("0o") || digits.starts_with("0O")) digits.remove_prefix(2);
  if (digits.empty() || digits.size() > 6)
    return Error(Errc::invalid_argument, "invalid mode \"" + std::string(text) + "\": expected octal like 644");
  uint32_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '7')
      return Error(Errc::invalid_argument, "invalid mode \"" + std::string(text) + "\": expected octal like 644");
    value = value * 8 + static_cast<uint32_t>(c - '0');
  }
  if (value > 07777)
    return Error(Errc::invalid_argument, "invalid mode \"" + std::string(text) + "\": permission bits go up to 7777");
  return value;
}

Result<uint32_t> parse_u32(std::string_view text, std::string_view what) {
  auto bad = [&] {
    return Error(Errc::invalid_argument,
                 "invalid " + std::string(what) + " \"" + std::string(text) + "\": expected a number 0..4294967295");
  };
  if (text.empty() || text.size() > 10) return bad();
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return bad();
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (value > std::numeric_limits<uint32_t>::max()) return bad();
  return static_cast<uint32_t>(value);
}

Result<uint32_t> parse_owner(std::string_view text, bool user) {
  const char* what = user ? "uid" : "gid";
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos) return parse_u32(text, what);
  std::string name(text);
  char buf[16384];
  if (user) {
    passwd pw{}, *found = nullptr;
    if (!name.empty() && getpwnam_r(name.c_str(), &pw, buf, sizeof buf, &found) == 0 && found) return found->pw_uid;
  } else {
    group gr{}, *found = nullptr;
    if (!name.empty() && getgrnam_r(name.c_str(), &gr, buf, sizeof buf, &found) == 0 && found) return found->gr_gid;
  }
  return Error(Errc::invalid_argument, "invalid " + std::string(what) + " \"" + name + "\": no such " +
                                           (user ? "user" : "group") + " and not a number 0..4294967295");
}

Result<double> parse_seconds(std::string_view text) {
  auto bad = [&] {
    return Error(Errc::invalid_argument,
                 "invalid timeout \"" + std::string(text) + "\": expected seconds, e.g. 10 or 0.5");
  };
  if (text.empty() || !(text[0] >= '0' && text[0] <= '9')) return bad();
  std::string copy(text);
  char* end = nullptr;
  errno = 0;
  double value = std::strtod(copy.c_str(), &end);
  if (errno != 0 || end != copy.c_str() + copy.size() || !std::isfinite(value) || value < 0 || value > 1e9)
    return bad();
  return value;
}

}  // namespace famfs::cli

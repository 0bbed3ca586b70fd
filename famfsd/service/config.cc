#include "service/config.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <toml++/toml.h>

#include "util/size_parse.h"
#include "util/uuid.h"

namespace famfs::service {
namespace {

constexpr std::array<const char*, 8> kLogLevelNames = {"emerg",   "alert",  "crit", "err",
                                                       "warning", "notice", "info", "debug"};
constexpr std::array<const char*, 3> kBackendNames = {"auto", "kernel", "none"};

constexpr uint32_t kMinPollIntervalMs = 1;
constexpr uint32_t kMaxPollIntervalMs = 10000;
constexpr uint32_t kMinHeartbeatIntervalMs = 10;
constexpr uint32_t kMaxHeartbeatIntervalMs = 60000;

// TEXT with control characters escaped so a message stays one readable line
// whatever the file held. QUOTE, when set, is escaped, and so is backslash.
std::string escaped(std::string_view text, char quote = 0) {
  std::string out;
  for (unsigned char c : text) {
    if (quote && (c == '\\' || c == static_cast<unsigned char>(quote))) {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// TEXT in double quotes, escaped.
std::string quoted(std::string_view text) { return "\"" + escaped(text, '"') + "\""; }

// A key as it would be written in TOML: bare when it may be, quoted otherwise.
std::string toml_key(std::string_view key) {
  bool bare = !key.empty();
  for (char c : key) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    bare = bare && ok;
  }
  return bare ? std::string(key) : quoted(key);
}

std::string_view type_phrase(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a floating-point number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

std::string at(const std::string& source, const toml::source_position& pos) {
  if (!pos) return source + ": ";
  return source + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column) + ": ";
}

// Collects problems and keeps the one earliest in the file, so the report
// does not depend on the order toml++ iterates tables in (by key name).
class Problems {
 public:
  explicit Problems(const std::string& source) : source_(source) {}

  void report(const toml::source_region& where, std::string what) {
    const toml::source_position& pos = where.begin;
    if (first_ && !(pos.line < first_pos_.line || (pos.line == first_pos_.line && pos.column < first_pos_.column)))
      return;
    first_pos_ = pos;
    first_ = at(source_, pos) + what;
  }
  bool any() const { return first_.has_value(); }
  Error error() const { return Error(Errc::invalid_argument, *first_); }

 private:
  const std::string& source_;
  std::optional<std::string> first_;
  toml::source_position first_pos_{};
};

// One key being applied: where its messages point and how they name it.
struct Setting {
  const toml::node& node;
  std::string name;  // "log_level" or devices."dax0.0".log_level
  Problems& problems;

  void fail(std::string what) const { problems.report(node.source(), name + ": " + what); }
  void wrong_type(std::string_view expected) const {
    fail("expected " + std::string(expected) + ", found " + std::string(type_phrase(node)));
  }
  std::optional<std::string> string() const {
    if (const auto* s = node.as_string()) return s->get();
    wrong_type("a string");
    return std::nullopt;
  }
  std::optional<bool> boolean() const {
    if (const auto* b = node.as_boolean()) return b->get();
    wrong_type("a boolean (true or false)");
    return std::nullopt;
  }
};

void set_log_level(const Setting& s, InstanceConfig& c) {
  auto text = s.string();
  if (!text) return;
  if (auto level = parse_log_level(*text)) {
    c.log_level = *level;
    return;
  }
  s.fail("unknown log level " + quoted(*text) + " (expected emerg, alert, crit, err, warning, notice, info or debug)");
}

void set_system_uuid(const Setting& s, InstanceConfig& c) {
  auto text = s.string();
  if (!text) return;
  auto uuid = Uuid::parse(*text);
  if (!uuid) {
    s.fail(quoted(*text) + " is not a UUID (expected 8-4-4-4-12 hexadecimal digits)");
    return;
  }
  // The nil UUID cannot tell hosts apart, so it cannot decide a role.
  if (uuid->is_nil()) {
    s.fail("the nil UUID cannot identify a host");
    return;
  }
  c.system_uuid = uuid->to_string();
}

void set_backend(const Setting& s, InstanceConfig& c) {
  auto text = s.string();
  if (!text) return;
  if (auto choice = parse_backend_choice(*text)) {
    c.backend = *choice;
    return;
  }
  s.fail("unknown backend " + quoted(*text) + " (expected auto, kernel or none)");
}

void set_mountpoint(const Setting& s, InstanceConfig& c) {
  auto text = s.string();
  if (!text) return;
  if (text->empty() || (*text)[0] != '/') {
    s.fail(quoted(*text) + " is not an absolute path");
    return;
  }
  if (text->find('\0') != std::string::npos) {
    s.fail("a path cannot contain a NUL character");
    return;
  }
  c.mountpoint = std::move(*text);
}

void set_poll_interval_ms(const Setting& s, InstanceConfig& c) {
  const auto* n = s.node.as_integer();
  if (!n) return s.wrong_type("an integer number of milliseconds");
  int64_t v = n->get();
  if (v < kMinPollIntervalMs || v > kMaxPollIntervalMs) {
    s.fail(std::to_string(v) + " is out of range (" + std::to_string(kMinPollIntervalMs) + ".." +
           std::to_string(kMaxPollIntervalMs) + ")");
    return;
  }
  c.poll_interval_ms = static_cast<uint32_t>(v);
}

void set_heartbeat_interval_ms(const Setting& s, InstanceConfig& c) {
  const auto* n = s.node.as_integer();
  if (!n) return s.wrong_type("an integer number of milliseconds");
  int64_t v = n->get();
  if (v < kMinHeartbeatIntervalMs || v > kMaxHeartbeatIntervalMs) {
    s.fail(std::to_string(v) + " is out of range (" + std::to_string(kMinHeartbeatIntervalMs) + ".." +
           std::to_string(kMaxHeartbeatIntervalMs) + ")");
    return;
  }
  c.heartbeat_interval_ms = static_cast<uint32_t>(v);
}

void set_allow_format(const Setting& s, InstanceConfig& c) {
  if (auto b = s.boolean()) c.allow_format = *b;
}

void set_zero_new_files(const Setting& s, InstanceConfig& c) {
  if (auto b = s.boolean()) c.zero_new_files = *b;
}

void set_copy_job_threshold(const Setting& s, InstanceConfig& c) {
  if (const auto* n = s.node.as_integer()) {
    if (n->get() < 0) {
      s.fail(std::to_string(n->get()) + " is negative");
      return;
    }
    c.copy_job_threshold = static_cast<uint64_t>(n->get());
    return;
  }
  if (const auto* text = s.node.as_string()) {
    auto size = parse_size(text->get());
    if (!size) {
      s.fail(size.error().message());
      return;
    }
    c.copy_job_threshold = *size;
    return;
  }
  s.wrong_type("a size (an integer number of bytes or a string such as \"64M\")");
}

void set_famfs_group(const Setting& s, InstanceConfig& c) {
  auto text = s.string();
  if (!text) return;
  if (text->empty()) {
    s.fail("a group name cannot be empty");
    return;
  }
  // What /etc/group cannot hold: its field separator, whitespace, controls.
  for (unsigned char ch : *text) {
    if (ch == ':' || ch == ',' || ch == ' ' || ch < 0x20 || ch == 0x7f) {
      s.fail(quoted(*text) + " is not a valid group name");
      return;
    }
  }
  c.famfs_group = std::move(*text);
}

void set_watchdog(const Setting& s, InstanceConfig& c) {
  if (auto b = s.boolean()) c.watchdog = *b;
}

void set_client_files_writable(const Setting& s, InstanceConfig& c) {
  if (auto b = s.boolean()) c.client_files_writable = *b;
}

struct KeyRule {
  std::string_view name;
  void (*apply)(const Setting&, InstanceConfig&);
};

constexpr std::array<KeyRule, 12> kKeyRules = {{
    {"log_level", set_log_level},
    {"system_uuid", set_system_uuid},
    {"backend", set_backend},
    {"mountpoint", set_mountpoint},
    {"poll_interval_ms", set_poll_interval_ms},
    {"heartbeat_interval_ms", set_heartbeat_interval_ms},
    {"allow_format", set_allow_format},
    {"zero_new_files", set_zero_new_files},
    {"copy_job_threshold", set_copy_job_threshold},
    {"famfs_group", set_famfs_group},
    {"watchdog", set_watchdog},
    {"client_files_writable", set_client_files_writable},
}};

constexpr std::array<std::string_view, kKeyRules.size()> key_names() {
  std::array<std::string_view, kKeyRules.size()> names{};
  for (size_t i = 0; i < kKeyRules.size(); ++i) names[i] = kKeyRules[i].name;
  return names;
}
constexpr auto kKeyNames = key_names();

// Applies every key of TABLE to CONFIG. TABLE_NAME is "" for the top level
// (whose "devices" the caller handles), else the TOML path of the table
// (devices."dax0.0"). Nodes are never copied: a copy loses its source position.
void apply_table(const toml::table& table, const std::string& table_name, InstanceConfig& config, Problems& problems) {
  for (auto&& [key, node] : table) {
    if (table_name.empty() && key.str() == "devices") continue;
    const KeyRule* rule = nullptr;
    for (const KeyRule& r : kKeyRules)
      if (r.name == key.str()) rule = &r;
    if (!rule) {
      std::string what = "unknown key " + quoted(key.str());
      if (!table_name.empty()) {
        what += " in [" + table_name + "]";
        // [devices.dax0.0] makes a table "0" inside devices.dax0.
        if (node.is_table()) what += "; quote an instance name that contains dots, as in [devices.\"dax0.0\"]";
      }
      problems.report(key.source(), what);
      continue;
    }
    std::string name = table_name.empty() ? toml_key(key.str()) : table_name + "." + toml_key(key.str());
    rule->apply(Setting{node, std::move(name), problems}, config);
  }
}

Error file_error(const std::string& path, const char* doing, int err) {
  return Error(errc_from_errno(err), path + ": " + doing + ": " + std::strerror(err));
}

}  // namespace

const char* log_level_name(LogLevel level) {
  auto i = static_cast<size_t>(level);
  return i < kLogLevelNames.size() ? kLogLevelNames[i] : "?";
}

std::optional<LogLevel> parse_log_level(std::string_view text) {
  for (size_t i = 0; i < kLogLevelNames.size(); ++i)
    if (text == kLogLevelNames[i]) return static_cast<LogLevel>(i);
  return std::nullopt;
}

const char* backend_choice_name(BackendChoice choice) {
  auto i = static_cast<size_t>(choice);
  return i < kBackendNames.size() ? kBackendNames[i] : "?";
}

std::optional<BackendChoice> parse_backend_choice(std::string_view text) {
  for (size_t i = 0; i < kBackendNames.size(); ++i)
    if (text == kBackendNames[i]) return static_cast<BackendChoice>(i);
  return std::nullopt;
}

std::span<const std::string_view> config_key_names() { return kKeyNames; }

InstanceConfig Config::for_instance(std::string_view instance) const {
  auto it = instances_.find(instance);
  return it == instances_.end() ? defaults_ : it->second;
}

std::vector<std::string> Config::instances() const {
  std::vector<std::string> names;
  names.reserve(instances_.size());
  for (const auto& [name, config] : instances_) names.push_back(name);
  return names;
}

Result<Config> parse_config(std::string_view text, std::string source_name) {
  toml::table doc;
  try {
    doc = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    return Error(Errc::invalid_argument, at(source_name, e.source().begin) + escaped(e.description()));
  }

  Config config;
  config.source_ = std::move(source_name);
  Problems problems(config.source_);

  // The top level first: every device table starts from the global defaults.
  apply_table(doc, "", config.defaults_, problems);

  if (const toml::node* devices = doc.get("devices")) {
    const toml::table* table = devices->as_table();
    if (!table) {
      problems.report(devices->source(), "devices: expected a table of [devices.\"<instance>\"] tables, found " +
                                             std::string(type_phrase(*devices)));
    } else {
      for (auto&& [key, node] : *table) {
        std::string table_name = "devices." + toml_key(key.str());
        if (key.str().empty()) {
          problems.report(key.source(), "devices: an instance name cannot be empty");
          continue;
        }
        const toml::table* device = node.as_table();
        if (!device) {
          problems.report(node.source(), table_name + ": expected a table, found " + std::string(type_phrase(node)));
          continue;
        }
        InstanceConfig instance = config.defaults_;
        apply_table(*device, table_name, instance, problems);
        config.instances_.emplace(std::string(key.str()), std::move(instance));
      }
    }
  }
  if (problems.any()) return problems.error();
  return config;
}

Result<Config> load_config(const std::string& path, bool required) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT && !required) return Config();
    return file_error(path, "cannot open", err);
  }
  std::string text;
  char buf[16384];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      close(fd);
      return file_error(path, "cannot read", err);
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return parse_config(text, path);
}

}  // namespace famfs::service

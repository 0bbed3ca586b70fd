// famfsctl: the command-line client of famfsd. Parses the command line,
// connects to the system bus, picks the instance and runs the command; every
// failure ends here as one line on stderr and its exit code.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <variant>
#include <string>
#include <vector>

#include "commands.h"
#include "error_report.h"
#include "help.h"
#include "instance_name.h"

using namespace famfs::cli;

namespace {

// The default reply timeout: libsystemd's 25 s, except for the commands that
// move file data, whose duration grows with the file.
std::optional<double> call_timeout(const Request& r) {
  if (r.global.timeout_seconds) return r.global.timeout_seconds;
  if (r.command == Command::cat || r.command == Command::cp) return 0.0;
  return std::nullopt;
}

// The instances' names as famfsd knows them (the Instance property: "host-c",
// not the bus-name form "host_c"), comma separated; the suffix of an
// instance that does not answer.
std::string shown_names(FamfsBus& bus, const std::vector<std::string>& names) {
  std::string list;
  for (const auto& n : names) {
    std::string shown(instance_suffix(n));
    try {
      shown = FilesystemProxy(bus.connection(), n).Instance();
    } catch (const sdbus::Error&) {}
    list += (list.empty() ? "" : ", ") + shown;
  }
  return list;
}

// A device path given to -d: the instance whose Device property names the
// same file (several: the user must choose by name). nullopt when no running
// instance serves it (the base-name rule applies then).
std::optional<std::variant<std::string, Failure>> instance_serving(FamfsBus& bus, const std::string& device) {
  char* want = realpath(device.c_str(), nullptr);
  std::string wanted = want ? want : device;
  free(want);
  std::vector<std::string> found;
  for (const auto& name : famfs_bus_names(bus.list_names())) {
    try {
      FilesystemProxy fs(bus.connection(), name);
      std::string served = fs.Device();
      char* real = realpath(served.c_str(), nullptr);
      if ((real ? std::string(real) : served) == wanted) found.push_back(name);
      free(real);
    } catch (const sdbus::Error&) {
      // not answering: not the one
    }
  }
  if (found.empty()) return std::nullopt;
  if (found.size() == 1) return found[0];
  std::string list;
  list = shown_names(bus, found);
  return Failure{ExitCode::usage, "-d " + device + ": " + std::to_string(found.size()) +
                                      " instances serve this device (" + list + "): choose one by name"};
}

// The bus name of the instance to talk to, or the failure.
std::variant<std::string, Failure> choose_bus_name(FamfsBus& bus, const Request& r) {
  if (r.global.instance && r.global.instance->starts_with('/')) {
    if (auto served = instance_serving(bus, *r.global.instance)) return *served;
  }
  if (r.global.instance) {
    auto name = bus_name_for(*r.global.instance);
    if (!name) return Failure{ExitCode::usage, "-d: " + name.error().message()};
    return *name;  // not checked here: the command's own call says if it is missing
  }
  auto names = famfs_bus_names(bus.list_names());
  auto chosen = choose_instance(names);
  if (!chosen && names.size() > 1)
    return Failure{ExitCode::no_instance, std::to_string(names.size()) + " famfsd instances are running (" +
                                              shown_names(bus, names) + "): choose one with -d"};
  if (!chosen) return Failure{ExitCode::no_instance, chosen.error().message()};
  return *chosen;
}

// A missing instance named with -d: say which ones do run (error path only).
std::string with_running_instances(FamfsBus& bus, std::string message) {
  try {
    auto names = famfs_bus_names(bus.list_names());
    message += names.empty() ? "; no famfsd instance is running" : "; running: " + shown_names(bus, names);
  } catch (const sdbus::Error&) {}
  return message;
}

int fail(ExitCode code, const std::string& message, const std::string& error_name = "") {
  report_failure(code, message, error_name);
  return to_int(code);
}

// --json anywhere before "--": errors are JSON too, also usage errors.
bool wants_json(const std::vector<std::string>& args) {
  for (const auto& a : args) {
    if (a == "--") break;
    if (a == "--json") return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  set_json_errors(wants_json(args));
  auto parsed = parse_command_line(args);
  if (!parsed) return fail(ExitCode::usage, parsed.error().message());
  const Request& request = *parsed;
  if (request.command == Command::help && !request.show_help) {
    const auto topic = request.operands.empty() ? std::nullopt : command_by_name(request.operands[0]);
    std::string text = topic ? command_help(*topic) : general_help();
    fputs(text.c_str(), stdout);
    return 0;
  }
  if (request.show_help) {
    std::string text = request.command ? command_help(*request.command) : general_help();
    fputs(text.c_str(), stdout);
    return 0;
  }
  if (request.show_version) {
    printf("famfsctl %s\n", FAMFS_VERSION);
    return 0;
  }

  std::unique_ptr<FamfsBus> bus;
  try {
    bus = FamfsBus::connect_system_bus();
    bus->set_call_timeout(call_timeout(request));
  } catch (const sdbus::Error& e) {
    const char* address = getenv("DBUS_SYSTEM_BUS_ADDRESS");
    std::string where = address && *address ? " at " + std::string(address) : "";
    return fail(ExitCode::no_instance, "cannot connect to the system bus" + where + ": " + one_line(e.getMessage()));
  }

  std::string bus_name;
  try {
    Session session{*bus, request, {}};
    // list and monitor without -d cover every instance.
    const bool every_instance =
        request.command == Command::list || (request.command == Command::monitor && !request.global.instance);
    if (!every_instance) {
      auto chosen = choose_bus_name(*bus, request);
      if (auto* failure = std::get_if<Failure>(&chosen)) return fail(failure->code, failure->message);
      session.bus_name = bus_name = std::get<std::string>(chosen);
    }
    ExitCode code = run_command(session);
    if (fflush(stdout) != 0) return fail(ExitCode::failed, "cannot write the output");
    if (std::string pending = take_pending_error(); !pending.empty() && code != ExitCode::ok)
      return fail(code, pending);
    return to_int(code);
  } catch (const sdbus::Error& e) {
    Failure failure = describe_error(e.getName(), e.getMessage(), bus_name, request.global.instance.value_or(""));
    if (failure.code == ExitCode::no_instance && request.global.instance && !bus_name.empty())
      failure.message = with_running_instances(*bus, failure.message);
    return fail(failure.code, failure.message, e.getName());
  } catch (const std::exception& e) {
    return fail(ExitCode::failed, one_line(e.what()));
  }
}

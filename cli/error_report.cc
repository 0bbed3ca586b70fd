#include "error_report.h"

#include "instance_name.h"
#include "output.h"

namespace famfs::cli {

Failure describe_error(const std::string& name, const std::string& message, const std::string& bus_name,
                       const std::string& typed) {
  ExitCode code = exit_code_for_error(name);
  std::string text = one_line(message);
  std::string shown = typed.empty() ? std::string(instance_suffix(bus_name)) : typed;
  std::string instance = bus_name.empty() ? "famfsd" : "famfsd instance \"" + shown + "\"";
  auto bus_error = [&](std::string_view short_name) {
    return name == "org.freedesktop.DBus.Error." + std::string(short_name);
  };

  if (name.starts_with("org.famfs.Famfs1.Error.")) {
    if (text.empty()) text = name.substr(std::string("org.famfs.Famfs1.Error.").size());
    return {code, text};
  }
  if (bus_error("ServiceUnknown") || bus_error("NameHasNoOwner"))
    return {code, bus_name.empty() ? text : instance + " is not running (no owner of " + bus_name + ")"};
  if (bus_error("AccessDenied")) {
    // dbus-daemon's message is long ("Rejected send message, ... member="Mkdir" ..."): name the method only.
    size_t at = text.find("member=\"");
    if (at != std::string::npos) {
      size_t start = at + 8, end = text.find('"', start);
      if (end != std::string::npos) {
        std::string method = text.substr(start, end - start);
        if (method == "Format") return {code, "access denied by the D-Bus policy: only root may format"};
        return {code, "access denied by the D-Bus policy: this user may not call " + method +
                          " (changes take root or the famfs group)"};
      }
    }
    return {code, "access denied by the D-Bus policy: " + text};
  }
  if (bus_error("NoReply") || bus_error("Timeout") || bus_error("TimedOut"))
    return {code, "no reply from " + instance + ": " + (text.empty() ? name : text) + " (see --timeout)"};
  if (bus_error("Disconnected") || bus_error("NoServer")) return {code, "lost the connection to the bus: " + text};
  if (bus_error("UnknownMethod") || bus_error("UnknownObject") || bus_error("UnknownInterface") ||
      bus_error("UnknownProperty"))
    return {code, text + " (is " + instance + " a different famfs version?)"};
  if (text.empty()) return {code, name};
  return {code, text + " (" + name + ")"};
}

}  // namespace famfs::cli

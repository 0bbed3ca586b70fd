#include "method_options.h"

namespace famfs::cli {
namespace {

void put_owner(const Request& r, OptionMap& out) {
  if (r.uid) out["uid"] = sdbus::Variant(*r.uid);
  if (r.gid) out["gid"] = sdbus::Variant(*r.gid);
}

void put_layout(const Request& r, OptionMap& out) {
  if (r.nstrips) out["nstrips"] = sdbus::Variant(*r.nstrips);
  if (r.chunk_size) out["chunk_size"] = sdbus::Variant(*r.chunk_size);
}

}  // namespace

OptionMap format_options(const Request& r) {
  OptionMap out;
  if (r.log_size) out["log_size"] = sdbus::Variant(*r.log_size);
  if (r.force) out["force"] = sdbus::Variant(true);
  if (r.enable_delete) out["enable_delete"] = sdbus::Variant(true);
  return out;
}

OptionMap create_options(const Request& r) {
  OptionMap out;
  if (r.mode) out["mode"] = sdbus::Variant(*r.mode);
  put_owner(r, out);
  if (r.no_zero) out["zero"] = sdbus::Variant(false);
  put_layout(r, out);
  return out;
}

OptionMap mkdir_options(const Request& r) {
  OptionMap out;
  if (r.mode) out["mode"] = sdbus::Variant(*r.mode);
  put_owner(r, out);
  if (r.parents) out["parents"] = sdbus::Variant(true);
  return out;
}

OptionMap copy_options(const Request& r) {
  OptionMap out;
  if (r.mode) out["mode"] = sdbus::Variant(*r.mode);
  put_owner(r, out);
  put_layout(r, out);
  return out;
}

OptionMap copy_mkdir_options(const Request& r) {
  OptionMap out;
  put_owner(r, out);
  out["parents"] = sdbus::Variant(true);
  return out;
}

}  // namespace famfs::cli

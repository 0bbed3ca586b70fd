// Loading the reference implementation's golden images (see
// tests/data/famfs-images/README.md) into a FakeDevice.
#pragma once

#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>

#include "fake_device.h"

namespace famfs::testing {

inline std::string golden_dir() { return FAMFS_TESTDATA; }

// The output of `xz -dc PATH`.
inline std::string xz_decompress(const std::string& path) {
  std::string cmd = "xz -dc '" + path + "'";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("cannot run " + cmd);
  std::string out;
  char buf[1 << 16];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  if (pclose(p) != 0) throw std::runtime_error(cmd + " failed");
  return out;
}

inline nlohmann::json load_golden_json(const std::string& name) {
  return nlohmann::json::parse(xz_decompress(golden_dir() + "/" + name + ".json.xz"));
}

// A device of the image's device_size holding the decompressed head.
inline std::unique_ptr<FakeDevice> load_golden_device(const std::string& name) {
  auto meta = load_golden_json(name);
  auto dev = std::make_unique<FakeDevice>(meta["device_size"].get<uint64_t>(), "/golden/" + name);
  std::string cmd = "xz -dc '" + golden_dir() + "/" + name + ".head.xz'";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("cannot run " + cmd);
  size_t off = 0, n;
  while ((n = fread(dev->bytes() + off, 1, 1 << 20, p)) > 0) off += n;
  if (pclose(p) != 0 || off != 0x200000 + meta["log_len"].get<uint64_t>())
    throw std::runtime_error("decompressing " + name + " failed (" + std::to_string(off) + " bytes)");
  return dev;
}

}  // namespace famfs::testing

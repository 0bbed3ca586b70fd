// 128-bit UUIDs as the on-media format stores them: 16 raw bytes in the order
// of their text form.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace famfs {

struct Uuid {
  std::array<uint8_t, 16> bytes{};

  // True when all 16 bytes are zero.
  bool is_nil() const;
  // Lower-case 8-4-4-4-12 text form.
  std::string to_string() const;
  // Parses the 36-character 8-4-4-4-12 form (either case); nullopt otherwise.
  static std::optional<Uuid> parse(std::string_view text);
  // A random version-4 UUID from getrandom(2).
  static Uuid random();

  friend bool operator==(const Uuid&, const Uuid&) = default;
};

}  // namespace famfs

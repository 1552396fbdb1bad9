#pragma once
// IP addresses and CIDR ranges (IPv4 and IPv6), for deciding which peers are trusted proxies.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace atrium {

// A parsed address: IPv4 is stored as an IPv4-mapped IPv6 address, so that one comparison
// serves both families.
struct IpAddress {
  std::array<uint8_t, 16> bytes{};
  bool v4 = false;

  static std::optional<IpAddress> Parse(std::string_view text);
};

class IpRanges final {
 public:
  IpRanges() = default;
  // Each entry is an address ("10.0.0.1", "::1") or a range ("10.0.0.0/8", "fd00::/8").
  // InvalidArgument names the first entry that is neither.
  static Result<IpRanges> Parse(const std::vector<std::string>& entries);

  bool Contains(std::string_view address) const;
  bool empty() const { return ranges_.empty(); }

 private:
  struct Range {
    IpAddress base;
    int prefix_bits = 128;  // over the 16-byte form
  };
  std::vector<Range> ranges_;
};

}  // namespace atrium

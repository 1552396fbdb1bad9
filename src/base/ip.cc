#include "base/ip.h"

#include <charconv>
#include <cstring>

#include <arpa/inet.h>

#include "base/strings.h"

namespace atrium {

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  const std::string s(TrimSpace(text));
  IpAddress out;
  in_addr v4{};
  if (::inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    out.v4 = true;
    out.bytes[10] = 0xff;
    out.bytes[11] = 0xff;
    std::memcpy(out.bytes.data() + 12, &v4, 4);
    return out;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(out.bytes.data(), &v6, 16);
    return out;
  }
  return std::nullopt;
}

Result<IpRanges> IpRanges::Parse(const std::vector<std::string>& entries) {
  IpRanges out;
  for (const auto& entry : entries) {
    const std::string_view e = TrimSpace(entry);
    const size_t slash = e.find('/');
    const auto address = IpAddress::Parse(e.substr(0, slash));
    if (!address) {
      return Error::InvalidArgument(GoQuote(entry) + " is not an IP address or CIDR range");
    }
    Range r{*address, 128};
    if (slash != std::string_view::npos) {
      const std::string_view bits = e.substr(slash + 1);
      int n = -1;
      const auto [ptr, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), n);
      const int max = address->v4 ? 32 : 128;
      if (ec != std::errc() || ptr != bits.data() + bits.size() || n < 0 || n > max) {
        return Error::InvalidArgument(GoQuote(entry) + " has an invalid prefix length");
      }
      r.prefix_bits = address->v4 ? 96 + n : n;
    }
    out.ranges_.push_back(r);
  }
  return out;
}

bool IpRanges::Contains(std::string_view address) const {
  const auto ip = IpAddress::Parse(address);
  if (!ip) {
    return false;
  }
  for (const auto& r : ranges_) {
    int bits = r.prefix_bits;
    bool match = true;
    for (size_t i = 0; i < 16 && bits > 0 && match; ++i, bits -= 8) {
      const uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
      match = (ip->bytes[i] & mask) == (r.base.bytes[i] & mask);
    }
    if (match) {
      return true;
    }
  }
  return false;
}

}  // namespace atrium

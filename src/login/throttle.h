#pragma once
// Brute-force resistance of sign-ins: failed attempts are counted per identifier and per client
// address, and a key over its limit is refused for a while (429 with Retry-After). The login
// service only asks this seam; the implementation keeps its state where every instance sees it.

#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"

namespace atrium::login {

class Throttle {
 public:
  virtual ~Throttle() = default;
  // How long the caller must wait before trying again with any of `keys`, or nullopt.
  virtual Result<std::optional<Duration>> RetryAfter(const std::vector<std::string>& keys) = 0;
  // A sign-in with these keys failed (wrong password, unknown identifier).
  virtual Status Failed(const std::vector<std::string>& keys) = 0;
  // A sign-in succeeded: the identifier's count starts over (the address keeps its count).
  virtual Status Succeeded(const std::string& identifier_key) = 0;
};

// The keys of an attempt.
inline std::string IdentifierKey(const std::string& normalized_identifier) {
  return "identifier:" + normalized_identifier;
}
inline std::string AddressKey(const std::string& ip) { return "ip:" + ip; }

// No throttling (atrium.login_throttling.enabled: false, and unit tests).
class NoThrottle final : public Throttle {
 public:
  Result<std::optional<Duration>> RetryAfter(const std::vector<std::string>&) override {
    return std::optional<Duration>();
  }
  Status Failed(const std::vector<std::string>&) override { return OkStatus(); }
  Status Succeeded(const std::string&) override { return OkStatus(); }
};

}  // namespace atrium::login

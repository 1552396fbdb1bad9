#pragma once
// The breach check of the password policy: k-anonymity range queries (first five hex digits of
// the SHA-1) against a Have I Been Pwned compatible service.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/clock.h"
#include "base/result.h"

namespace atrium::strategy::password {

class BreachChecker {
 public:
  virtual ~BreachChecker() = default;
  // How often the password appears in breaches (0 = never). Unavailable when the service cannot
  // be reached or answers badly.
  virtual Result<int64_t> Count(std::string_view password) = 0;
};

class HibpBreachChecker final : public BreachChecker {
 public:
  // `host` is "api.pwnedpasswords.com" (https is implied) or carries a scheme,
  // "http://127.0.0.1:8080". Range responses are cached for one hour per prefix.
  HibpBreachChecker(std::string host, const Clock& clock,
                    std::chrono::milliseconds timeout = std::chrono::seconds(5));
  Result<int64_t> Count(std::string_view password) override;

 private:
  struct Entry {
    std::string body;  // "SUFFIX:COUNT\r\n..." as served
    Timestamp fetched_at;
  };
  Result<std::string> FetchRange(const std::string& prefix);

  std::string base_url_;  // "https://api.pwnedpasswords.com"
  const Clock& clock_;
  std::chrono::milliseconds timeout_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> cache_;
};

}  // namespace atrium::strategy::password

#pragma once
// The breach check of the password policy: k-anonymity range queries (first five hex digits of
// the SHA-1) against a Have I Been Pwned compatible service, through the shared HTTP client with
// a circuit breaker of its own and a bounded cache of ranges.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/lru_cache.h"
#include "base/result.h"
#include "httpclient/breaker.h"
#include "httpclient/client.h"

namespace atrium::strategy::password {

class BreachChecker {
 public:
  virtual ~BreachChecker() = default;
  // How often the password appears in breaches (0 = never). An error (Unavailable,
  // GatewayTimeout, BadGateway, ...) when the source cannot answer; the policy treats every
  // error as a network error (ignore_network_errors).
  virtual Result<int64_t> Count(std::string_view password) = 0;
};

struct HibpOptions {
  // Budget of one range call, connect and transfer together.
  std::chrono::milliseconds timeout = std::chrono::seconds(2);
  // Consecutive failed calls that open the breaker, and how long it then stays open.
  int failure_threshold = 3;
  Duration cooldown = std::chrono::seconds(30);
  // Ranges kept (about 12 KiB each) and for how long.
  std::size_t cache_capacity = 1024;
  Duration cache_ttl = std::chrono::hours(1);
};

class HibpBreachChecker final : public BreachChecker {
 public:
  // `host` is "api.pwnedpasswords.com" (https is implied) or carries a scheme,
  // "http://127.0.0.1:8080". `http` and `clock` must outlive the checker.
  HibpBreachChecker(const std::string& host, httpclient::Client& http, const Clock& clock,
                    HibpOptions options = {});

  // Cached ranges answer without network. Otherwise one GET /range/<prefix> within the budget;
  // while the breaker is open, Unavailable at once. BadGateway for a range that is not
  // "SUFFIX:COUNT" lines. Thread-safe.
  Result<int64_t> Count(std::string_view password) override;

  httpclient::BreakerState BreakerState() const { return http_.Breaker().State(); }

 private:
  // A range in compact form: the first 64 bits of each suffix, sorted, with its count.
  struct Range {
    std::vector<uint64_t> keys;
    std::vector<uint32_t> counts;
  };
  Result<std::shared_ptr<const Range>> FetchRange(const std::string& prefix);

  std::string base_url_;  // "https://api.pwnedpasswords.com"
  HibpOptions options_;
  httpclient::GuardedClient http_;
  LruCache<std::string, std::shared_ptr<const Range>> cache_;
};

// The SHA-1 of `data` as 40 upper-case hex digits (the spelling of the range API and corpus).
std::string Sha1HexUpper(std::string_view data);

}  // namespace atrium::strategy::password

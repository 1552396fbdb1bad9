#pragma once
// A circuit breaker per neighbour, so that a service that is down costs one time budget per
// cool-down instead of one per request: closed -> open after N consecutive failures -> half-open
// after the cool-down (one probe) -> closed on success, open again on failure.

#include <chrono>
#include <mutex>
#include <string>

#include "base/clock.h"
#include "base/result.h"
#include "httpclient/client.h"

namespace atrium::httpclient {

enum class BreakerState { kClosed, kOpen, kHalfOpen };

struct BreakerOptions {
  std::string name;  // the neighbour, for logs: "haveibeenpwned"
  int failure_threshold = 3;
  Duration cooldown = std::chrono::seconds(30);
};

class CircuitBreaker final {
 public:
  // `clock` must outlive the breaker.
  CircuitBreaker(BreakerOptions options, const Clock& clock);

  // Whether a call may go to the network now. In the open state after the cool-down this admits
  // exactly one caller (the probe) and moves to half-open; everyone else is refused until the
  // probe reports back. Every admitted call must be followed by OnSuccess or OnFailure.
  bool Allow();
  void OnSuccess();
  void OnFailure(const std::string& why);

  BreakerState State() const;
  const BreakerOptions& Options() const { return options_; }

 private:
  void Open();  // requires mu_

  // Constant after construction.
  const BreakerOptions options_;
  const Clock& clock_;

  // State below is protected by mu_.
  mutable std::mutex mu_;
  BreakerState state_ = BreakerState::kClosed;
  int consecutive_failures_ = 0;
  Timestamp opened_at_;
};

// A client for one neighbour: every call goes through the breaker. Transport errors, 5xx and 429
// count as failures. While the breaker is open, Do fails at once with Unavailable without
// touching the network.
class GuardedClient final : public Client {
 public:
  // `inner` and `clock` must outlive this client.
  GuardedClient(Client& inner, BreakerOptions options, const Clock& clock);
  Result<Response> Do(const Request& request) override;
  const CircuitBreaker& Breaker() const { return breaker_; }

 private:
  Client& inner_;
  CircuitBreaker breaker_;
};

}  // namespace atrium::httpclient

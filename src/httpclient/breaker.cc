#include "httpclient/breaker.h"

#include "base/log.h"

namespace atrium::httpclient {
namespace {

long long Seconds(Duration d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

}  // namespace

CircuitBreaker::CircuitBreaker(BreakerOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {}

bool CircuitBreaker::Allow() {
  std::lock_guard lock(mu_);
  switch (state_) {
    case BreakerState::kClosed:
      return true;
    case BreakerState::kHalfOpen:
      return false;  // the probe is still out
    case BreakerState::kOpen:
      if (clock_.Now() - opened_at_ < options_.cooldown) {
        return false;
      }
      state_ = BreakerState::kHalfOpen;
      return true;
  }
  return false;
}

void CircuitBreaker::OnSuccess() {
  std::lock_guard lock(mu_);
  consecutive_failures_ = 0;
  if (state_ != BreakerState::kClosed) {
    state_ = BreakerState::kClosed;
    LogInfo("{} is reachable again: circuit breaker closed", options_.name);
  }
}

void CircuitBreaker::OnFailure(const std::string& why) {
  std::lock_guard lock(mu_);
  switch (state_) {
    case BreakerState::kClosed:
      if (++consecutive_failures_ >= options_.failure_threshold) {
        Open();
        LogWarning(
            "{} failed {} times in a row ({}): circuit breaker open, calls fail fast for {}s",
            options_.name, consecutive_failures_, why, Seconds(options_.cooldown));
      }
      return;
    case BreakerState::kHalfOpen:
      // Logged at debug only: the opening was logged once, and a probe fails every cool-down
      // for as long as the neighbour stays away.
      Open();
      LogDebug("{} probe failed ({}): circuit breaker stays open", options_.name, why);
      return;
    case BreakerState::kOpen:
      return;  // a call admitted before the breaker opened; the clock keeps running
  }
}

void CircuitBreaker::Open() {
  state_ = BreakerState::kOpen;
  opened_at_ = clock_.Now();
}

BreakerState CircuitBreaker::State() const {
  std::lock_guard lock(mu_);
  return state_;
}

GuardedClient::GuardedClient(Client& inner, BreakerOptions options, const Clock& clock)
    : inner_(inner), breaker_(std::move(options), clock) {}

Result<Response> GuardedClient::Do(const Request& request) {
  if (!breaker_.Allow()) {
    return Error::Unavailable(breaker_.Options().name +
                              " is unavailable: circuit breaker open, not calling it");
  }
  auto response = inner_.Do(request);
  if (!response.ok()) {
    breaker_.OnFailure(response.error().reason);
    return response;
  }
  if (response->status >= 500 || response->status == 429) {
    breaker_.OnFailure("HTTP status " + std::to_string(response->status));
    return response;
  }
  breaker_.OnSuccess();
  return response;
}

}  // namespace atrium::httpclient

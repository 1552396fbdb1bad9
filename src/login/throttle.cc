#include "login/throttle.h"

#include <algorithm>

namespace atrium::login {

StoreThrottle::StoreThrottle(const config::LoginThrottling& options, AttemptStore& store,
                             const Clock& clock)
    : options_(options), store_(store), clock_(clock) {}

Duration StoreThrottle::LockoutFor(std::string_view key, int64_t failures) const {
  const int64_t limit = key.starts_with("ip:") ? options_.max_failures_per_address
                                               : options_.max_failures_per_identifier;
  if (failures < limit) {
    return Duration::zero();
  }
  Duration lockout = options_.lockout;
  for (int64_t extra = failures - limit; extra > 0 && lockout < options_.max_lockout; --extra) {
    lockout *= 2;
  }
  return std::min(lockout, options_.max_lockout);
}

Result<std::optional<Duration>> StoreThrottle::RetryAfter(const std::vector<std::string>& keys) {
  const Timestamp now = clock_.Now();
  std::optional<Duration> wait;
  for (const auto& key : keys) {
    ATRIUM_ASSIGN_OR_RETURN(const auto counter, store_.GetAttempts(key));
    if (!counter || counter->last_failure < now - options_.window) {
      continue;  // no recent failures
    }
    const Duration lockout = LockoutFor(key, counter->failures);
    // Under the limit is never locked, even when another request recorded a failure after `now`
    // was read (its last_failure then lies in our future).
    const Timestamp until = counter->last_failure + lockout;
    if (lockout > Duration::zero() && until > now) {
      wait = std::max(wait.value_or(Duration::zero()), until - now);
    }
  }
  return wait;
}

Status StoreThrottle::Failed(const std::vector<std::string>& keys) {
  const Timestamp now = clock_.Now();
  const Timestamp expires = now + std::max(options_.window, options_.max_lockout);
  for (const auto& key : keys) {
    ATRIUM_RETURN_IF_ERROR(store_.RecordFailure(key, now, now - options_.window, expires));
  }
  return OkStatus();
}

Status StoreThrottle::Succeeded(const std::vector<std::string>& keys) {
  for (const auto& key : keys) {
    // Most sign-ins follow no failure: a read spares them a write (one writer at a time on
    // SQLite).
    ATRIUM_ASSIGN_OR_RETURN(const auto counter, store_.GetAttempts(key));
    if (counter) {
      ATRIUM_RETURN_IF_ERROR(store_.ResetAttempts(key));
    }
  }
  return OkStatus();
}

}  // namespace atrium::login

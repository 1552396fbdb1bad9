#pragma once
// Brute-force resistance of sign-ins (Atrium only; Kratos has none, docs/wire/login.md §19):
// failed attempts are counted per identifier and per client address, and a key over its limit
// is refused for a while (429 with Retry-After). The login service only asks the Throttle seam;
// StoreThrottle keeps its counters in the database, so that every instance behind a balancer
// sees the same counts.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "config/config.h"

namespace atrium::login {

class Throttle {
 public:
  virtual ~Throttle() = default;
  // How long the caller must wait before trying again with any of `keys`, or nullopt.
  virtual Result<std::optional<Duration>> RetryAfter(const std::vector<std::string>& keys) = 0;
  // A sign-in with these keys failed (wrong password, unknown identifier).
  virtual Status Failed(const std::vector<std::string>& keys) = 0;
  // A sign-in succeeded: these keys' counts start over. (The service passes the identifier's
  // key only: a shared address keeps the count that its other users' failures earned.)
  virtual Status Succeeded(const std::vector<std::string>& keys) = 0;
};

// The keys of an attempt.
inline std::string IdentifierKey(std::string_view normalized_identifier) {
  return "identifier:" + std::string(normalized_identifier);
}
inline std::string AddressKey(std::string_view ip) { return "ip:" + std::string(ip); }

// No throttling (atrium.login_throttling.enabled: false, and unit tests).
class NoThrottle final : public Throttle {
 public:
  Result<std::optional<Duration>> RetryAfter(const std::vector<std::string>&) override {
    return std::optional<Duration>();
  }
  Status Failed(const std::vector<std::string>&) override { return OkStatus(); }
  Status Succeeded(const std::vector<std::string>&) override { return OkStatus(); }
};

// Failure counters, shared by every instance. Implemented by store/.
class AttemptStore {
 public:
  struct Counter {
    int64_t failures = 0;
    Timestamp last_failure;
  };
  virtual ~AttemptStore() = default;
  // The counter of `key`, or nullopt when it has none.
  virtual Result<std::optional<Counter>> GetAttempts(std::string_view key) = 0;
  // One more failure of `key` at `now`; returns the count including it, read in the same atomic
  // step, so that concurrent failures each see their own count. A counter whose last failure was
  // before `restart_before` starts over at 1. The row may be deleted after `expires_at` (cleanup).
  virtual Result<int64_t> RecordFailure(std::string_view key, Timestamp now,
                                        Timestamp restart_before, Timestamp expires_at) = 0;
  virtual Status ResetAttempts(std::string_view key) = 0;
};

// The policy: more than the allowed failures within `window` (each failure counted within
// `window` of the previous one) lock the key for `lockout`, doubled with every further failure
// up to `max_lockout`.
class StoreThrottle final : public Throttle {
 public:
  // References must outlive the throttle. Thread-safe (all state is in the store).
  StoreThrottle(const config::LoginThrottling& options, AttemptStore& store, const Clock& clock);

  Result<std::optional<Duration>> RetryAfter(const std::vector<std::string>& keys) override;
  Status Failed(const std::vector<std::string>& keys) override;
  Status Succeeded(const std::vector<std::string>& keys) override;

  // How long a key with `failures` failures is locked after its last one (zero: not locked).
  Duration LockoutFor(std::string_view key, int64_t failures) const;

 private:
  const config::LoginThrottling& options_;
  AttemptStore& store_;
  const Clock& clock_;
};

}  // namespace atrium::login

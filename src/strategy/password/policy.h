#pragma once
// The password policy of docs/wire/registration.md §17.2.1: minimum length, identifier similarity,
// breach check.

#include <cstddef>
#include <optional>
#include <string_view>

#include "base/result.h"
#include "config/config.h"
#include "strategy/password/breach_checker.h"
#include "text/message.h"

namespace atrium::strategy::password {

class PasswordPolicy final {
 public:
  // `breaches` may be null (breach check disabled); it must outlive the policy.
  PasswordPolicy(const config::PasswordMethod& config, BreachChecker* breaches)
      : config_(config), breaches_(breaches) {}

  // nullopt when the password is acceptable for `identifier`; otherwise the message (4000005
  // with the reason text of §17.2.1). With the breach check enabled, a password on the built-in
  // common list is breached (count kCommonPasswordBreaches) whatever `breaches` says. An error
  // only when the breach source failed (or its breaker is open) and ignore_network_errors is
  // false: BadGateway "Upstream error".
  Result<std::optional<text::Message>> Check(std::string_view identifier,
                                             std::string_view password) const;

 private:
  const config::PasswordMethod& config_;
  BreachChecker* breaches_;
};

// Levenshtein distance over bytes.
std::size_t LevenshteinDistance(std::string_view a, std::string_view b);
// Length of the longest common substring over bytes.
std::size_t LongestCommonSubstring(std::string_view a, std::string_view b);

}  // namespace atrium::strategy::password

#include "strategy/password/policy.h"

#include <algorithm>
#include <vector>

#include "base/strings.h"
#include "strategy/password/common_passwords.h"
#include "text/messages.h"

namespace atrium::strategy::password {
namespace {

constexpr std::size_t kSimilarityMaxBytes = 256;

}  // namespace

std::size_t LevenshteinDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::size_t LongestCommonSubstring(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1, 0);
  std::vector<std::size_t> cur(b.size() + 1, 0);
  std::size_t best = 0;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      cur[j] = a[i - 1] == b[j - 1] ? prev[j - 1] + 1 : 0;
      best = std::max(best, cur[j]);
    }
    std::swap(prev, cur);
  }
  return best;
}

Result<std::optional<text::Message>> PasswordPolicy::Check(std::string_view identifier,
                                                           std::string_view password) const {
  // 1. Minimum length, in bytes.
  const auto min = static_cast<std::size_t>(config_.min_password_length);
  if (password.size() < min) {
    return std::optional(
        text::PasswordTooShort(static_cast<int64_t>(min), static_cast<int64_t>(password.size())));
  }
  // 2. Similarity to the identifier (lower-cased; Levenshtein or longest common substring).
  if (config_.identifier_similarity_check_enabled && !identifier.empty() &&
      identifier.size() <= kSimilarityMaxBytes && password.size() <= kSimilarityMaxBytes) {
    const std::string id = AsciiLower(identifier);
    const std::string pw = AsciiLower(password);
    const double common =
        static_cast<double>(LongestCommonSubstring(id, pw)) / static_cast<double>(pw.size());
    if (LevenshteinDistance(id, pw) < 5 || common > 0.5) {
      return std::optional(text::PasswordTooSimilar());
    }
  }
  // 3. Breaches: the built-in list of common passwords first (no network, so an air-gapped
  // deployment refuses them too), then the configured source (range API or local corpus).
  if (!config_.haveibeenpwned_enabled) {
    return std::optional<text::Message>();
  }
  if (IsCommonPassword(password)) {
    return std::optional(text::PasswordBreached(kCommonPasswordBreaches));
  }
  if (breaches_ != nullptr) {
    const auto count = breaches_->Count(password);
    if (!count.ok()) {
      if (config_.ignore_network_errors) {
        return std::optional<text::Message>();
      }
      return Error::BadGateway("Leaked password server unavailable: " + count.error().reason)
          .WithMessage("Upstream error");
    }
    if (*count > config_.max_breaches) {
      return std::optional(text::PasswordBreached(*count));
    }
  }
  return std::optional<text::Message>();
}

}  // namespace atrium::strategy::password

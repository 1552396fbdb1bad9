#include "strategy/password/breach_checker.h"

#include <algorithm>
#include <limits>
#include <optional>

#include <openssl/evp.h>

#include "base/strings.h"

namespace atrium::strategy::password {
namespace {

constexpr std::size_t kMaxRangeBytes = 4 << 20;
constexpr std::size_t kSuffixLength = 35;

// The first 16 hex digits of a suffix as a number; nullopt when they are not hex.
std::optional<uint64_t> KeyOf(std::string_view suffix) {
  if (suffix.size() < 16) {
    return std::nullopt;
  }
  uint64_t key = 0;
  for (const char c : suffix.substr(0, 16)) {
    int digit = -1;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else {
      return std::nullopt;
    }
    key = key << 4 | static_cast<uint64_t>(digit);
  }
  return key;
}

// "1234" or "3,861,493" (how some mirrors format counts).
std::optional<uint32_t> ParseCount(std::string_view s) {
  uint64_t count = 0;
  bool any = false;
  for (const char c : s) {
    if (c == ',') {
      continue;
    }
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    any = true;
    count = std::min<uint64_t>(count * 10 + static_cast<uint64_t>(c - '0'),
                               std::numeric_limits<uint32_t>::max());
  }
  return any ? std::optional(static_cast<uint32_t>(count)) : std::nullopt;
}

}  // namespace

std::string Sha1HexUpper(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha1(), nullptr);
  std::string hex = HexEncode(std::string_view(reinterpret_cast<const char*>(digest), len));
  for (char& c : hex) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return hex;
}

HibpBreachChecker::HibpBreachChecker(const std::string& host, httpclient::Client& http,
                                     const Clock& clock, HibpOptions options)
    : base_url_(host.starts_with("http://") || host.starts_with("https://") ? host
                                                                            : "https://" + host),
      options_(options),
      http_(http,
            httpclient::BreakerOptions{"breach check " + httpclient::OriginOf(base_url_),
                                       options.failure_threshold, options.cooldown},
            clock),
      cache_(options.cache_capacity, options.cache_ttl, clock) {
  while (base_url_.ends_with('/')) {
    base_url_.pop_back();
  }
}

Result<std::shared_ptr<const HibpBreachChecker::Range>> HibpBreachChecker::FetchRange(
    const std::string& prefix) {
  if (auto cached = cache_.Get(prefix)) {
    return *std::move(cached);
  }
  httpclient::Request request;
  request.url = base_url_ + "/range/" + prefix;
  request.timeout = options_.timeout;
  request.max_response_bytes = kMaxRangeBytes;
  ATRIUM_ASSIGN_OR_RETURN(const httpclient::Response response, http_.Do(request));
  if (response.status != 200) {
    return Error::Unavailable("breach check: HTTP status " + std::to_string(response.status));
  }
  std::vector<std::pair<uint64_t, uint32_t>> entries;
  for (std::string_view line : Split(response.body, '\n')) {
    line = TrimSpace(line);
    if (line.empty()) {
      continue;
    }
    const std::size_t colon = line.find(':');
    const auto key = colon == kSuffixLength ? KeyOf(line) : std::nullopt;
    const auto count = key ? ParseCount(line.substr(colon + 1)) : std::nullopt;
    if (!count) {
      // Not a range (a captive portal, an error page): never read it as "not breached".
      return Error::BadGateway("breach check: the range answer is not SUFFIX:COUNT lines");
    }
    if (*count > 0) {  // padding entries (count 0) are noise
      entries.emplace_back(*key, *count);
    }
  }
  std::sort(entries.begin(), entries.end());
  auto range = std::make_shared<Range>();
  range->keys.reserve(entries.size());
  range->counts.reserve(entries.size());
  for (const auto& [key, count] : entries) {
    range->keys.push_back(key);
    range->counts.push_back(count);
  }
  std::shared_ptr<const Range> shared = std::move(range);
  cache_.Put(prefix, shared);
  return shared;
}

Result<int64_t> HibpBreachChecker::Count(std::string_view password) {
  const std::string hash = Sha1HexUpper(password);
  ATRIUM_ASSIGN_OR_RETURN(const auto range, FetchRange(hash.substr(0, 5)));
  const uint64_t key = KeyOf(std::string_view(hash).substr(5)).value_or(0);
  const auto it = std::lower_bound(range->keys.begin(), range->keys.end(), key);
  if (it == range->keys.end() || *it != key) {
    return int64_t{0};
  }
  return int64_t{range->counts[static_cast<std::size_t>(it - range->keys.begin())]};
}

}  // namespace atrium::strategy::password

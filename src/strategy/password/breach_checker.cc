#include "strategy/password/breach_checker.h"

#include <memory>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "base/strings.h"

namespace atrium::strategy::password {
namespace {

constexpr auto kCacheFor = std::chrono::hours(1);
constexpr std::size_t kMaxBody = 4 << 20;

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

std::size_t Collect(char* data, std::size_t size, std::size_t n, void* out) {
  auto* body = static_cast<std::string*>(out);
  if (body->size() + size * n > kMaxBody) {
    return 0;  // aborts the transfer
  }
  body->append(data, size * n);
  return size * n;
}

}  // namespace

HibpBreachChecker::HibpBreachChecker(std::string host, const Clock& clock,
                                     std::chrono::milliseconds timeout)
    : base_url_(host.starts_with("http://") || host.starts_with("https://") ? host
                                                                            : "https://" + host),
      clock_(clock),
      timeout_(timeout) {
  while (base_url_.ends_with('/')) {
    base_url_.pop_back();
  }
}

Result<std::string> HibpBreachChecker::FetchRange(const std::string& prefix) {
  {
    std::lock_guard lock(mu_);
    if (const auto it = cache_.find(prefix);
        it != cache_.end() && clock_.Now() - it->second.fetched_at < kCacheFor) {
      return it->second.body;
    }
  }
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) {
    return Error::Internal("curl_easy_init failed");
  }
  std::string body;
  const std::string url = base_url_ + "/range/" + prefix;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, &Collect);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT_MS, 1000L);
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_USERAGENT, "atrium");
  curl_easy_setopt(curl.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  const CURLcode rc = curl_easy_perform(curl.get());
  if (rc != CURLE_OK) {
    return Error::Unavailable(std::string("breach check: ") + curl_easy_strerror(rc));
  }
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) {
    return Error::Unavailable("breach check: HTTP status " + std::to_string(status));
  }
  std::lock_guard lock(mu_);
  cache_[prefix] = Entry{body, clock_.Now()};
  return body;
}

Result<int64_t> HibpBreachChecker::Count(std::string_view password) {
  const std::string hash = Sha1HexUpper(password);
  const std::string prefix = hash.substr(0, 5);
  const std::string_view suffix = std::string_view(hash).substr(5);
  ATRIUM_ASSIGN_OR_RETURN(const std::string body, FetchRange(prefix));
  for (std::string_view line : Split(body, '\n')) {
    line = TrimSpace(line);
    if (line.empty()) {
      continue;
    }
    const std::size_t colon = line.find(':');
    if (!EqualsIgnoreCase(line.substr(0, colon), suffix)) {
      continue;
    }
    if (colon == std::string_view::npos) {
      return 1;
    }
    int64_t count = 0;
    for (const char c : line.substr(colon + 1)) {
      if (c == ',') {
        continue;
      }
      if (c < '0' || c > '9') {
        return Error::BadGateway("breach check: malformed count " + GoQuote(line));
      }
      count = count * 10 + (c - '0');
    }
    return count;
  }
  return 0;
}

}  // namespace atrium::strategy::password

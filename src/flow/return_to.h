#pragma once
// return_to validation against selfservice.allowed_return_urls (docs/wire/registration.md §13).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace atrium::flow {

class ReturnToPolicy final {
 public:
  // Unparsable entries and unsafe wildcards ("*", "*foo.com", "*.com", "foo.*.com") are ignored.
  // The allow list always contains "<public base URL>self-service".
  ReturnToPolicy(const std::vector<std::string>& allowed, std::string_view public_base_url);

  // The URL to use: the candidate (host and scheme filled in from `default_url` when missing)
  // when allowed, `default_url` when the candidate is empty. Errors: return_to forbidden (400,
  // id self_service_flow_return_to_forbidden) or unparsable (400).
  Result<std::string> Resolve(std::string_view candidate, std::string_view default_url) const;

  // Like Resolve, but only self-service URLs (under the public base URL's /self-service) pass.
  bool IsSelfServiceUrl(std::string_view candidate) const;

 private:
  struct Entry {
    std::string scheme;
    std::string host;  // may start with "*." (a wildcard subdomain)
    std::string path;
  };
  static bool Matches(const Entry& e, const std::string& scheme, const std::string& host,
                      const std::string& path);
  std::vector<Entry> entries_;
  Entry self_service_;
};

// The value of the `return_to` query parameter of a URL, or "".
std::string QueryParam(std::string_view url, std::string_view name);

}  // namespace atrium::flow

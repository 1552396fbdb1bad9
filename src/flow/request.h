#pragma once
// What every self-service flow needs to know about a request, as a plain value: the transport
// (api/) builds it from HTTP; the use cases never see HTTP.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "flow/csrf.h"
#include "session/session.h"

namespace atrium::flow {

struct Request {
  std::string url;     // the full request URL
  std::string method;  // "GET", "POST", ...
  // Every header and cookie as received (names as sent), for web hooks' `ctx`.
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::pair<std::string, std::string>> cookies;
  bool is_json = false;            // Kratos' IsJSONRequest (Accept negotiation or exact JSON type)
  bool accepts_json = false;       // text/html vs application/json negotiation (redirect or JSON)
  bool ajax = false;               // Sec-Fetch-Mode cors or same-origin
  bool json_content_type = false;  // Content-Type starts with application/json
  std::optional<session::Session> session;  // the request's active session, if any

  CsrfState csrf;
  // For the check that API flows are not driven by a browser (docs/wire/registration.md §11.6).
  bool has_origin = false;
  bool has_non_cloudflare_cookie = false;

  session::Device device;  // where a new session would be used from (ip, user agent, location)
};

// API flows are for native apps: a request carrying an Origin header or (non-Cloudflare) cookies
// is a browser, which must use a browser flow (§11.6).
Status VerifyApiFlowRequest(const Request& request);

// The check of a submission's origin that every method makes once it has read its body: browser
// flows need the CSRF token of the request's cookie (§11.3), API flows must not come from a
// browser.
Status VerifyOrigin(const Request& request, bool api_flow, const CsrfGuard& csrf,
                    std::string_view submitted_token);

}  // namespace atrium::flow

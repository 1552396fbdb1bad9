#pragma once
// Kratos' outbound request configuration, shared by the courier's HTTP channel
// (courier.http.request_config) and web hooks (web_hook config): `url` (http or https), `method`
// (POST), `headers` (Content-Type application/json unless set), `auth` (basic_auth, or api_key in
// a header or a cookie) and the source URL of the Jsonnet `body`.

#include <string>
#include <string_view>

#include "base/json.h"
#include "base/result.h"
#include "httpclient/client.h"

namespace atrium::courier {

struct RequestConfig {
  httpclient::Request prototype;  // method, url and headers (auth included); no body
  std::string body_url;           // "" = no body
};

// The string at `key` of `object` ("" when absent or null). Errors name `prefix` + `path`.
Result<std::string> ConfigString(const Json& object, std::string_view key, std::string_view prefix,
                                 std::string_view path);

// What the answer to a delivery (a message, a web hook notification) means for the outbox: a 2xx
// delivered it; no answer, 408, 429 and 5xx are temporary (Unavailable: tried again); any other
// status is a permanent refusal (Unprocessable). `url` is named by its origin only.
Status DeliveryOutcome(const Result<httpclient::Response>& response, std::string_view url);

// InvalidArgument naming `prefix` + the key ("web_hook.auth.type: ...") for a configuration that
// cannot work.
Result<RequestConfig> ParseRequestConfig(const Json& config, std::string_view prefix);

}  // namespace atrium::courier

#pragma once
// The HTTP channel (courier.delivery_strategy: http): each message becomes one request built
// from courier.http.request_config as Kratos builds it: `url`, `method` (POST), `headers`
// (Content-Type application/json unless set), `auth` (basic_auth or api_key in a header or
// cookie) and `body`, a Jsonnet function of `ctx` (file:// or base64://) whose result is sent as
// JSON. `ctx` holds recipient, subject, body, html_body, template_type, template_data (the
// template model with Kratos' JSON names), message_type and request_headers.

#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "config/courier.h"
#include "courier/channel.h"
#include "httpclient/client.h"

namespace atrium::courier {

class HttpChannel final : public Channel {
 public:
  // InvalidArgument naming the key for a request_config that cannot work (no http(s) URL, an
  // unknown auth type, a body that cannot be read). `http` must outlive the channel.
  static Result<std::unique_ptr<HttpChannel>> Create(const config::Courier& config,
                                                     httpclient::Client& http);

  // A 2xx answer delivers; 408, 429 and 5xx are temporary; any other status is a permanent
  // refusal (Unprocessable), as is a body the Jsonnet cannot render.
  Status Deliver(const Message& message) override;

 private:
  HttpChannel(httpclient::Client& http, httpclient::Request prototype, std::string body_code,
              std::chrono::milliseconds timeout)
      : http_(http),
        prototype_(std::move(prototype)),
        body_code_(std::move(body_code)),
        timeout_(timeout) {}

  httpclient::Client& http_;
  httpclient::Request prototype_;  // method, url and headers (auth included)
  std::string body_code_;          // "" sends no body
  std::chrono::milliseconds timeout_;
};

// The ctx a body template sees for `message`.
Json HttpContext(const Message& message);

}  // namespace atrium::courier

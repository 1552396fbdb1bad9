#pragma once
// From HTTP to the use cases' plain request values: content negotiation, the CSRF cookie, the
// session the request presents, the client's address and device, and the decoded body.

#include <string>
#include <string_view>

#include "base/ip.h"
#include "base/json.h"
#include "base/result.h"
#include "flow/body.h"
#include "flow/csrf.h"
#include "flow/request.h"
#include "http/http.h"
#include "session/manager.h"

namespace atrium::api {

class RequestReader final {
 public:
  // References must outlive the reader.
  RequestReader(const session::Manager& sessions, const flow::CsrfGuard& csrf,
                const std::string& session_cookie_name, const IpRanges& trusted_proxies);

  // The request as the self-service use cases see it. On CSRF-active routes (`csrf_active`) a
  // request without a valid CSRF cookie gets one (Read().csrf.issued). Unavailable when the
  // session store cannot answer.
  Result<flow::Request> Read(const http::Request& req, bool csrf_active) const;
  // The same without the session (`session` stays empty) and so without the store: for answers
  // that do not depend on who is signed in, given on the I/O thread.
  flow::Request ReadWithoutSession(const http::Request& req, bool csrf_active) const;

  // The session credentials the request carries (header, cookie, bearer token).
  session::Credentials CredentialsOf(const http::Request& req) const;

  // The client's address: forwarding headers only from trusted proxies.
  std::string ClientIp(const http::Request& req) const;

 private:
  const session::Manager& sessions_;
  const flow::CsrfGuard& csrf_;
  std::string session_cookie_name_;
  const IpRanges& trusted_proxies_;
};

// The submit body (docs/wire/registration.md §7.4, §10.1): form, multipart or JSON (the first
// value, depth-limited). Decoder errors are 400s without an id, with Kratos' texts.
Result<flow::Body> DecodeBody(const http::Request& req);

// Limits of every JSON request body (nesting as Kratos' decoder allows).
inline constexpr JsonLimits kBodyJsonLimits{.max_depth = 64};

// The flow id of a submit (?flow=) and its decoded body, or the decoder's error.
flow::SubmitParams SubmitParamsOf(const http::Request& req);

// The request id for logs and error envelopes (X-Request-ID), "" when none was sent.
std::string RequestId(const http::Request& req);

// The first value of a query parameter, "" when absent.
std::string StringQuery(const http::Request& req, std::string_view name);

// False when the target or a decoded query parameter is not valid UTF-8.
bool QueryIsValidUtf8(const http::Request& req);

}  // namespace atrium::api

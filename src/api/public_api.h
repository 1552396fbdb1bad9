#pragma once
// The public HTTP API: registration endpoints, whoami, schemas, errors and health. Translates
// HTTP requests into use-case calls and replies into HTTP responses; holds no business rules.

#include <functional>
#include <string>

#include "base/clock.h"
#include "base/ip.h"
#include "config/config.h"
#include "flow/error_store.h"
#include "http/http.h"
#include "identity/schema.h"
#include "registration/service.h"
#include "session/cookie.h"
#include "session/session.h"

namespace atrium::api {

struct PublicApiDeps {
  const config::Config& config;
  const identity::SchemaRegistry& schemas;
  const registration::Service& registration;
  session::SessionStore& sessions;
  flow::ErrorStore& errors;
  const session::CookieCodec& session_cookies;
  const Clock& clock;
  const IpRanges& trusted_proxies;  // peers whose forwarding headers are believed
  std::function<Status()> ready;    // /health/ready probe (database ping)
};

class PublicApi final {
 public:
  explicit PublicApi(PublicApiDeps deps);
  void Register(http::Router& router) const;
  // The admin port: health endpoints and 307 redirects of the self-service paths.
  void RegisterAdmin(http::Router& router) const;

  // The handlers, public so that the built-in UI can consume the API in-process exactly as an
  // external UI consumes it over HTTP.
  http::Response InitBrowser(const http::Request& req) const;
  http::Response InitApi(const http::Request& req) const;
  http::Response GetFlow(const http::Request& req) const;
  http::Response Submit(const http::Request& req) const;
  http::Response WhoAmI(const http::Request& req) const;
  http::Response GetError(const http::Request& req) const;

 private:
  http::Response ListSchemas(const http::Request& req) const;
  http::Response GetSchema(const http::Request& req) const;
  http::Response Ready(const http::Request& req) const;

  // CSRF-active routes issue a cookie when the request lacks a valid one.
  // Unavailable when the session store cannot answer.
  Result<registration::RequestContext> Context(const http::Request& req, bool csrf_active,
                                               std::string* new_csrf_cookie) const;
  // The request's active session, nullopt for none; Unavailable when the store cannot answer.
  Result<std::optional<session::Session>> SessionOf(const http::Request& req) const;
  http::Response Render(const http::Request& req, const registration::RequestContext& ctx,
                        registration::Reply reply, const std::string& new_csrf_cookie) const;
  std::string CsrfSetCookie(const std::string& value) const;

  PublicApiDeps d_;
  std::string csrf_cookie_name_;
};

}  // namespace atrium::api

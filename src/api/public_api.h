#pragma once
// The public HTTP API and the admin port: self-service routes (registration, login, logout,
// verification), whoami, session management, errors, identity schemas and health. Translates HTTP
// into use-case calls and answers back; holds no business rules.

#include <functional>
#include <string>

#include "api/render.h"
#include "api/request.h"
#include "base/clock.h"
#include "base/ids.h"
#include "base/ip.h"
#include "config/config.h"
#include "flow/csrf.h"
#include "flow/error_store.h"
#include "http/http.h"
#include "identity/schema_registry.h"
#include "login/logout.h"
#include "login/service.h"
#include "registration/service.h"
#include "session/management.h"
#include "session/manager.h"
#include "session/token_exchange.h"
#include "verification/service.h"

namespace atrium::api {

// Everything the API uses; all references must outlive it.
struct PublicApiDeps {
  const config::Config& config;
  const identity::SchemaRegistry& schemas;
  const registration::Service& registration;
  const login::Service& login;
  const login::Logout& logout;
  const verification::Service& verification;
  const session::Manager& sessions;
  const session::Management& session_management;
  const flow::CsrfGuard& csrf;
  flow::ErrorStore& errors;
  IdGenerator& ids;
  const Clock& clock;
  const IpRanges& trusted_proxies;  // peers whose forwarding headers are believed
  std::function<Status()> ready;    // /health/ready probe (database ping)
  // GET /sessions/token-exchange (native apps, docs/wire/registration.md §17.6); null = 404.
  const session::TokenExchanges* exchanges = nullptr;
};

class PublicApi final {
 public:
  explicit PublicApi(PublicApiDeps deps);
  void Register(http::Router& router) const;
  // The admin port: session administration, health endpoints and 307 redirects of the
  // self-service paths.
  void RegisterAdmin(http::Router& router) const;

 private:
  // Registration (registration_routes.cc).
  http::Response InitBrowser(const http::Request& req) const;
  http::Response InitApi(const http::Request& req) const;
  http::Response GetFlow(const http::Request& req) const;
  std::optional<http::Response> GetFlowNow(const http::Request& req) const;
  bool GetFlowLater(const http::Request& req, http::Respond respond) const;
  bool InitApiLater(const http::Request& req, http::Respond respond) const;
  http::Response Submit(const http::Request& req) const;
  http::Response Callback(const http::Request& req) const;
  // Login and logout (login_routes.cc).
  http::Response InitLoginBrowser(const http::Request& req) const;
  http::Response InitLoginApi(const http::Request& req) const;
  http::Response GetLoginFlow(const http::Request& req) const;
  http::Response SubmitLogin(const http::Request& req) const;
  http::Response CreateLogoutUrl(const http::Request& req) const;
  http::Response LogOutBrowser(const http::Request& req) const;
  http::Response LogOutNative(const http::Request& req) const;
  // Verification (verification_routes.cc).
  http::Response InitVerificationBrowser(const http::Request& req) const;
  http::Response InitVerificationApi(const http::Request& req) const;
  http::Response GetVerificationFlow(const http::Request& req) const;
  http::Response SubmitVerification(const http::Request& req) const;
  // Session management (session_routes.cc): the caller's own sessions on the public port...
  http::Response ListMySessions(const http::Request& req) const;
  http::Response RevokeMyOtherSessions(const http::Request& req) const;
  http::Response RevokeMySession(const http::Request& req) const;
  // ... and every session on the admin port.
  http::Response ListSessions(const http::Request& req) const;
  http::Response AdminSession(const http::Request& req) const;  // /admin/sessions/{id}[/extend]
  http::Response IdentitySessions(
      const http::Request& req) const;  // /admin/identities/{id}/sessions
  // 307 to the same path and query on the other port (/admin prefix removed or added).
  http::Response ToPublicPort(const http::Request& req) const;
  http::Response ToAdminPort(const http::Request& req) const;
  // Sessions, errors, schemas, scripts and health.
  http::Response WhoAmI(const http::Request& req) const;
  std::optional<http::Response> CachedWhoAmI(const http::Request& req) const;
  http::Response ExchangeSessionToken(const http::Request& req) const;
  http::Response GetError(const http::Request& req) const;
  http::Response ListSchemas(const http::Request& req) const;
  http::Response GetSchema(const http::Request& req) const;
  http::Response Ready(const http::Request& req) const;

  // The steps every flow endpoint shares: read the request (`csrf_active` as for
  // RequestReader::Read), hand it to `handle`, render the reply. Init endpoints first refuse a
  // query that is not valid UTF-8 (browsers see the error page, API clients the envelope).
  using Handle = std::function<flow::Reply(const flow::Request&)>;
  http::Response Serve(const http::Request& req, bool csrf_active, const Handle& handle) const;
  http::Response Init(const http::Request& req, bool browser, const Handle& init) const;

  PublicApiDeps d_;
  RequestReader reader_;
  Renderer renderer_;
};

}  // namespace atrium::api

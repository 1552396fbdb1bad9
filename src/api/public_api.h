#pragma once
// The public HTTP API and the admin port: self-service routes (registration, login, logout),
// whoami, errors,
// identity schemas and health. Translates HTTP into use-case calls and answers back; holds no
// business rules.

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
#include "session/manager.h"

namespace atrium::api {

// Everything the API uses; all references must outlive it.
struct PublicApiDeps {
  const config::Config& config;
  const identity::SchemaRegistry& schemas;
  const registration::Service& registration;
  const login::Service& login;
  const login::Logout& logout;
  const session::Manager& sessions;
  const flow::CsrfGuard& csrf;
  flow::ErrorStore& errors;
  IdGenerator& ids;
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

 private:
  // Registration (registration_routes.cc).
  http::Response InitBrowser(const http::Request& req) const;
  http::Response InitApi(const http::Request& req) const;
  http::Response GetFlow(const http::Request& req) const;
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
  // Sessions, errors, schemas, scripts and health.
  http::Response WhoAmI(const http::Request& req) const;
  http::Response GetError(const http::Request& req) const;
  http::Response ListSchemas(const http::Request& req) const;
  http::Response GetSchema(const http::Request& req) const;
  http::Response Ready(const http::Request& req) const;

  PublicApiDeps d_;
  RequestReader reader_;
  Renderer renderer_;
};

}  // namespace atrium::api

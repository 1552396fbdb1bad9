#include "api/public_api.h"

#include "api/envelope.h"
#include "base/log.h"
#include "base/random.h"
#include "base/strings.h"
#include "base/time.h"
#include "flow/errors.h"

namespace atrium::api {
namespace {

// Liveness costs nothing: a constant answer on the I/O thread.
http::Response Alive(const http::Request&) {
  http::Response r;
  r.SetHeader("Content-Type", "application/json; charset=utf-8");
  r.body = "{\"status\":\"ok\"}\n";
  return r;
}

}  // namespace

PublicApi::PublicApi(PublicApiDeps deps)
    : d_(std::move(deps)),
      reader_(d_.sessions, d_.csrf, d_.config.session.cookie.name, d_.trusted_proxies),
      renderer_(d_.errors, d_.csrf, d_.config.selfservice.error_ui_url, d_.ids, d_.clock) {}

void PublicApi::Register(http::Router& router) const {
  using http::Execution;
  const auto bind = [this](http::Response (PublicApi::*fn)(const http::Request&) const) {
    return [this, fn](const http::Request& req) { return (this->*fn)(req); };
  };
  router.Add("GET", "/self-service/registration/browser", bind(&PublicApi::InitBrowser));
  // A new API flow is built on the I/O thread and answered once the store has committed it.
  router.Add("GET", "/self-service/registration/api", bind(&PublicApi::InitApi),
             Execution::kOffload, [this](const http::Request& req, http::Respond respond) {
               return InitApiLater(req, std::move(respond));
             });
  // A flow that the store reads without waiting (SQLite) is answered on the I/O thread; one that
  // it reads over the network (PostgreSQL) is read in one batch with the other waiting fetches.
  router.Add(
      "GET", "/self-service/registration/flows", bind(&PublicApi::GetFlow), Execution::kOffload,
      [this](const http::Request& req) { return GetFlowNow(req); },
      [this](const http::Request& req, http::Respond respond) {
        return GetFlowLater(req, std::move(respond));
      });
  // Submissions hash passwords and may call out (breach check, providers): they run on the slow
  // pool, so that whoami and flow fetches never queue behind them.
  router.Add("POST", "/self-service/registration", bind(&PublicApi::Submit), Execution::kSlow);
  router.Add("GET", "/self-service/registration", bind(&PublicApi::Submit), Execution::kSlow);
  router.AddPrefix("GET", "/self-service/methods/", bind(&PublicApi::Callback), Execution::kSlow);
  router.Add("GET", "/self-service/login/browser", bind(&PublicApi::InitLoginBrowser));
  router.Add("GET", "/self-service/login/api", bind(&PublicApi::InitLoginApi));
  router.Add("GET", "/self-service/login/flows", bind(&PublicApi::GetLoginFlow));
  router.Add("POST", "/self-service/login", bind(&PublicApi::SubmitLogin), Execution::kSlow);
  router.Add("GET", "/self-service/login", bind(&PublicApi::SubmitLogin), Execution::kSlow);
  router.Add("GET", "/self-service/logout/browser", bind(&PublicApi::CreateLogoutUrl));
  router.Add("GET", "/self-service/logout", bind(&PublicApi::LogOutBrowser));
  router.Add("DELETE", "/self-service/logout/api", bind(&PublicApi::LogOutNative));
  router.AddPrefix("POST", "/self-service/methods/", bind(&PublicApi::Callback), Execution::kSlow);
  router.Add("GET", "/self-service/verification/browser",
             bind(&PublicApi::InitVerificationBrowser));
  router.Add("GET", "/self-service/verification/api", bind(&PublicApi::InitVerificationApi));
  router.Add("GET", "/self-service/verification/flows", bind(&PublicApi::GetVerificationFlow));
  router.Add("POST", "/self-service/verification", bind(&PublicApi::SubmitVerification));
  router.Add("GET", "/self-service/verification", bind(&PublicApi::SubmitVerification));
  for (auto& script : d_.registration.Scripts()) {
    router.Add(
        "GET", script.path,
        [script](const http::Request&) {
          http::Response r;
          r.SetHeader("Content-Type", script.content_type);
          r.body = script.body;
          return r;
        },
        Execution::kInline);
  }
  // A cached session is answered on the I/O thread; only a miss goes to the pool and the store.
  router.Add("*", "/sessions/whoami", bind(&PublicApi::WhoAmI), Execution::kOffload,
             [this](const http::Request& req) { return CachedWhoAmI(req); });
  router.Add("GET", "/sessions/token-exchange", bind(&PublicApi::ExchangeSessionToken));
  router.Add("GET", "/sessions", bind(&PublicApi::ListMySessions));
  router.Add("DELETE", "/sessions", bind(&PublicApi::RevokeMyOtherSessions));
  router.AddPrefix("DELETE", "/sessions/", bind(&PublicApi::RevokeMySession));
  // An admin call sent to the public port is sent on to the admin port (Kratos registers it
  // without the /admin prefix; the prefixed path is taken as well).
  router.AddPrefix("DELETE", "/identities/", bind(&PublicApi::ToAdminPort), Execution::kInline);
  router.AddPrefix("DELETE", "/admin/identities/", bind(&PublicApi::ToAdminPort),
                   Execution::kInline);
  router.Add("GET", "/self-service/errors", bind(&PublicApi::GetError));
  router.Add("GET", "/schemas", bind(&PublicApi::ListSchemas));
  router.AddPrefix("GET", "/schemas/", bind(&PublicApi::GetSchema));
  router.Add("GET", "/health/alive", &Alive, Execution::kInline);
  router.Add("GET", "/health/ready", bind(&PublicApi::Ready));
}

void PublicApi::RegisterAdmin(http::Router& router) const {
  using http::Execution;
  const auto bind = [this](http::Response (PublicApi::*fn)(const http::Request&) const) {
    return [this, fn](const http::Request& req) { return (this->*fn)(req); };
  };
  router.Add("GET", "/admin/sessions", bind(&PublicApi::ListSessions));
  router.Add("DELETE", "/admin/sessions", bind(&PublicApi::ToPublicPort), Execution::kInline);
  for (const char* method : {"GET", "DELETE", "PATCH"}) {
    router.AddPrefix(method, "/admin/sessions/", bind(&PublicApi::AdminSession));
  }
  for (const char* method : {"GET", "DELETE"}) {
    router.AddPrefix(method, "/admin/identities/", bind(&PublicApi::IdentitySessions));
  }
  const std::string public_base = d_.config.serve_public.base_url;
  const auto redirect = [public_base](const http::Request& req) {
    http::Response r;
    r.status = 307;
    std::string target = req.target.substr(std::string_view("/admin/").size());
    r.SetHeader("Location", public_base + target);
    return r;
  };
  for (const char* path :
       {"/admin/self-service/registration/browser", "/admin/self-service/registration/api",
        "/admin/self-service/registration/flows", "/admin/self-service/registration",
        "/admin/self-service/login/browser", "/admin/self-service/login/api",
        "/admin/self-service/login/flows", "/admin/self-service/login",
        "/admin/self-service/logout/browser", "/admin/self-service/logout",
        "/admin/self-service/verification/browser", "/admin/self-service/verification/api",
        "/admin/self-service/verification/flows", "/admin/self-service/verification"}) {
    router.Add("GET", path, redirect);
  }
  router.Add("POST", "/admin/self-service/registration", redirect);
  router.Add("POST", "/admin/self-service/login", redirect);
  router.Add("POST", "/admin/self-service/verification", redirect);
  router.Add("DELETE", "/admin/self-service/logout/api", redirect);
  router.Add("GET", "/health/alive", &Alive, Execution::kInline);
  router.Add("GET", "/health/ready", [this](const http::Request& req) { return Ready(req); });
}

namespace {

// whoami answers every method: the cache headers apply to all of them.
http::Response WithWhoAmIHeaders(http::Response res) {
  res.SetHeader("Cache-Control", "private, no-cache, no-store, must-revalidate");
  res.SetHeader("Vary", "Cookie");
  return res;
}

http::Response WhoAmIResponse(const session::WhoAmIAnswer& answer) {
  // The JSON was serialized once, when the session was read (session::SessionCache).
  http::Response res;
  res.SetHeader("Content-Type", "application/json; charset=utf-8");
  res.body = answer.body();
  res.SetHeader("X-Kratos-Authenticated-Identity-Id", answer.identity_id());
  return WithWhoAmIHeaders(std::move(res));
}

}  // namespace

http::Response PublicApi::WhoAmI(const http::Request& req) const {
  auto answer = d_.sessions.WhoAmI(reader_.CredentialsOf(req));
  if (answer.ok()) {
    return WhoAmIResponse(*answer);
  }
  return WithWhoAmIHeaders(ErrorResponse(answer.error(), RequestId(req)));
}

std::optional<http::Response> PublicApi::CachedWhoAmI(const http::Request& req) const {
  auto answer = d_.sessions.CachedWhoAmI(reader_.CredentialsOf(req));
  if (!answer) {
    return std::nullopt;
  }
  return WhoAmIResponse(*answer);
}

http::Response PublicApi::GetError(const http::Request& req) const {
  const std::string request_id = RequestId(req);
  std::string id = StringQuery(req, "id");
  if (id.empty()) {
    id = StringQuery(req, "error");
  }
  http::Response res;
  if (id == "stub:500") {
    Json body;
    body["id"] = d_.ids.NewUuid();  // Kratos answers a fresh id here (flowError.id is a uuid)
    body["error"] = {{"code", 500},
                     {"status", "Internal Server Error"},
                     {"reason", "This is a stub error."},
                     {"message",
                      "An internal server error occurred, please contact the system "
                      "administrator"}};
    res = JsonResponse(200, body);
  } else if (auto found = d_.errors.GetError(IsUuid(id) ? id : std::string(kNilUuid));
             !found.ok()) {
    res = ErrorResponse(found.error(), request_id);
  } else if (!found->has_value()) {
    res = ErrorResponse(flow::FlowNotFound(), request_id);
  } else {
    const auto& c = **found;
    Json body;
    body["id"] = c.id;
    body["error"] = c.error;
    body["created_at"] = FormatRfc3339(c.created_at);
    body["updated_at"] = FormatRfc3339(c.updated_at);
    res = JsonResponse(200, body);
  }
  AddSelfServiceHeaders(req, res);
  return res;
}

http::Response PublicApi::ListSchemas(const http::Request&) const {
  Json list = Json::array();
  for (const auto& s : d_.schemas.All()) {
    list.push_back({{"id", s.id}, {"schema", s.document}});
  }
  return JsonResponse(200, list);
}

http::Response PublicApi::GetSchema(const http::Request& req) const {
  const std::string raw = req.path.substr(std::string_view("/schemas/").size());
  const identity::IdentitySchema* s = d_.schemas.Find(raw);
  if (s == nullptr) {
    if (auto decoded = Base64UrlDecode(raw)) {
      s = d_.schemas.Find(*decoded);
    }
  }
  if (s == nullptr) {
    return ErrorResponse(Error::NotFound("The requested identity schema does not exist."), "");
  }
  return JsonResponse(200, s->document);
}

http::Response PublicApi::Ready(const http::Request& req) const {
  if (auto s = d_.ready(); !s.ok()) {
    // The cause goes to the log, not to whoever probes the public port.
    LogError("request {}: readiness: {}", RequestId(req), s.error().reason);
    return JsonResponse(503, {{"errors", {{"database", "the database is unavailable"}}}});
  }
  return JsonResponse(200, {{"status", "ok"}});
}

http::Response PublicApi::Serve(const http::Request& req, bool csrf_active,
                                const Handle& handle) const {
  auto request = reader_.Read(req, csrf_active);
  if (!request.ok()) {
    return renderer_.Error(req, request.error());
  }
  return renderer_.Render(req, *request, handle(*request));
}

http::Response PublicApi::Init(const http::Request& req, bool browser, const Handle& init) const {
  return Serve(req, browser, [&](const flow::Request& request) {
    if (!QueryIsValidUtf8(req)) {
      Error e = Error::InvalidArgument("The request URL contains invalid UTF-8.");
      return browser ? flow::Reply::Forward(std::move(e)) : flow::Reply::ErrorJson(std::move(e));
    }
    return init(request);
  });
}

}  // namespace atrium::api

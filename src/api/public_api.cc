#include "api/public_api.h"

#include <spdlog/spdlog.h>

#include "api/envelope.h"
#include "base/ip.h"
#include "base/json.h"
#include "base/random.h"
#include "base/strings.h"
#include "base/time.h"
#include "flow/csrf.h"
#include "flow/errors.h"

namespace atrium::api {
namespace {

constexpr size_t kMaxJsonDepth = 64;

const std::vector<std::string> kJsonRequestOffers = {"text/html", "text/*", "*/*",
                                                     "application/json"};
const std::vector<std::string> kAcceptsJsonOffers = {"text/html", "application/json"};

std::string RequestId(const http::Request& req) {
  return std::string(req.Header("X-Request-ID").value_or(""));
}

std::string StringQuery(const http::Request& req, std::string_view name) {
  return req.Query(name).value_or("");
}

// The client's address. Forwarding headers are believed only when the peer is a configured
// trusted proxy (anyone else could write them); X-Forwarded-For is read from the right, skipping
// the trusted proxies on the way, so that a client cannot prepend an address of its choosing.
std::string ClientIp(const http::Request& req, const IpRanges& trusted) {
  if (trusted.empty() || !trusted.Contains(req.remote_address)) {
    return req.remote_address;
  }
  for (const char* h : {"True-Client-IP", "Cf-Connecting-IP", "X-Real-IP"}) {
    if (auto v = req.Header(h); v && IpAddress::Parse(*v)) {
      return std::string(TrimSpace(*v));
    }
  }
  if (auto xff = req.Header("X-Forwarded-For"); xff && !xff->empty()) {
    const auto hops = Split(*xff, ',');
    for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
      const std::string_view ip = TrimSpace(*it);
      if (!IpAddress::Parse(ip)) {
        break;
      }
      if (!trusted.Contains(ip) || std::next(it) == hops.rend()) {
        return std::string(ip);
      }
    }
  }
  return req.remote_address;
}

// Decodes the submit body (spec §7.4, §10.1). Decoder errors are 400s without an id.
Result<registration::Body> DecodeBody(const http::Request& req) {
  if (req.method == "GET") {
    return Error::InvalidArgument(
        "Unable to decode body because HTTP Request Method was \"GET\" but only [POST PUT PATCH] "
        "are supported.");
  }
  if (req.body.empty()) {
    return Error::InvalidArgument(
        "Unable to decode HTTP Request Body because its HTTP Header \"Content-Length\" is zero.");
  }
  const std::string content_type(req.Header("Content-Type").value_or(""));
  const std::string media = http::MediaType(content_type);
  registration::Body body;
  if (media == "application/json") {
    // Kratos decodes the first JSON value of the body and ignores what follows it.
    Json parsed;
    JsonError error;
    if (!ParseFirstJsonValue(req.body, JsonLimits{.max_depth = kMaxJsonDepth}, parsed, error)) {
      return Error::InvalidArgument(error.fault == JsonFault::kTooDeep
                                        ? "Unable to decode form as JSON: " + error.reason + "."
                                        : "Unable to decode form as JSON.");
    }
    if (!parsed.is_object()) {
      return Error::InvalidArgument("Expected JSON sent in request body to be an object but got: " +
                                    JsonTypeName(parsed));
    }
    body.format = registration::Body::Format::kJson;
    body.json = std::move(parsed);
    return body;
  }
  Result<std::vector<std::pair<std::string, std::string>>> fields =
      media == "application/x-www-form-urlencoded" ? http::ParseUrlEncoded(req.body)
      : media == "multipart/form-data"
          ? http::ParseMultipart(req.body, content_type)
          : Result<std::vector<std::pair<std::string, std::string>>>(Error::InvalidArgument(
                "HTTP POST Request used unknown HTTP Header \"Content-Type: " + content_type +
                "\", only [multipart/form-data application/x-www-form-urlencoded "
                "application/json] are supported."));
  if (!fields.ok()) {
    return std::move(fields).error();
  }
  for (const auto& [k, v] : *fields) {
    if (!IsValidUtf8(k) || !IsValidUtf8(v)) {
      return Error::InvalidArgument("The request body contains invalid UTF-8.");
    }
  }
  body.format = registration::Body::Format::kForm;
  body.form = std::move(fields).value();
  return body;
}

bool QueryIsValidUtf8(const http::Request& req) {
  for (const auto& [k, v] : req.QueryParams()) {
    if (!IsValidUtf8(k) || !IsValidUtf8(v)) {
      return false;
    }
  }
  return IsValidUtf8(req.target);
}

registration::InitParams InitParamsOf(const http::Request& req) {
  registration::InitParams p;
  p.return_to = StringQuery(req, "return_to");
  p.login_challenge = req.Query("login_challenge");
  p.after_verification_return_to = StringQuery(req, "after_verification_return_to");
  p.organization = StringQuery(req, "organization");
  p.identity_schema = StringQuery(req, "identity_schema");
  p.return_session_token_exchange_code =
      EqualsIgnoreCase(StringQuery(req, "return_session_token_exchange_code"), "true");
  return p;
}

}  // namespace

PublicApi::PublicApi(PublicApiDeps deps)
    : d_(std::move(deps)),
      csrf_cookie_name_(flow::CsrfCookieName(d_.config.serve_public.base_url)) {}

void PublicApi::Register(http::Router& router) const {
  using http::Execution;
  const auto bind = [this](http::Response (PublicApi::*fn)(const http::Request&) const) {
    return [this, fn](const http::Request& req) { return (this->*fn)(req); };
  };
  router.Add("GET", "/self-service/registration/browser", bind(&PublicApi::InitBrowser));
  router.Add("GET", "/self-service/registration/api", bind(&PublicApi::InitApi));
  router.Add("GET", "/self-service/registration/flows", bind(&PublicApi::GetFlow));
  // Submissions hash passwords and may call out (breach check): they run on the slow pool, so
  // that whoami and flow fetches never queue behind them.
  router.Add("POST", "/self-service/registration", bind(&PublicApi::Submit), Execution::kSlow);
  router.Add("GET", "/self-service/registration", bind(&PublicApi::Submit), Execution::kSlow);
  router.Add("*", "/sessions/whoami", bind(&PublicApi::WhoAmI));
  router.Add("GET", "/self-service/errors", bind(&PublicApi::GetError));
  router.Add("GET", "/schemas", bind(&PublicApi::ListSchemas));
  router.AddPrefix("GET", "/schemas/", bind(&PublicApi::GetSchema));
  router.Add("GET", "/health/alive", [](const http::Request&) {
    return JsonResponse(200, {{"status", "ok"}});
  });
  router.Add("GET", "/health/ready", bind(&PublicApi::Ready));
}

void PublicApi::RegisterAdmin(http::Router& router) const {
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
        "/admin/self-service/registration/flows", "/admin/self-service/registration"}) {
    router.Add("GET", path, redirect);
  }
  router.Add("POST", "/admin/self-service/registration", redirect);
  router.Add("GET", "/health/alive", [](const http::Request&) {
    return JsonResponse(200, {{"status", "ok"}});
  });
  router.Add("GET", "/health/ready", [this](const http::Request& req) { return Ready(req); });
}

Result<std::optional<session::Session>> PublicApi::SessionOf(const http::Request& req) const {
  using Out = std::optional<session::Session>;
  std::optional<std::string> cookie_token;
  if (auto cookie = req.Cookie(d_.config.session.cookie.name)) {
    cookie_token = d_.session_cookies.Decode(*cookie, d_.clock.Now());
  }
  const auto token = session::TokenFromRequest(req.Header("X-Session-Token"), cookie_token,
                                               req.Header("Authorization"));
  if (!token) {
    return Out();
  }
  // A store that cannot answer is not "no session": a client told 401 would sign its user out.
  ATRIUM_ASSIGN_OR_RETURN(auto found,
                          d_.sessions.GetSessionByTokenDigest(session::TokenDigest(*token)));
  if (!found || !found->IsActive(d_.clock.Now())) {
    return Out();  // unknown, expired or revoked tokens count as "no session"
  }
  return found;
}

Result<registration::RequestContext> PublicApi::Context(const http::Request& req, bool csrf_active,
                                                        std::string* new_csrf_cookie) const {
  registration::RequestContext ctx;
  std::string scheme = req.tls ? "https" : "http";
  std::string host(req.Header("Host").value_or(""));
  if (d_.trusted_proxies.Contains(req.remote_address)) {
    if (auto proto = req.Header("X-Forwarded-Proto");
        proto && (*proto == "https" || *proto == "http")) {
      scheme = std::string(*proto);
    }
    if (auto fwd = req.Header("X-Forwarded-Host"); fwd && !fwd->empty()) {
      host = std::string(*fwd);
    }
  }
  ctx.url = scheme + "://" + host + req.target;
  const auto accept = req.Header("Accept");
  const auto content_type = req.Header("Content-Type");
  ctx.is_json =
      http::NegotiateContentType(accept, kJsonRequestOffers, "text/html") == "application/json" ||
      content_type == "application/json";
  ctx.accepts_json =
      http::NegotiateContentType(accept, kAcceptsJsonOffers, "text/html") == "application/json";
  const auto mode = req.Header("Sec-Fetch-Mode");
  ctx.ajax = mode && (*mode == "cors" || *mode == "same-origin");
  ctx.json_content_type = content_type && content_type->starts_with("application/json");
  ATRIUM_ASSIGN_OR_RETURN(ctx.session, SessionOf(req));

  const auto cookies = req.Cookies();
  ctx.has_cookie_header = !cookies.empty();
  for (const auto& [name, value] : cookies) {
    if (!name.starts_with("__cf") && !name.starts_with("_cf") && !name.starts_with("cf_")) {
      ctx.has_non_cloudflare_cookie = true;
    }
  }
  if (auto csrf = req.Cookie(csrf_cookie_name_); csrf && flow::IsValidCsrfCookie(*csrf)) {
    ctx.csrf_cookie = *csrf;
    ctx.masked_csrf = flow::MaskCsrfToken(*csrf);
  } else if (csrf_active) {
    *new_csrf_cookie = flow::NewCsrfToken();
    ctx.masked_csrf = flow::MaskCsrfToken(*new_csrf_cookie);
  }
  const auto origin = req.Header("Origin");
  ctx.has_origin = origin && !origin->empty();

  ctx.ip_address = ClientIp(req, d_.trusted_proxies);
  const auto agents = req.HeaderValues("User-Agent");
  if (!agents.empty()) {
    std::string ua;
    for (const auto& a : agents) {
      ua += (ua.empty() ? "" : " ") + std::string(a);
    }
    ctx.user_agent = IsValidUtf8(ua) ? ua : std::string();
  }
  const auto city = req.Header("Cf-Ipcity");
  const auto country = req.Header("Cf-Ipcountry");
  if (city && country) {
    ctx.location = std::string(*city) + ", " + std::string(*country);
  } else if (city || country) {
    ctx.location = std::string(city ? *city : *country);
  }
  if (!IsValidUtf8(ctx.ip_address) || !IsValidUtf8(ctx.location)) {
    ctx.ip_address = req.remote_address;
    ctx.location.clear();
  }
  return ctx;
}

std::string PublicApi::CsrfSetCookie(const std::string& value) const {
  const auto& c = d_.config.cookies;
  const bool secure = d_.config.CookiesSecure();
  return http::FormatSetCookie(http::SetCookie{csrf_cookie_name_, value, c.path, c.domain, 31536000,
                                               true, secure,
                                               secure ? c.same_site : std::string("Lax")});
}

http::Response PublicApi::Render(const http::Request& req, const registration::RequestContext& ctx,
                                 registration::Reply reply,
                                 const std::string& new_csrf_cookie) const {
  using Kind = registration::Reply::Kind;
  const std::string request_id = RequestId(req);
  http::Response res;
  switch (reply.kind) {
    case Kind::kJson:
      res = JsonResponse(reply.status, reply.body);
      break;
    case Kind::kRedirect:
      res.status = reply.status;
      res.SetHeader("Location", reply.location);
      break;
    case Kind::kError:
      res = ErrorResponse(reply.error, request_id);
      break;
    case Kind::kErrorForward: {
      if (ctx.is_json || ctx.accepts_json) {
        res = ErrorResponse(reply.error, request_id);
        break;
      }
      flow::ErrorContainer container;
      container.id = NewUuid();
      container.error = ErrorObject(reply.error, request_id);
      container.created_at = TruncateToMicros(d_.clock.Now());
      container.updated_at = container.created_at;
      if (auto s = d_.errors.CreateError(container); !s.ok()) {
        res = ErrorResponse(reply.error, request_id);
        break;
      }
      const std::string& ui = d_.config.selfservice.error_ui_url;
      res.status = 303;
      res.SetHeader("Location",
                    ui + (ui.find('?') == std::string::npos ? "?" : "&") + "id=" + container.id);
      break;
    }
  }
  if (!new_csrf_cookie.empty()) {
    res.AddHeader("Set-Cookie", CsrfSetCookie(new_csrf_cookie));
  }
  if (reply.session_token) {
    const auto& sc = d_.config.session.cookie;
    const auto& c = d_.config.cookies;
    const bool secure = d_.config.SessionCookieSecure();
    const std::string same_site = sc.same_site.empty() ? c.same_site : sc.same_site;
    std::optional<int64_t> max_age;
    if (sc.persistent) {
      max_age = std::chrono::duration_cast<std::chrono::seconds>(reply.session_expires_at -
                                                                 d_.clock.Now())
                    .count();
    }
    res.AddHeader(
        "Set-Cookie",
        http::FormatSetCookie(http::SetCookie{
            sc.name, d_.session_cookies.Encode(*reply.session_token, reply.session_expires_at),
            sc.path.empty() ? c.path : sc.path, sc.domain.empty() ? c.domain : sc.domain, max_age,
            true, secure, secure ? same_site : std::string("Lax"), true}));
    if (reply.regenerate_csrf && new_csrf_cookie.empty()) {
      res.AddHeader("Set-Cookie", CsrfSetCookie(flow::NewCsrfToken()));
    }
  }
  if (req.method == "GET") {
    res.SetHeader("Cache-Control", "private, no-cache, no-store, must-revalidate");
  }
  res.SetHeader("Vary", "Cookie");
  return res;
}

http::Response PublicApi::InitBrowser(const http::Request& req) const {
  std::string new_cookie;
  const auto context = Context(req, true, &new_cookie);
  if (!context.ok()) {
    return ErrorResponse(context.error(), RequestId(req));
  }
  const auto& ctx = *context;
  if (!QueryIsValidUtf8(req)) {
    return Render(req, ctx,
                  registration::Reply::Forward(
                      Error::InvalidArgument("The request URL contains invalid UTF-8.")),
                  new_cookie);
  }
  return Render(req, ctx, d_.registration.InitBrowser(ctx, InitParamsOf(req)), new_cookie);
}

http::Response PublicApi::InitApi(const http::Request& req) const {
  std::string unused;
  const auto context = Context(req, false, &unused);
  if (!context.ok()) {
    return ErrorResponse(context.error(), RequestId(req));
  }
  const auto& ctx = *context;
  if (!QueryIsValidUtf8(req)) {
    return Render(req, ctx,
                  registration::Reply::ErrorJson(
                      Error::InvalidArgument("The request URL contains invalid UTF-8.")),
                  "");
  }
  return Render(req, ctx, d_.registration.InitApi(ctx, InitParamsOf(req)), "");
}

http::Response PublicApi::GetFlow(const http::Request& req) const {
  std::string new_cookie;
  const auto context = Context(req, true, &new_cookie);
  if (!context.ok()) {
    return ErrorResponse(context.error(), RequestId(req));
  }
  const auto& ctx = *context;
  return Render(req, ctx, d_.registration.GetFlow(ctx, StringQuery(req, "id")), new_cookie);
}

http::Response PublicApi::Submit(const http::Request& req) const {
  std::string unused;
  const auto context = Context(req, false, &unused);
  if (!context.ok()) {
    return ErrorResponse(context.error(), RequestId(req));
  }
  const auto& ctx = *context;
  registration::SubmitParams params;
  params.flow_id = StringQuery(req, "flow");
  auto body = DecodeBody(req);
  if (body.ok()) {
    params.body = std::move(body).value();
  } else {
    params.body_error = std::move(body).error();
  }
  return Render(req, ctx, d_.registration.Submit(ctx, params), "");
}

http::Response PublicApi::WhoAmI(const http::Request& req) const {
  const std::string request_id = RequestId(req);
  auto found = SessionOf(req);
  http::Response res;
  if (!found.ok()) {
    res = ErrorResponse(found.error(), request_id);
  } else if (const auto& s = *found) {
    res = JsonResponse(200, s->ToJson(d_.config.serve_public.base_url, d_.clock.Now()));
    res.SetHeader("X-Kratos-Authenticated-Identity-Id", s->identity_id);
  } else {
    res = ErrorResponse(flow::NoSessionCredentials(), request_id);
  }
  res.SetHeader("Cache-Control", "private, no-cache, no-store, must-revalidate");
  res.SetHeader("Vary", "Cookie");
  return res;
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
    body["id"] = id;
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
  res.SetHeader("Cache-Control", "private, no-cache, no-store, must-revalidate");
  res.SetHeader("Vary", "Cookie");
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
    spdlog::error("request {}: readiness: {}", RequestId(req), s.error().reason);
    return JsonResponse(503, {{"errors", {{"database", "the database is unavailable"}}}});
  }
  return JsonResponse(200, {{"status", "ok"}});
}

}  // namespace atrium::api

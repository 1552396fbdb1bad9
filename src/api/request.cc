#include "api/request.h"

#include "base/json.h"
#include "base/strings.h"

namespace atrium::api {
namespace {

// Kratos' IsJSONRequest and its "accepts JSON" negotiation (docs/wire/registration.md §2.2).
const std::vector<std::string> kJsonRequestOffers = {"text/html", "text/*", "*/*",
                                                     "application/json"};
const std::vector<std::string> kAcceptsJsonOffers = {"text/html", "application/json"};

bool IsCloudflareCookie(std::string_view name) {
  return name.starts_with("__cf") || name.starts_with("_cf") || name.starts_with("cf_");
}

// Where a new session would be used from: the client's address, agent and (Cloudflare) place.
session::Device DeviceOf(const http::Request& req, std::string ip) {
  session::Device d;
  d.ip_address = std::move(ip);
  const auto agents = req.HeaderValues("User-Agent");
  if (!agents.empty()) {
    std::string ua;
    for (const auto& a : agents) {
      ua += (ua.empty() ? "" : " ") + std::string(a);
    }
    d.user_agent = IsValidUtf8(ua) ? ua : std::string();
  }
  const auto city = req.Header("Cf-Ipcity");
  const auto country = req.Header("Cf-Ipcountry");
  if (city && country) {
    d.location = std::string(*city) + ", " + std::string(*country);
  } else if (city || country) {
    d.location = std::string(city ? *city : *country);
  }
  if (!IsValidUtf8(d.ip_address) || !IsValidUtf8(d.location)) {
    d.ip_address = req.remote_address;
    d.location.clear();
  }
  return d;
}

}  // namespace

RequestReader::RequestReader(const session::Manager& sessions, const flow::CsrfGuard& csrf,
                             const std::string& session_cookie_name,
                             const IpRanges& trusted_proxies)
    : sessions_(sessions),
      csrf_(csrf),
      session_cookie_name_(session_cookie_name),
      trusted_proxies_(trusted_proxies) {}

session::Credentials RequestReader::CredentialsOf(const http::Request& req) const {
  session::Credentials c;
  if (auto header = req.Header("X-Session-Token")) {
    c.session_token_header = std::string(*header);
  }
  if (auto authorization = req.Header("Authorization")) {
    c.authorization = std::string(*authorization);
  }
  c.cookie = req.Cookie(session_cookie_name_);  // the first of that name, as Go's r.Cookie
  return c;
}

// The client's address. Forwarding headers are believed only when the peer is a configured
// trusted proxy (anyone else could write them); X-Forwarded-For is read from the right, skipping
// the trusted proxies on the way, so that a client cannot prepend an address of its choosing.
std::string RequestReader::ClientIp(const http::Request& req) const {
  const IpRanges& trusted = trusted_proxies_;
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

Result<flow::Request> RequestReader::Read(const http::Request& req, bool csrf_active) const {
  flow::Request out = ReadWithoutSession(req, csrf_active);
  ATRIUM_ASSIGN_OR_RETURN(out.session, sessions_.Find(CredentialsOf(req)));
  return out;
}

flow::Request RequestReader::ReadWithoutSession(const http::Request& req, bool csrf_active) const {
  flow::Request out;
  std::string scheme = req.tls ? "https" : "http";
  std::string host(req.Header("Host").value_or(""));
  if (trusted_proxies_.Contains(req.remote_address)) {
    if (auto proto = req.Header("X-Forwarded-Proto");
        proto && (*proto == "https" || *proto == "http")) {
      scheme = std::string(*proto);
    }
    if (auto fwd = req.Header("X-Forwarded-Host"); fwd && !fwd->empty()) {
      host = std::string(*fwd);
    }
  }
  out.url = scheme + "://" + host + req.target;
  out.method = req.method;
  out.headers.assign(req.headers.begin(), req.headers.end());
  const auto accept = req.Header("Accept");
  const auto content_type = req.Header("Content-Type");
  out.is_json =
      http::NegotiateContentType(accept, kJsonRequestOffers, "text/html") == "application/json" ||
      content_type == "application/json";
  out.accepts_json =
      http::NegotiateContentType(accept, kAcceptsJsonOffers, "text/html") == "application/json";
  const auto mode = req.Header("Sec-Fetch-Mode");
  out.ajax = mode && (*mode == "cors" || *mode == "same-origin");
  out.json_content_type = content_type && content_type->starts_with("application/json");

  const auto cookies = req.Cookies();
  out.cookies.assign(cookies.begin(), cookies.end());
  for (const auto& [name, value] : cookies) {
    out.has_non_cloudflare_cookie = out.has_non_cloudflare_cookie || !IsCloudflareCookie(name);
  }
  out.csrf = csrf_.Read(req.Cookie(csrf_.cookie_name()), !cookies.empty(), csrf_active);
  const auto origin = req.Header("Origin");
  out.has_origin = origin && !origin->empty();
  out.device = DeviceOf(req, ClientIp(req));
  return out;
}

std::string RequestId(const http::Request& req) {
  return std::string(req.Header("X-Request-ID").value_or(""));
}

std::string StringQuery(const http::Request& req, std::string_view name) {
  return req.Query(name).value_or("");
}

flow::SubmitParams SubmitParamsOf(const http::Request& req) {
  flow::SubmitParams params;
  params.flow_id = StringQuery(req, "flow");
  auto body = DecodeBody(req);
  if (body.ok()) {
    params.body = std::move(body).value();
  } else {
    params.body_error = std::move(body).error();
  }
  return params;
}

Result<flow::Body> DecodeBody(const http::Request& req) {
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
  flow::Body body;
  if (media == "application/json") {
    // Kratos decodes the first JSON value of the body and ignores what follows it.
    Json parsed;
    JsonError error;
    if (!ParseFirstJsonValue(req.body, kBodyJsonLimits, parsed, error)) {
      return Error::InvalidArgument(error.fault == JsonFault::kTooDeep
                                        ? "Unable to decode form as JSON: " + error.reason + "."
                                        : "Unable to decode form as JSON.");
    }
    if (!parsed.is_object()) {
      return Error::InvalidArgument("Expected JSON sent in request body to be an object but got: " +
                                    JsonTypeName(parsed));
    }
    body.format = flow::Body::Format::kJson;
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
  body.format = flow::Body::Format::kForm;
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

}  // namespace atrium::api

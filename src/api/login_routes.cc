// The login and logout routes (docs/wire/login.md §2-§6, §14).
#include "api/public_api.h"
#include "base/json.h"
#include "base/strings.h"

namespace atrium::api {
namespace {

login::InitParams LoginParamsOf(const http::Request& req) {
  login::InitParams p;
  p.refresh = StringQuery(req, "refresh");
  p.aal = StringQuery(req, "aal");
  p.return_to = StringQuery(req, "return_to");
  p.login_challenge = req.Query("login_challenge");
  p.organization = StringQuery(req, "organization");
  p.identity_schema = StringQuery(req, "identity_schema");
  p.return_session_token_exchange_code =
      EqualsIgnoreCase(StringQuery(req, "return_session_token_exchange_code"), "true");
  return p;
}

// The session token of a native logout body (§14.3), or the 400 Kratos answers.
Result<std::string> SessionTokenOf(const http::Request& req) {
  const std::string content_type(req.Header("Content-Type").value_or(""));
  if (http::MediaType(content_type) != "application/json") {
    return Error::InvalidArgument("HTTP DELETE Request used unknown HTTP Header \"Content-Type: " +
                                  content_type + "\", only [application/json] are supported.");
  }
  if (req.body.empty()) {
    return Error::InvalidArgument(
        "Unable to decode HTTP Request Body because its HTTP Header \"Content-Length\" is zero.");
  }
  auto parsed = ParseJson(req.body, kBodyJsonLimits);
  if (!parsed.ok()) {
    return Error::InvalidArgument("Unable to decode JSON payload: " + parsed.error().reason);
  }
  if (!parsed->is_object()) {
    return Error::InvalidArgument("Unable to decode JSON payload: json: cannot unmarshal " +
                                  JsonTypeName(*parsed) + " into Go value");
  }
  const auto token = parsed->find("session_token");
  if (token == parsed->end() || token->is_null()) {
    return std::string();
  }
  if (!token->is_string()) {
    return Error::InvalidArgument(
        "Unable to decode JSON payload: json: cannot unmarshal " + JsonTypeName(*token) +
        " into Go struct field performNativeLogoutBody.session_token of type string");
  }
  return token->get<std::string>();
}

}  // namespace

http::Response PublicApi::InitLoginBrowser(const http::Request& req) const {
  return Init(req, true,
              [&](const flow::Request& r) { return d_.login.InitBrowser(r, LoginParamsOf(req)); });
}

http::Response PublicApi::InitLoginApi(const http::Request& req) const {
  return Init(req, false,
              [&](const flow::Request& r) { return d_.login.InitApi(r, LoginParamsOf(req)); });
}

http::Response PublicApi::GetLoginFlow(const http::Request& req) const {
  return Serve(req, true,
               [&](const flow::Request& r) { return d_.login.GetFlow(r, StringQuery(req, "id")); });
}

http::Response PublicApi::SubmitLogin(const http::Request& req) const {
  return Serve(req, false,
               [&](const flow::Request& r) { return d_.login.Submit(r, SubmitParamsOf(req)); });
}

http::Response PublicApi::CreateLogoutUrl(const http::Request& req) const {
  return Serve(req, true, [&](const flow::Request& r) {
    return d_.logout.CreateBrowserLogoutUrl(r, StringQuery(req, "return_to"));
  });
}

http::Response PublicApi::LogOutBrowser(const http::Request& req) const {
  return Serve(req, true, [&](const flow::Request& r) {
    return d_.logout.LogOutBrowser(r, StringQuery(req, "token"), StringQuery(req, "return_to"));
  });
}

http::Response PublicApi::LogOutNative(const http::Request& req) const {
  auto token = SessionTokenOf(req);
  if (!token.ok()) {
    return renderer_.Error(req, token.error());
  }
  // No cookies, no CSRF: the token in the body is all there is (§14.3).
  return renderer_.Render(req, flow::Request{}, d_.logout.LogOutNative(*token));
}

}  // namespace atrium::api

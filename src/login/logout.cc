#include "login/logout.h"

#include "base/strings.h"
#include "flow/errors.h"

namespace atrium::login {

Logout::Logout(const config::Config& config, const session::Manager& sessions,
               const flow::CsrfGuard& csrf)
    : config_(config),
      sessions_(sessions),
      csrf_(csrf),
      return_to_(config.selfservice.allowed_return_urls, config.serve_public.base_url) {}

std::string Logout::ReturnUrlDefault() const {
  const auto& after = config_.selfservice.logout.after_default_browser_return_url;
  return after.empty() ? config_.selfservice.default_browser_return_url : after;
}

flow::Reply Logout::CreateBrowserLogoutUrl(const flow::Request& request,
                                           std::string_view return_to) const {
  if (!request.session) {
    return flow::Reply::Forward(flow::SessionInactive());
  }
  std::string url = config_.serve_public.base_url + "self-service/logout?";
  if (!return_to.empty()) {
    auto resolved = return_to_.Resolve(return_to, ReturnUrlDefault());
    if (!resolved.ok()) {
      return flow::Reply::Forward(std::move(resolved).error());
    }
    url += "return_to=" + QueryEscape(*resolved) + "&";  // keys sorted, as Go encodes them
  }
  const std::string token = sessions_.LogoutToken(*request.session);
  url += "token=" + token;
  Json body;
  body["logout_url"] = url;
  body["logout_token"] = token;
  return flow::Reply::JsonBody(200, std::move(body));  // JSON whatever the Accept header says
}

flow::Reply Logout::LogOutBrowser(const flow::Request& request, std::string_view token,
                                  std::string_view return_to) const {
  if (token.empty()) {
    return flow::Reply::Forward(flow::LogoutTokenMissing());
  }
  if (!request.session) {
    return flow::Reply::Forward(flow::SessionInactive());
  }
  if (!sessions_.IsLogoutToken(*request.session, token)) {
    return flow::Reply::Forward(flow::LogoutTokenMismatch());
  }
  // Unlike Kratos, the return URL is checked before anything is revoked, so that a refused
  // return_to leaves the session as it was.
  auto target = return_to_.Resolve(return_to, ReturnUrlDefault());
  if (!target.ok()) {
    return flow::Reply::Forward(std::move(target).error());
  }
  // Whichever way the session came (cookie, bearer or X-Session-Token), it ends here.
  if (auto revoked = sessions_.Revoke(request.session->id); !revoked.ok()) {
    return flow::Reply::Forward(std::move(revoked).error());
  }
  flow::Reply reply =
      request.is_json ? flow::Reply::JsonBody(204, nullptr) : flow::Reply::Redirect(303, *target);
  reply.cookies.push_back(sessions_.ClearedCookie());
  reply.cookies.push_back(csrf_.RotatedCookie());
  return reply;
}

flow::Reply Logout::LogOutNative(std::string_view session_token) const {
  auto found = sessions_.FindByToken(session_token);
  if (!found.ok()) {
    return flow::Reply::ErrorJson(std::move(found).error());
  }
  if (!found->has_value()) {
    return flow::Reply::ErrorJson(flow::SessionTokenUnknown());
  }
  if (auto revoked = sessions_.Revoke((**found).id); !revoked.ok()) {
    return flow::Reply::ErrorJson(std::move(revoked).error());
  }
  return flow::Reply::JsonBody(204, nullptr);
}

}  // namespace atrium::login

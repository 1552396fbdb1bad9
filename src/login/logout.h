#pragma once
// Signing out (docs/wire/login.md §14): the logout URL of a browser session, following it, and
// native apps revoking their session token. Transport free; answers are flow::Reply values.

#include <string>
#include <string_view>

#include "config/config.h"
#include "flow/csrf.h"
#include "flow/reply.h"
#include "flow/request.h"
#include "flow/return_to.h"
#include "session/manager.h"

namespace atrium::login {

class Logout final {
 public:
  // References must outlive the use case. Thread-safe.
  Logout(const config::Config& config, const session::Manager& sessions,
         const flow::CsrfGuard& csrf);

  // GET /self-service/logout/browser: {"logout_url", "logout_token"} for the request's session.
  flow::Reply CreateBrowserLogoutUrl(const flow::Request& request,
                                     std::string_view return_to) const;
  // GET /self-service/logout?token=&return_to=: revokes the request's session when the token is
  // its logout token, expires the cookie, rotates the CSRF token, sends the browser on.
  flow::Reply LogOutBrowser(const flow::Request& request, std::string_view token,
                            std::string_view return_to) const;
  // DELETE /self-service/logout/api: revokes the session of a token (204, also when it was
  // revoked or expired already; 403 when unknown).
  flow::Reply LogOutNative(std::string_view session_token) const;

 private:
  std::string ReturnUrlDefault() const;

  const config::Config& config_;
  const session::Manager& sessions_;
  const flow::CsrfGuard& csrf_;
  flow::ReturnToPolicy return_to_;
};

}  // namespace atrium::login

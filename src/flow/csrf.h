#pragma once
// Anti-CSRF protection of browser flows, in one place (docs/wire/registration.md §11): the
// cookie (a 32-byte token), its masked form in each response's csrf_token node, the check of a
// submission and the four kinds of violation.

#include <optional>
#include <string>
#include <string_view>

#include "base/cookie.h"
#include "base/error.h"
#include "base/lazy.h"
#include "base/result.h"
#include "ui/node.h"

namespace atrium::flow {

struct CsrfOptions {
  std::string public_base_url;  // exactly as configured: it names the cookie
  std::string path = "/";
  std::string domain;
  bool secure = true;
  std::string same_site = "Lax";  // used when secure; plain-HTTP cookies are always Lax
};

// The anti-CSRF state of one request.
struct CsrfState {
  bool has_cookie_header = false;
  std::string cookie;  // the request's valid CSRF cookie value, "" if none
  std::string masked;  // a fresh masked form of the token, for the csrf_token node ("" if none)
  std::optional<std::string> issued;  // a new cookie value this response must set
};

enum class CsrfViolation { kNoCookieHeader, kNoCsrfCookie, kTokenNotSent, kMismatch };

class CsrfGuard final {
 public:
  explicit CsrfGuard(CsrfOptions options);

  // "csrf_token_" + lowercase hex SHA-256 of the public base URL exactly as configured.
  static std::string CookieName(std::string_view public_base_url);
  const std::string& cookie_name() const { return cookie_name_.Get(); }

  // The request's state from its CSRF cookie (if any). On CSRF-active routes (`issue`), a
  // request without a valid cookie gets a new token to set.
  CsrfState Read(std::optional<std::string_view> cookie_value, bool has_cookie_header,
                 bool issue) const;

  // A submission of a browser flow: the body's csrf_token must match the cookie. JSON requests
  // that send no token are told it does not match (Kratos). Errors: security_csrf_violation
  // (403) with the variant's hint; `ajax` = Sec-Fetch-Mode cors|same-origin.
  Status VerifySubmission(const CsrfState& state, std::string_view submitted,
                          bool json_content_type, bool ajax) const;
  // A GET of a browser flow carries no body token: a wrong cookie is "token not sent".
  Status VerifyFetch(const CsrfState& state, std::string_view flow_token, bool ajax) const;

  // The hidden csrf_token input carrying the request's masked token ("" for API flows).
  static ui::Node Node(std::string masked);

  // Set-Cookie for a token value, and for a brand-new token (after sign-in, Kratos rotates it).
  SetCookie Cookie(std::string value) const;
  SetCookie RotatedCookie() const;
  // A brand-new token: its cookie and a masked form for a flow created in the same response (a
  // verification flow started after sign-up, docs/wire/verification.md §9).
  struct Rotation {
    SetCookie cookie;
    std::string masked;
  };
  Rotation Rotate() const;

  static Error ViolationError(CsrfViolation violation, bool ajax);

 private:
  CsrfOptions options_;
  Lazy<std::string> cookie_name_;  // hashed at the first use, not at start
};

}  // namespace atrium::flow

#include "flow/csrf.h"

#include "base/random.h"
#include "base/strings.h"
#include "crypto/hash.h"

namespace atrium::flow {
namespace {

constexpr size_t kTokenBytes = 32;

std::string XorBytes(std::string_view a, std::string_view b) {
  std::string out(a.size(), '\0');
  for (size_t i = 0; i < a.size(); ++i) {
    out[i] = static_cast<char>(a[i] ^ b[i]);
  }
  return out;
}

// The raw 32-byte token behind a cookie value or a (masked or unmasked) submitted value.
std::optional<std::string> RawToken(std::string_view value) {
  auto decoded = Base64Decode(value);
  if (!decoded) {
    return std::nullopt;
  }
  if (decoded->size() == kTokenBytes) {
    return decoded;
  }
  if (decoded->size() == 2 * kTokenBytes) {
    const std::string_view d = *decoded;
    return XorBytes(d.substr(kTokenBytes), d.substr(0, kTokenBytes));
  }
  return std::nullopt;
}

}  // namespace

std::string CsrfCookieName(std::string_view public_base_url) {
  return "csrf_token_" + HexEncode(crypto::Sha256(public_base_url));
}

std::string NewCsrfToken() { return Base64Encode(RandomBytes(kTokenBytes)); }

bool IsValidCsrfCookie(std::string_view cookie_value) {
  const auto decoded = Base64Decode(cookie_value);
  return decoded && decoded->size() == kTokenBytes;
}

std::string MaskCsrfToken(std::string_view cookie_value) {
  const auto token = Base64Decode(cookie_value);
  if (!token || token->size() != kTokenBytes) {
    return {};
  }
  const std::string key = RandomBytes(kTokenBytes);
  return Base64Encode(key + XorBytes(*token, key));
}

bool CsrfTokensMatch(std::string_view cookie_value, std::string_view submitted) {
  const auto expected = Base64Decode(cookie_value);
  const auto actual = RawToken(submitted);
  if (!expected || expected->size() != kTokenBytes || !actual) {
    return false;
  }
  return crypto::ConstantTimeEquals(*expected, *actual);
}

Error CsrfError(CsrfViolation violation, bool ajax) {
  const std::string ajax_hint =
      "We detected an AJAX call, please ensure that CORS is enabled and configured correctly, and "
      "that your AJAX code sends cookies and has credentials enabled. For further debugging, check "
      "your Browser's Network Tab to see what cookies are included or excluded.";
  const std::string browser_hint =
      "We detected a regular browser or server-side call. To debug browser calls check your "
      "Browser's Network Tab to see what cookies are included or excluded. If you are calling from "
      "a server ensure that the appropriate cookies are being forwarded and that the SDK method is "
      "called correctly.";
  Json details;
  details["docs"] = "https://www.ory.com/docs/troubleshooting/csrf";
  switch (violation) {
    case CsrfViolation::kNoCookieHeader:
      details["hint"] = ajax ? ajax_hint : browser_hint;
      details["reject_reason"] = "The HTTP Cookie Header is empty or not set.";
      break;
    case CsrfViolation::kNoCsrfCookie:
      details["hint"] = ajax ? ajax_hint : browser_hint;
      details["reject_reason"] =
          "The HTTP Cookie Header was set but did not include the anti-CSRF cookie.";
      break;
    case CsrfViolation::kTokenNotSent:
      details["hint"] =
          "The anti-CSRF cookie was found but the CSRF token was not included in the HTTP request "
          "body (csrf_token) nor in the HTTP Header (X-CSRF-Token).";
      break;
    case CsrfViolation::kMismatch:
      details["hint"] = ajax ? ajax_hint : browser_hint;
      details["reject_reason"] =
          "The HTTP Cookie Header was set and a CSRF token was sent but they do not match. We "
          "recommend deleting all cookies for this domain and retrying the flow.";
      break;
  }
  return Error{ErrorCode::kForbidden,
               "Please retry the flow and optionally clear your cookies. The request was rejected "
               "to protect you from Cross-Site-Request-Forgery (CSRF) which could cause account "
               "takeover, leaking personal information, and other serious security issues.",
               "security_csrf_violation",
               "the request was rejected to protect you from Cross-Site-Request-Forgery",
               std::move(details),
               {}};
}

}  // namespace atrium::flow

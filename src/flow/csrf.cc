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

std::string NewToken() { return Base64Encode(RandomBytes(kTokenBytes)); }

bool IsValidCookie(std::string_view cookie_value) {
  const auto decoded = Base64Decode(cookie_value);
  return decoded && decoded->size() == kTokenBytes;
}

// base64(key(32) || token XOR key): 88 characters, new on every call. "" for invalid cookies.
std::string Mask(std::string_view cookie_value) {
  const auto token = Base64Decode(cookie_value);
  if (!token || token->size() != kTokenBytes) {
    return {};
  }
  const std::string key = RandomBytes(kTokenBytes);
  return Base64Encode(key + XorBytes(*token, key));
}

// Both sides decoded; a 64-byte value is unmasked; the tokens compared in constant time.
bool TokensMatch(std::string_view cookie_value, std::string_view submitted) {
  const auto expected = Base64Decode(cookie_value);
  const auto actual = RawToken(submitted);
  if (!expected || expected->size() != kTokenBytes || !actual) {
    return false;
  }
  return crypto::ConstantTimeEquals(*expected, *actual);
}

}  // namespace

CsrfGuard::CsrfGuard(CsrfOptions options)
    : options_(std::move(options)),
      cookie_name_([url = options_.public_base_url] { return CookieName(url); }) {}

std::string CsrfGuard::CookieName(std::string_view public_base_url) {
  return "csrf_token_" + HexEncode(crypto::Sha256(public_base_url));
}

CsrfState CsrfGuard::Read(std::optional<std::string_view> cookie_value, bool has_cookie_header,
                          bool issue) const {
  CsrfState state;
  state.has_cookie_header = has_cookie_header;
  if (cookie_value && IsValidCookie(*cookie_value)) {
    state.cookie = std::string(*cookie_value);
    state.masked = Mask(state.cookie);
  } else if (issue) {
    state.issued = NewToken();
    state.masked = Mask(*state.issued);
  }
  return state;
}

Status CsrfGuard::VerifySubmission(const CsrfState& state, std::string_view submitted,
                                   bool json_content_type, bool ajax) const {
  if (!state.has_cookie_header) {
    return ViolationError(CsrfViolation::kNoCookieHeader, ajax);
  }
  if (state.cookie.empty()) {
    return ViolationError(CsrfViolation::kNoCsrfCookie, ajax);
  }
  if (submitted.empty() && !json_content_type) {
    return ViolationError(CsrfViolation::kTokenNotSent, ajax);
  }
  if (!TokensMatch(state.cookie, submitted)) {
    return ViolationError(CsrfViolation::kMismatch, ajax);
  }
  return OkStatus();
}

Status CsrfGuard::VerifyFetch(const CsrfState& state, std::string_view flow_token,
                              bool ajax) const {
  if (!state.has_cookie_header) {
    return ViolationError(CsrfViolation::kNoCookieHeader, ajax);
  }
  if (state.cookie.empty()) {
    return ViolationError(CsrfViolation::kNoCsrfCookie, ajax);
  }
  if (!TokensMatch(state.cookie, flow_token)) {
    return ViolationError(CsrfViolation::kTokenNotSent, ajax);
  }
  return OkStatus();
}

ui::Node CsrfGuard::Node(std::string masked) {
  ui::Node n = ui::Node::Input("csrf_token", "hidden", "default");
  n.input.value = std::move(masked);
  n.input.required = true;
  return n;
}

SetCookie CsrfGuard::Cookie(std::string value) const {
  // A year, as nosurf; SameSite other than Lax only together with Secure.
  return SetCookie{cookie_name_.Get(), std::move(value),
                   options_.path,      options_.domain,
                   31536000,           true,
                   options_.secure,    options_.secure ? options_.same_site : std::string("Lax")};
}

SetCookie CsrfGuard::RotatedCookie() const { return Cookie(NewToken()); }

CsrfGuard::Rotation CsrfGuard::Rotate() const {
  std::string token = NewToken();
  std::string masked = Mask(token);
  return Rotation{Cookie(std::move(token)), std::move(masked)};
}

Error CsrfGuard::ViolationError(CsrfViolation violation, bool ajax) {
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

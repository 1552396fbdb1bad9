#pragma once
// Anti-CSRF tokens for browser flows (spec §11): a 32-byte cookie token, and a masked form of it
// (random key || token XOR key) in the csrf_token node, new on every response.

#include <string>
#include <string_view>

#include "base/error.h"

namespace atrium::flow {

// "csrf_token_" + lowercase hex SHA-256 of the public base URL exactly as configured.
std::string CsrfCookieName(std::string_view public_base_url);
// A fresh cookie value: standard base64 of 32 random bytes.
std::string NewCsrfToken();
// True if the cookie value decodes to exactly 32 bytes.
bool IsValidCsrfCookie(std::string_view cookie_value);
// base64(key(32) || token XOR key): 88 characters. "" when the cookie value is invalid.
std::string MaskCsrfToken(std::string_view cookie_value);
// Both sides decoded; a 64-byte value is unmasked; the 32-byte tokens compared in constant time.
bool CsrfTokensMatch(std::string_view cookie_value, std::string_view submitted);

enum class CsrfViolation { kNoCookieHeader, kNoCsrfCookie, kTokenNotSent, kMismatch };
// The security_csrf_violation error for a variant; `ajax` = Sec-Fetch-Mode cors|same-origin.
Error CsrfError(CsrfViolation violation, bool ajax);

}  // namespace atrium::flow

#include "session/cookie.h"

#include "base/json.h"
#include "base/random.h"
#include "base/strings.h"

namespace atrium::session {
namespace {
constexpr std::string_view kAssociatedData = "atrium session cookie v1";
}  // namespace

std::string CookieCodec::Encode(std::string_view token, Timestamp expires_at) const {
  const Json payload = {{"session_token", token},
                        {"expires_at", expires_at.time_since_epoch().count()},
                        {"nonce", Base64UrlEncode(RandomBytes(8))}};
  return aead_.Seal(DumpJson(payload), kAssociatedData);
}

std::optional<std::string> CookieCodec::Decode(std::string_view value, Timestamp now) const {
  auto plain = aead_.Open(value, kAssociatedData);
  if (!plain.ok()) {
    return std::nullopt;
  }
  const auto parsed = ParseJson(*plain, JsonLimits{.max_bytes = 4096, .max_depth = 2});
  if (!parsed.ok() || !parsed->is_object()) {
    return std::nullopt;
  }
  const Json& payload = *parsed;
  const auto token = payload.find("session_token");
  const auto expires = payload.find("expires_at");
  if (token == payload.end() || !token->is_string() || expires == payload.end() ||
      !expires->is_number_integer()) {
    return std::nullopt;
  }
  if (Timestamp(Duration(expires->get<int64_t>())) <= now) {
    return std::nullopt;
  }
  return token->get<std::string>();
}

}  // namespace atrium::session

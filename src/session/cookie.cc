#include "session/cookie.h"

#include <nlohmann/json.hpp>

#include "base/random.h"
#include "base/strings.h"

namespace atrium::session {
namespace {
constexpr std::string_view kAssociatedData = "atrium session cookie v1";
}  // namespace

std::string CookieCodec::Encode(std::string_view token, Timestamp expires_at) const {
  const nlohmann::json payload = {{"session_token", token},
                                  {"expires_at", expires_at.time_since_epoch().count()},
                                  {"nonce", Base64UrlEncode(RandomBytes(8))}};
  return aead_.Seal(payload.dump(), kAssociatedData);
}

std::optional<std::string> CookieCodec::Decode(std::string_view value, Timestamp now) const {
  auto plain = aead_.Open(value, kAssociatedData);
  if (!plain.ok()) {
    return std::nullopt;
  }
  const auto payload = nlohmann::json::parse(*plain, nullptr, false);
  if (payload.is_discarded() || !payload.is_object()) {
    return std::nullopt;
  }
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

#pragma once
// The session cookie's value: the token and expiry sealed with secrets.cookie (AES-256-GCM), so
// it cannot be read or forged by the client (docs/wire/registration.md §20.3).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "crypto/aead.h"

namespace atrium::session {

class CookieCodec final {
 public:
  explicit CookieCodec(const std::vector<std::string>& secrets) : aead_(secrets) {}

  std::string Encode(std::string_view token, Timestamp expires_at) const;
  // The token, or nullopt when the value was tampered with, sealed with an unknown secret or
  // expired.
  std::optional<std::string> Decode(std::string_view value, Timestamp now) const;

 private:
  crypto::Aead aead_;
};

}  // namespace atrium::session

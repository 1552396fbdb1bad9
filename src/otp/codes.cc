#include "otp/codes.h"

#include <cstdint>

#include "base/random.h"
#include "base/strings.h"
#include "crypto/hash.h"

namespace atrium::otp {

std::string_view ToString(Purpose purpose) {
  switch (purpose) {
    case Purpose::kRegistration:
      return "registration";
    case Purpose::kVerification:
      return "verification";
    case Purpose::kLogin:
      return "login";
    case Purpose::kVerificationLink:
      return "verification_link";
  }
  return "registration";
}

std::string DeriveKey(std::string_view secret) { return crypto::HmacSha256(secret, "atrium/otp"); }

Digester::Digester(std::string key) : key_([key = std::move(key)] { return key; }) {}

Digester::Digester(DerivedFrom from)
    : key_([secret = std::move(from.secret)] { return DeriveKey(secret); }) {}

std::string NewCode() {
  // 4 random bytes give a value below 2^32; values at or above the largest multiple of 10^6 are
  // drawn again, so that every code is equally likely.
  constexpr uint64_t kSpace = 1'000'000;
  constexpr uint64_t kLimit = (uint64_t{1} << 32) / kSpace * kSpace;
  for (;;) {
    const std::string bytes = RandomBytes(4);
    uint64_t v = 0;
    for (unsigned char b : bytes) {
      v = (v << 8) | b;
    }
    if (v < kLimit) {
      std::string code = std::to_string(v % kSpace);
      return std::string(6 - code.size(), '0') + code;
    }
  }
}

std::string Digester::Digest(Purpose purpose, std::string_view flow_id, std::string_view address,
                             std::string_view code) const {
  std::string message;
  for (std::string_view part : {ToString(purpose), flow_id, address, code}) {
    // Length-prefixed parts: no two different tuples give the same input.
    message += std::to_string(part.size());
    message += ':';
    message += part;
  }
  return HexEncode(crypto::HmacSha256(key_.Get(), message));
}

std::optional<Code> Digester::Match(std::span<const Code> candidates, std::string_view code,
                                    Timestamp now) const {
  std::optional<Code> found;
  for (const Code& c : candidates) {
    // Every candidate is digested and compared, found or not: the time does not depend on
    // which one (if any) matched.
    const bool equal =
        crypto::ConstantTimeEquals(Digest(c.purpose, c.flow_id, c.address, code), c.digest);
    if (equal && !found && !c.used_at && now < c.expires_at) {
      found = c;
    }
  }
  return found;
}

}  // namespace atrium::otp

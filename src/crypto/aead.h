#pragma once
// Authenticated encryption for values handed to clients (cookies): AES-256-GCM with a key
// derived from each configured secret (SHA-256), a random 96-bit nonce per message, and
// base64url (unpadded) output. The first secret seals; every secret is tried to open, so
// secrets can be rotated. The keys are derived at the first use, not at construction: a server
// that has not yet sealed or opened anything has not started OpenSSL (2 MiB of memory).

#include <string>
#include <string_view>
#include <vector>

#include "base/lazy.h"
#include "base/result.h"

namespace atrium::crypto {

class Aead final {
 public:
  // `secrets` must not be empty.
  explicit Aead(const std::vector<std::string>& secrets);

  std::string Seal(std::string_view plaintext, std::string_view associated_data) const;
  // InvalidArgument for malformed, tampered or foreign values.
  Result<std::string> Open(std::string_view sealed, std::string_view associated_data) const;

 private:
  Lazy<std::vector<std::string>> keys_;  // 32-byte keys, in the order of the secrets
};

}  // namespace atrium::crypto

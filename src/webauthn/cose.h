#pragma once
// COSE public keys (RFC 9053) as authenticators send them, and signature checks with OpenSSL.
// Three algorithms: ES256 (-7, EC2 P-256), EdDSA (-8, OKP Ed25519) and RS256 (-257, RSA of at
// least 2048 bits).

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "webauthn/cbor.h"

namespace atrium::webauthn {

inline constexpr int64_t kES256 = -7;
inline constexpr int64_t kEdDSA = -8;
inline constexpr int64_t kRS256 = -257;

struct CoseKey {
  int64_t alg = 0;
  int64_t kty = 0;
  // ES256: the uncompressed point 0x04||x||y; EdDSA: the 32-byte key; RS256: n and e.
  std::string point;
  std::string n;
  std::string e;
  std::string cbor;  // the encoded key as received (what is stored)
};

// Parses and checks a COSE_Key (its CBOR item, as it was encoded in `cbor`). InvalidArgument
// when the key type, curve or algorithm is not one of the three, a parameter is missing or has
// the wrong size, or OpenSSL refuses the key (an EC point off the curve, a short RSA modulus).
Result<CoseKey> ParseCoseKey(const cbor_item_t* item, std::string_view cbor);
Result<CoseKey> ParseCoseKey(std::string_view cbor);

// True when `signature` is a valid signature of `data` by `key` under `alg` (ES256: DER).
bool VerifySignature(const CoseKey& key, int64_t alg, std::string_view data,
                     std::string_view signature);

// The same for the public key of a DER X.509 certificate (packed x5c, fido-u2f). `alg` must fit
// the certificate's key type. InvalidArgument when the certificate does not parse.
Result<bool> VerifyWithCertificate(std::string_view der, int64_t alg, std::string_view data,
                                   std::string_view signature);

// The uncompressed EC P-256 point of a certificate's key, or InvalidArgument (fido-u2f).
Result<bool> CertificateIsP256(std::string_view der);

}  // namespace atrium::webauthn

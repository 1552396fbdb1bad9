#pragma once
// A thin JOSE layer on OpenSSL for OpenID Connect (STACK.md §7): compact JWS decoding, JWK sets
// (RSA and EC public keys), signature verification with an allow-list of asymmetric algorithms,
// and ES256 signing (Apple's client secret). Everything it reads comes from outside: sizes are
// bounded and JSON goes through the bounded parser.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/result.h"

namespace atrium::strategy::oidc {

// One public key of a JWK set. The OpenSSL key is shared and immutable.
struct Jwk {
  std::string kid;            // "" when the set gave none
  std::string kty;            // "RSA" or "EC"
  std::string alg;            // "" when the set gave none
  std::shared_ptr<void> key;  // EVP_PKEY, freed with EVP_PKEY_free
};

struct JwkSet {
  std::vector<Jwk> keys;
};

// The most a JWK set, a token or one of their parts may hold.
inline constexpr size_t kMaxTokenBytes = 16 << 10;
inline constexpr size_t kMaxJwks = 32;

// Parses {"keys":[...]}: RSA keys (2048 bits or more) and EC keys on P-256, P-384 and P-521 that
// are meant for signatures (`use` absent or "sig"); other keys are skipped, more than kMaxJwks
// keys are refused. InvalidArgument when nothing usable remains or the document is malformed.
Result<JwkSet> ParseJwkSet(const Json& document);

// A compact JWS split and decoded, not yet verified.
struct Jws {
  Json header;
  Json payload;
  std::string signing_input;  // "<b64 header>.<b64 payload>"
  std::string signature;      // raw bytes
  std::string Alg() const { return header.value("alg", ""); }
  std::string Kid() const { return header.value("kid", ""); }
};

// Splits and decodes a compact JWS (three base64url parts, JSON header and payload objects).
// InvalidArgument for anything else, including a token over kMaxTokenBytes.
Result<Jws> DecodeJws(std::string_view token);

// True for the algorithms Atrium accepts from identity providers: RS256/384/512, PS256/384/512,
// ES256/384/512. "none" and the HMAC algorithms never verify (a provider's public key must not
// become an HMAC secret).
bool AllowedAlgorithm(std::string_view alg);

// Verifies the signature of `jws` with `key`: the algorithm must be allowed, match the key type
// (and the key's own `alg` when it names one). InvalidArgument when it does not verify.
Status VerifyJws(const Jws& jws, const Jwk& key);

// The keys of `set` that may have signed `jws`: the one with its `kid`, or when the token names
// none, every key of the matching type.
std::vector<const Jwk*> CandidateKeys(const JwkSet& set, const Jws& jws);

// Signs `claims` as a compact ES256 JWS with the EC P-256 private key in `pem` (PKCS#8 or SEC1),
// `kid` in the header. InvalidArgument for an unusable key.
Result<std::string> SignEs256(const Json& claims, std::string_view pem, std::string_view kid);

}  // namespace atrium::strategy::oidc

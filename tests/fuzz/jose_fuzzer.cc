// The oidc method's JOSE layer (src/strategy/oidc/jose.h) fuzzed directly: compact JWS decoding,
// JWK set parsing (RSA and EC keys built with OpenSSL) and signature verification of whatever
// decodes against whatever keys parse. Everything here comes from identity providers or from the
// browser (`id_token` submissions). Besides "no crash, no sanitizer report": a token that is not
// signed with an allowed asymmetric algorithm never verifies.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <fuzzer/FuzzedDataProvider.h>

#include "base/json.h"
#include "strategy/oidc/jose.h"

namespace atrium::fuzz {
namespace {

[[noreturn]] void Finding(const std::string& what) {
  std::fprintf(stderr, "\n==== fuzz_jose finding: %s\n", what.c_str());
  std::abort();
}

}  // namespace
}  // namespace atrium::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace atrium;  // NOLINT(google-build-using-namespace)
  FuzzedDataProvider in(data, size);
  const std::string jwks_text = in.ConsumeRandomLengthString(8192);
  const std::string token = in.ConsumeRemainingBytesAsString();
  auto jws = strategy::oidc::DecodeJws(token);
  auto jwks = ParseJson(jwks_text);
  if (!jwks.ok()) {
    return 0;
  }
  auto set = strategy::oidc::ParseJwkSet(*jwks);
  if (!set.ok() || !jws.ok()) {
    return 0;
  }
  for (const auto* key : strategy::oidc::CandidateKeys(*set, *jws)) {
    const bool verified = strategy::oidc::VerifyJws(*jws, *key).ok();
    if (verified && !strategy::oidc::AllowedAlgorithm(jws->Alg())) {
      fuzz::Finding("a token with algorithm " + jws->Alg() + " verified");
    }
  }
  return 0;
}

// The WebAuthn parsers (src/webauthn/), fuzzed directly: the bounded CBOR reader, COSE keys,
// authenticator data, attestation objects and the whole registration check. Besides "no crash,
// no sanitizer report", a property: whatever FirstItemLength accepts, libcbor decodes to exactly
// that length, and nothing that it refuses is ever decoded.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "webauthn/cbor.h"
#include "webauthn/cose.h"
#include "webauthn/registration.h"

namespace atrium::fuzz {
namespace {

[[noreturn]] void Finding(const char* what) {
  std::fprintf(stderr, "\n==== fuzz_webauthn finding: %s\n", what);
  std::abort();
}

}  // namespace
}  // namespace atrium::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace atrium::webauthn;
  if (size == 0) {
    return 0;
  }
  const uint8_t selector = data[0];
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (selector % 5) {
    case 0: {
      auto length = FirstItemLength(input);
      std::size_t consumed = 0;
      auto item = LoadCbor(input, false, &consumed);
      if (length.ok() != item.ok() || (length.ok() && consumed != *length)) {
        atrium::fuzz::Finding("FirstItemLength and LoadCbor disagree");
      }
      break;
    }
    case 1:
      (void)ParseCoseKey(input);
      break;
    case 2:
      (void)ParseAuthenticatorData(input);
      break;
    case 3:
      (void)VerifyAttestationObject(input, std::string(32, '\0'), selector & 0x80);
      break;
    default: {
      // clientDataJSON and attestationObject split at the first NUL.
      const auto cut = input.find('\0');
      const std::string_view cdj = input.substr(0, cut);
      const std::string_view obj = cut == std::string_view::npos ? "" : input.substr(cut + 1);
      Expectations e;
      e.challenge = "0123456789abcdef";
      e.origins = {"https://example.org"};
      e.rp_id = "example.org";
      e.algorithms = {kES256, kEdDSA, kRS256};
      e.accept_unverified_attestation = (selector & 0x80) != 0;
      (void)VerifyRegistration(cdj, obj, e);
      break;
    }
  }
  return 0;
}

#pragma once
// The registration ceremony's checks (WebAuthn Level 3 §7.1): clientDataJSON, authenticator data,
// the COSE key and the attestation statement (`none`, `packed` self and x5c, `fido-u2f`).
// Pure functions over bytes; the strategies keep challenges and store what comes out.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "webauthn/cose.h"

namespace atrium::webauthn {

// Authenticator data flags.
inline constexpr uint8_t kFlagUP = 0x01;
inline constexpr uint8_t kFlagUV = 0x04;
inline constexpr uint8_t kFlagBE = 0x08;
inline constexpr uint8_t kFlagBS = 0x10;
inline constexpr uint8_t kFlagAT = 0x40;
inline constexpr uint8_t kFlagED = 0x80;

inline constexpr std::size_t kMaxCredentialIdBytes = 1023;

struct AuthenticatorData {
  std::string raw;
  std::string rp_id_hash;  // 32 bytes
  uint8_t flags = 0;
  uint32_t sign_count = 0;
  // Attested credential data (flag AT):
  std::string aaguid;  // 16 bytes
  std::string credential_id;
  CoseKey key;
};

// Parses authenticator data that must carry attested credential data (registration).
Result<AuthenticatorData> ParseAuthenticatorData(std::string_view raw);

struct Attestation {
  std::string fmt;   // "none", "packed", "fido-u2f", or what was sent
  std::string type;  // "none", "self", "basic"
  AuthenticatorData auth_data;
};

// Decodes an attestationObject and verifies its statement against SHA-256(clientDataJSON).
// Formats other than the three are refused unless `accept_unverified` (attestation `none` was
// requested: the statement is then ignored, §7.1 step 21 leaves that to the relying party).
Result<Attestation> VerifyAttestationObject(std::string_view attestation_object,
                                            std::string_view client_data_hash,
                                            bool accept_unverified);

// What the relying party offered and requires.
struct Expectations {
  std::string challenge;             // raw bytes
  std::vector<std::string> origins;  // exact matches
  std::string rp_id;
  bool require_user_verification = false;
  std::vector<int64_t> algorithms;            // the pubKeyCredParams offered
  bool accept_unverified_attestation = true;  // attestation conveyance "none"
};

struct NewCredential {
  std::string id;  // raw credential id
  CoseKey key;
  uint32_t sign_count = 0;
  std::string aaguid;  // 16 raw bytes
  bool user_verified = false;
  bool backup_eligible = false;
  bool backup_state = false;
  std::string attestation_fmt;
  std::string attestation_type;
  std::string authenticator_data;  // raw, as signed
};

// Runs §7.1 steps 5-26 on the response's two fields (raw bytes, already base64url-decoded).
// InvalidArgument naming the failed check.
Result<NewCredential> VerifyRegistration(std::string_view client_data_json,
                                         std::string_view attestation_object,
                                         const Expectations& expect);

}  // namespace atrium::webauthn

#pragma once
// What the passkey and webauthn methods share (docs/wire/registration.md §17.4, §17.5): the
// creation options of a flow (relying party from config, a user handle and a challenge from the
// CSPRNG), kept in the flow's internal context and taken out of it by the submission that uses
// them (single use), the response's decoding and verification (src/webauthn), the credential as
// it is stored, the script node and the script itself.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/json.h"
#include "base/result.h"
#include "config/config.h"
#include "identity/identity.h"
#include "identity/store.h"
#include "identity/validator.h"
#include "registration/flow.h"
#include "registration/strategy.h"
#include "ui/node.h"
#include "webauthn/registration.h"

namespace atrium::strategy {

struct CeremonySpec {
  std::string session_key;            // "passkey_session_data"
  std::string options_key;            // "passkey_session_options"
  bool alphanumeric_user_id = false;  // passkey: 64 alphanumerics; webauthn: 16 random bytes
};

// The challenge and user handle of options that were shown.
struct CeremonySession {
  std::string challenge;  // raw bytes
  std::string user_id;    // raw bytes
};

// A response that was refused: kParse when it is no credential at all (§17.5 "Unable to parse
// WebAuthn response"), kVerify when a check of WebAuthn §7.1 failed.
struct CeremonyFailure {
  enum Kind { kParse, kVerify } kind = kParse;
  std::string reason;
};

struct VerifiedCredential {
  webauthn::NewCredential credential;
  std::vector<std::string> transports;
  std::string client_data;         // raw clientDataJSON
  std::string attestation_object;  // raw
};

// A registration response that passed every check, with the identity of the submitted traits.
struct AcceptedResponse {
  CeremonySession session;
  VerifiedCredential credential;
  identity::Identity identity;
  identity::TraitsValidation validation;
};

class Ceremony {
 public:
  Ceremony(const config::Config& config, const config::WebAuthnOptions& options, CeremonySpec spec,
           const Clock& clock);

  // The flow's creation options ({"publicKey": {...}}): the stored ones, else new ones that are
  // stored in the flow.
  Json Options(registration::Flow& flow) const;
  // Takes the flow's session out of it (the challenge can be used once); nullopt when it has none.
  std::optional<CeremonySession> Take(registration::Flow& flow) const;
  // Decodes `response` (the credential JSON the script wrote) and verifies it against `session`.
  std::variant<VerifiedCredential, CeremonyFailure> Verify(const CeremonySession& session,
                                                           std::string_view response) const;
  // What both methods do with a response once the flow's session was taken: verify `response`
  // against it, refuse a credential id registered already, validate the submitted traits. The
  // outcome to answer with, or the accepted response.
  std::variant<registration::Outcome, AcceptedResponse> Accept(
      std::optional<CeremonySession> session, std::string_view response,
      const registration::SubmitContext& ctx, identity::IdentityStore& identities) const;
  // The stored form of a credential (Kratos' CredentialsWebAuthnConfig entry).
  Json CredentialJson(const VerifiedCredential& v, std::string_view display_name,
                      bool passwordless) const;

  // The identifier that makes a credential id unique over all identities (store constraint).
  static std::string CredentialIdentifier(std::string_view raw_id);

  std::string RpId() const;
  std::vector<std::string> Origins() const;

 private:
  const config::Config& config_;
  const config::WebAuthnOptions& options_;
  CeremonySpec spec_;
  const Clock& clock_;
};

// The script node every page with passkey or webauthn nodes carries (group "webauthn").
ui::Node WebAuthnScriptNode(const config::Config& config);
// /.well-known/ory/webauthn.js.
const registration::Script& WebAuthnScript();
// "sha512-" + base64 SHA-512 of the script's body, as the script node carries it. Hashed at the
// first page that shows the node, not when the route is registered at start.
const std::string& WebAuthnScriptIntegrity();

// Refuses a credential id that is registered already (as a passkey or a security key): the
// 4000007 form message, or nullopt to go on.
Result<std::optional<registration::Outcome>> RefuseRegisteredCredential(
    identity::IdentityStore& identities, std::string_view raw_id);

}  // namespace atrium::strategy

#include "webauthn/registration.h"

#include <algorithm>

#include "base/json.h"
#include "base/strings.h"
#include "crypto/hash.h"

namespace atrium::webauthn {
namespace {

Error Refused(std::string_view why) { return Error::InvalidArgument(std::string(why)); }

uint32_t BigEndian32(std::string_view b) {
  return (static_cast<uint32_t>(static_cast<uint8_t>(b[0])) << 24) |
         (static_cast<uint32_t>(static_cast<uint8_t>(b[1])) << 16) |
         (static_cast<uint32_t>(static_cast<uint8_t>(b[2])) << 8) |
         static_cast<uint32_t>(static_cast<uint8_t>(b[3]));
}

// The x5c array of an attestation statement: DER certificates, at least one.
Result<std::vector<std::string>> Certificates(const cbor_item_t* stmt) {
  ATRIUM_ASSIGN_OR_RETURN(const cbor_item_t* x5c, MapFind(stmt, "x5c"));
  std::vector<std::string> out;
  if (x5c == nullptr) {
    return out;
  }
  if (!cbor_isa_array(x5c) || cbor_array_size(x5c) == 0) {
    return Refused("attestation statement: x5c must be a non-empty array");
  }
  for (std::size_t i = 0; i < cbor_array_size(x5c); ++i) {
    auto der = AsBytes(cbor_array_handle(x5c)[i]);
    if (!der) {
      return Refused("attestation statement: x5c holds a non-certificate");
    }
    out.push_back(*std::move(der));
  }
  return out;
}

Result<std::string> Signature(const cbor_item_t* stmt) {
  ATRIUM_ASSIGN_OR_RETURN(const cbor_item_t* sig, MapFind(stmt, "sig"));
  auto bytes = AsBytes(sig);
  if (!bytes || bytes->empty()) {
    return Refused("attestation statement: sig is missing");
  }
  return *std::move(bytes);
}

// packed (§8.2): with x5c a basic attestation by the first certificate, else self attestation
// by the credential key, and then alg must be the credential's.
Result<std::string> VerifyPacked(const cbor_item_t* stmt, const AuthenticatorData& auth,
                                 std::string_view client_data_hash) {
  ATRIUM_ASSIGN_OR_RETURN(const cbor_item_t* alg_item, MapFind(stmt, "alg"));
  const auto alg = AsInt(alg_item);
  if (!alg) {
    return Refused("attestation statement: alg is missing");
  }
  ATRIUM_ASSIGN_OR_RETURN(const std::string sig, Signature(stmt));
  ATRIUM_ASSIGN_OR_RETURN(const auto x5c, Certificates(stmt));
  const std::string signed_data = auth.raw + std::string(client_data_hash);
  if (x5c.empty()) {
    if (*alg != auth.key.alg) {
      return Refused("attestation statement: alg differs from the credential's");
    }
    if (!VerifySignature(auth.key, *alg, signed_data, sig)) {
      return Refused("attestation statement: invalid self-attestation signature");
    }
    return std::string("self");
  }
  if (*alg != kES256 && *alg != kRS256 && *alg != kEdDSA) {
    return Refused("attestation statement: unsupported alg");
  }
  ATRIUM_ASSIGN_OR_RETURN(const bool valid, VerifyWithCertificate(x5c[0], *alg, signed_data, sig));
  if (!valid) {
    return Refused("attestation statement: invalid attestation signature");
  }
  return std::string("basic");
}

// fido-u2f (§8.6): one P-256 certificate signs 0x00 || rpIdHash || clientDataHash || credId ||
// the credential's uncompressed point.
Result<std::string> VerifyFidoU2f(const cbor_item_t* stmt, const AuthenticatorData& auth,
                                  std::string_view client_data_hash) {
  ATRIUM_ASSIGN_OR_RETURN(const std::string sig, Signature(stmt));
  ATRIUM_ASSIGN_OR_RETURN(const auto x5c, Certificates(stmt));
  if (x5c.size() != 1) {
    return Refused("attestation statement: fido-u2f needs exactly one certificate");
  }
  ATRIUM_ASSIGN_OR_RETURN(const bool p256, CertificateIsP256(x5c[0]));
  if (!p256 || auth.key.alg != kES256) {
    return Refused("attestation statement: fido-u2f needs P-256 keys");
  }
  const std::string data = std::string(1, '\0') + auth.rp_id_hash + std::string(client_data_hash) +
                           auth.credential_id + auth.key.point;
  ATRIUM_ASSIGN_OR_RETURN(const bool valid, VerifyWithCertificate(x5c[0], kES256, data, sig));
  if (!valid) {
    return Refused("attestation statement: invalid fido-u2f signature");
  }
  return std::string("basic");
}

}  // namespace

Result<AuthenticatorData> ParseAuthenticatorData(std::string_view raw) {
  constexpr std::size_t kFixed = 37;
  if (raw.size() < kFixed) {
    return Refused("authenticator data is too short");
  }
  AuthenticatorData a;
  a.raw = std::string(raw);
  a.rp_id_hash = std::string(raw.substr(0, 32));
  a.flags = static_cast<uint8_t>(raw[32]);
  a.sign_count = BigEndian32(raw.substr(33, 4));
  if ((a.flags & kFlagAT) == 0) {
    return Refused("authenticator data holds no attested credential data");
  }
  std::string_view rest = raw.substr(kFixed);
  if (rest.size() < 18) {
    return Refused("attested credential data is too short");
  }
  a.aaguid = std::string(rest.substr(0, 16));
  const std::size_t id_length =
      (static_cast<uint8_t>(rest[16]) << 8) | static_cast<uint8_t>(rest[17]);
  rest.remove_prefix(18);
  if (id_length == 0 || id_length > kMaxCredentialIdBytes || id_length > rest.size()) {
    return Refused("invalid credential id length");
  }
  a.credential_id = std::string(rest.substr(0, id_length));
  rest.remove_prefix(id_length);
  std::size_t key_length = 0;
  ATRIUM_ASSIGN_OR_RETURN(const CborItem key, LoadCbor(rest, false, &key_length));
  ATRIUM_ASSIGN_OR_RETURN(a.key, ParseCoseKey(key.get(), rest.substr(0, key_length)));
  rest.remove_prefix(key_length);
  if ((a.flags & kFlagED) != 0) {
    std::size_t ext_length = 0;
    ATRIUM_ASSIGN_OR_RETURN(const CborItem ext, LoadCbor(rest, false, &ext_length));
    if (!cbor_isa_map(ext.get())) {
      return Refused("authenticator data: extensions must be a map");
    }
    rest.remove_prefix(ext_length);
  }
  if (!rest.empty()) {
    return Refused("authenticator data has trailing bytes");
  }
  return a;
}

Result<Attestation> VerifyAttestationObject(std::string_view attestation_object,
                                            std::string_view client_data_hash,
                                            bool accept_unverified) {
  ATRIUM_ASSIGN_OR_RETURN(const CborItem obj, LoadCbor(attestation_object, true));
  ATRIUM_ASSIGN_OR_RETURN(const cbor_item_t* fmt_item, MapFind(obj.get(), "fmt"));
  ATRIUM_ASSIGN_OR_RETURN(const cbor_item_t* stmt, MapFind(obj.get(), "attStmt"));
  ATRIUM_ASSIGN_OR_RETURN(const cbor_item_t* auth_item, MapFind(obj.get(), "authData"));
  const auto fmt = AsText(fmt_item);
  const auto auth_raw = AsBytes(auth_item);
  if (!fmt || !auth_raw || stmt == nullptr || !cbor_isa_map(stmt)) {
    return Refused("attestation object: fmt, attStmt or authData is missing");
  }
  Attestation out;
  out.fmt = *fmt;
  ATRIUM_ASSIGN_OR_RETURN(out.auth_data, ParseAuthenticatorData(*auth_raw));
  if (out.fmt == "none") {
    if (cbor_map_size(stmt) != 0) {
      return Refused("attestation statement: none must be empty");
    }
    out.type = "none";
  } else if (out.fmt == "packed") {
    ATRIUM_ASSIGN_OR_RETURN(out.type, VerifyPacked(stmt, out.auth_data, client_data_hash));
  } else if (out.fmt == "fido-u2f") {
    ATRIUM_ASSIGN_OR_RETURN(out.type, VerifyFidoU2f(stmt, out.auth_data, client_data_hash));
  } else if (accept_unverified) {
    out.type = "none";
  } else {
    return Refused("unsupported attestation format");
  }
  return out;
}

Result<NewCredential> VerifyRegistration(std::string_view client_data_json,
                                         std::string_view attestation_object,
                                         const Expectations& expect) {
  // §7.1 steps 5-12: the client data.
  JsonLimits limits;
  limits.max_bytes = 16 * 1024;
  limits.max_depth = 8;
  Json cd;
  JsonError error;
  if (!ParseJson(client_data_json, limits, cd, error) || !cd.is_object()) {
    return Refused("clientDataJSON is not a JSON object");
  }
  const auto field = [&](const char* name) -> std::string {
    const auto it = cd.find(name);
    return it != cd.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (field("type") != "webauthn.create") {
    return Refused("clientDataJSON: type is not webauthn.create");
  }
  const auto challenge = Base64UrlDecode(field("challenge"));
  if (!challenge || expect.challenge.empty() ||
      !crypto::ConstantTimeEquals(*challenge, expect.challenge)) {
    return Refused("clientDataJSON: challenge mismatch");
  }
  const std::string origin = field("origin");
  if (std::find(expect.origins.begin(), expect.origins.end(), origin) == expect.origins.end()) {
    return Refused("clientDataJSON: origin is not allowed");
  }
  if (const auto it = cd.find("crossOrigin"); it != cd.end() && *it == true) {
    return Refused("clientDataJSON: cross-origin requests are not accepted");
  }
  if (const auto it = cd.find("topOrigin"); it != cd.end()) {
    return Refused("clientDataJSON: cross-origin requests are not accepted");
  }
  if (const auto it = cd.find("tokenBinding");
      it != cd.end() && it->is_object() && it->value("status", "") == "present") {
    return Refused("clientDataJSON: token binding is not supported");
  }
  // Steps 13-21: the attestation object and the authenticator data.
  const std::string client_data_hash = crypto::Sha256(client_data_json);
  ATRIUM_ASSIGN_OR_RETURN(Attestation att,
                          VerifyAttestationObject(attestation_object, client_data_hash,
                                                  expect.accept_unverified_attestation));
  const AuthenticatorData& a = att.auth_data;
  if (!crypto::ConstantTimeEquals(a.rp_id_hash, crypto::Sha256(expect.rp_id))) {
    return Refused("authenticator data: rpIdHash mismatch");
  }
  if ((a.flags & kFlagUP) == 0) {
    return Refused("authenticator data: user not present");
  }
  if (expect.require_user_verification && (a.flags & kFlagUV) == 0) {
    return Refused("authenticator data: user not verified");
  }
  if ((a.flags & kFlagBS) != 0 && (a.flags & kFlagBE) == 0) {
    return Refused("authenticator data: backed up but not backup eligible");
  }
  if (std::find(expect.algorithms.begin(), expect.algorithms.end(), a.key.alg) ==
      expect.algorithms.end()) {
    return Refused("authenticator data: the key's algorithm was not offered");
  }
  NewCredential c;
  c.id = a.credential_id;
  c.key = a.key;
  c.sign_count = a.sign_count;
  c.aaguid = a.aaguid;
  c.user_verified = (a.flags & kFlagUV) != 0;
  c.backup_eligible = (a.flags & kFlagBE) != 0;
  c.backup_state = (a.flags & kFlagBS) != 0;
  c.attestation_fmt = att.fmt;
  c.attestation_type = att.type;
  c.authenticator_data = a.raw;
  return c;
}

}  // namespace atrium::webauthn

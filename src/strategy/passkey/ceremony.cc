#include "strategy/passkey/ceremony.h"

#include <algorithm>
#include <chrono>

#include "base/random.h"
#include "base/strings.h"
#include "base/time.h"
#include "crypto/hash.h"
#include "flow/form.h"
#include "text/messages.h"
#include "webauthn/cose.h"

namespace atrium::strategy {
namespace {

constexpr std::size_t kChallengeBytes = 32;
const std::vector<int64_t> kAlgorithms = {webauthn::kES256, webauthn::kEdDSA, webauthn::kRS256};

// "https://host:port" and "host" of a base URL ("https://host:port/path/").
std::string OriginOf(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) {
    return url;
  }
  const auto path = url.find('/', scheme + 3);
  return path == std::string::npos ? url : url.substr(0, path);
}

std::string HostOf(const std::string& url) {
  std::string origin = OriginOf(url);
  const auto scheme = origin.find("://");
  if (scheme != std::string::npos) {
    origin = origin.substr(scheme + 3);
  }
  if (!origin.empty() && origin.front() == '[') {
    return origin.substr(0, origin.find(']') + 1);
  }
  return origin.substr(0, origin.find(':'));
}

std::string Script() {
  // The client side of §17.5 (Atrium's own). Both entry points turn the base64url fields of the
  // options into buffers, call navigator.credentials.create and write the credential, fields
  // base64url-encoded again, into the hidden input, then submit its form.
  return R"js((function () {
  'use strict';
  function decode(value) {
    var s = value.replace(/-/g, '+').replace(/_/g, '/');
    while (s.length % 4) { s += '='; }
    return Uint8Array.from(atob(s), function (c) { return c.charCodeAt(0); });
  }
  function encode(buffer) {
    var bytes = new Uint8Array(buffer);
    var s = '';
    for (var i = 0; i < bytes.length; i++) { s += String.fromCharCode(bytes[i]); }
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }
  function supported() {
    return !!(window.PublicKeyCredential && navigator.credentials && navigator.credentials.create);
  }
  function field(name) { return document.querySelector('[name="' + name + '"]'); }
  function firstValue(names) {
    for (var i = 0; i < names.length; i++) {
      var input = field(names[i]);
      if (input && input.value) { return input.value; }
    }
    return '';
  }
  function create(options, target) {
    var pk = options.publicKey;
    pk.challenge = decode(pk.challenge);
    pk.user.id = decode(pk.user.id);
    if (pk.excludeCredentials) {
      pk.excludeCredentials = pk.excludeCredentials.map(function (c) {
        return Object.assign({}, c, { id: decode(c.id) });
      });
    }
    return navigator.credentials.create(options).then(function (credential) {
      var response = credential.response;
      var transports = typeof response.getTransports === 'function' ? response.getTransports() : [];
      target.value = JSON.stringify({
        id: credential.id,
        rawId: encode(credential.rawId),
        type: credential.type,
        response: {
          attestationObject: encode(response.attestationObject),
          clientDataJSON: encode(response.clientDataJSON),
          transports: transports
        }
      });
      // submit(), not requestSubmit(): another method's required field (a password) must not
      // hold back this one (the server validates every submission).
      target.closest('form').submit();
    });
  }
  function fail(error) {
    if (window.console) { console.error('WebAuthn registration failed', error); }
    var event = new window.CustomEvent('atrium:webauthn-error', { detail: String(error) });
    document.dispatchEvent(event);
  }
  window.oryPasskeyRegistration = function () {
    if (!supported()) { fail('WebAuthn is not supported by this browser'); return; }
    var data = JSON.parse(field('passkey_create_data').value);
    var options = data.credentialOptions;
    var names = data.displayNameFieldNames || [data.displayNameFieldName];
    var name = firstValue(names);
    options.publicKey.user.name = name;
    options.publicKey.user.displayName = name;
    create(options, field('passkey_register')).catch(fail);
  };
  window.oryWebAuthnRegistration = function (options) {
    if (!supported()) { fail('WebAuthn is not supported by this browser'); return; }
    options = JSON.parse(JSON.stringify(options));
    var name = field('webauthn_register_displayname');
    var label = (name && name.value) || firstValue(['traits.email', 'traits.username']);
    if (!options.publicKey.user.name) { options.publicKey.user.name = label; }
    if (!options.publicKey.user.displayName) { options.publicKey.user.displayName = label; }
    create(options, field('webauthn_register')).catch(fail);
  };
  window.atriumWebAuthnSupported = supported;
})();
)js";
}

registration::Script MakeScript() {
  registration::Script s;
  s.path = "/.well-known/ory/webauthn.js";
  s.content_type = "text/javascript; charset=UTF-8";
  s.body = Script();
  return s;
}

std::string StringField(const Json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

CeremonyFailure ParseFailure(std::string reason) {
  return CeremonyFailure{CeremonyFailure::kParse, std::move(reason)};
}

}  // namespace

Ceremony::Ceremony(const config::Config& config, const config::WebAuthnOptions& options,
                   CeremonySpec spec, const Clock& clock)
    : config_(config), options_(options), spec_(std::move(spec)), clock_(clock) {}

std::string Ceremony::RpId() const {
  return options_.rp_id.empty() ? HostOf(config_.serve_public.base_url) : options_.rp_id;
}

std::vector<std::string> Ceremony::Origins() const {
  std::vector<std::string> out = options_.rp_origins;
  if (!options_.rp_origin.empty()) {
    out.push_back(options_.rp_origin);
  }
  if (out.empty()) {
    out.push_back(OriginOf(config_.serve_public.base_url));
  }
  return out;
}

Json Ceremony::Options(registration::Flow& flow) const {
  Json& ic = flow.internal_context;
  if (!ic.is_object()) {
    ic = Json::object();
  }
  const auto stored = ic.find(spec_.options_key);
  if (stored != ic.end() && stored->is_object() && ic.contains(spec_.session_key)) {
    return *stored;
  }
  const std::string challenge = RandomBytes(kChallengeBytes);
  const std::string user_id = spec_.alphanumeric_user_id ? RandomAlphanumeric(64) : RandomBytes(16);
  Json selection = Json::object();
  if (!options_.attachment.empty()) {
    selection["authenticatorAttachment"] = options_.attachment;
  }
  selection["requireResidentKey"] = options_.resident_key == "required";
  selection["residentKey"] = options_.resident_key;
  selection["userVerification"] = options_.user_verification;
  Json params = Json::array();
  for (const int64_t alg : kAlgorithms) {
    params.push_back({{"type", "public-key"}, {"alg", alg}});
  }
  const std::string rp_id = RpId();
  Json public_key = {
      {"rp",
       {{"name", options_.rp_display_name.empty() ? rp_id : options_.rp_display_name},
        {"id", rp_id}}},
      {"user", {{"name", ""}, {"displayName", ""}, {"id", Base64UrlEncode(user_id)}}},
      {"challenge", Base64UrlEncode(challenge)},
      {"pubKeyCredParams", std::move(params)},
      {"timeout", std::chrono::duration_cast<std::chrono::milliseconds>(options_.timeout).count()},
      {"authenticatorSelection", std::move(selection)},
      {"attestation", options_.attestation}};
  Json options = {{"publicKey", std::move(public_key)}};
  ic[spec_.session_key] = {{"challenge", Base64UrlEncode(challenge)},
                           {"user_id", Base64UrlEncode(user_id)},
                           {"user_verification", options_.user_verification}};
  ic[spec_.options_key] = options;
  return options;
}

std::optional<CeremonySession> Ceremony::Take(registration::Flow& flow) const {
  Json& ic = flow.internal_context;
  if (!ic.is_object()) {
    return std::nullopt;
  }
  const auto it = ic.find(spec_.session_key);
  std::optional<CeremonySession> out;
  if (it != ic.end() && it->is_object()) {
    auto challenge = Base64UrlDecode(StringField(*it, "challenge"));
    auto user_id = Base64UrlDecode(StringField(*it, "user_id"));
    if (challenge && user_id && challenge->size() >= 16 && !user_id->empty()) {
      out = CeremonySession{*std::move(challenge), *std::move(user_id)};
    }
  }
  ic.erase(spec_.session_key);
  ic.erase(spec_.options_key);
  return out;
}

std::variant<VerifiedCredential, CeremonyFailure> Ceremony::Verify(
    const CeremonySession& session, std::string_view response) const {
  JsonLimits limits;
  limits.max_bytes = 256 * 1024;
  limits.max_depth = 8;
  Json r;
  JsonError error;
  if (!ParseJson(response, limits, r, error)) {
    return ParseFailure(error.reason);
  }
  if (!r.is_object()) {
    return ParseFailure("the credential is not a JSON object");
  }
  if (StringField(r, "type") != "public-key") {
    return ParseFailure("the credential's type is not public-key");
  }
  const auto raw_id = Base64UrlDecode(StringField(r, "rawId"));
  const auto id = Base64UrlDecode(StringField(r, "id"));
  if (!raw_id || raw_id->empty() || !id || *id != *raw_id) {
    return ParseFailure("the credential's id and rawId are missing or differ");
  }
  const auto resp = r.find("response");
  if (resp == r.end() || !resp->is_object()) {
    return ParseFailure("the credential has no response");
  }
  const auto client_data = Base64UrlDecode(StringField(*resp, "clientDataJSON"));
  const auto attestation = Base64UrlDecode(StringField(*resp, "attestationObject"));
  if (!client_data || client_data->empty() || !attestation || attestation->empty()) {
    return ParseFailure("clientDataJSON or attestationObject is missing or not base64url");
  }
  VerifiedCredential out;
  if (const auto t = resp->find("transports"); t != resp->end() && t->is_array()) {
    for (const auto& transport : *t) {
      if (transport.is_string() && transport.get_ref<const std::string&>().size() <= 32 &&
          out.transports.size() < 8) {
        out.transports.push_back(transport.get<std::string>());
      }
    }
  }
  webauthn::Expectations expect;
  expect.challenge = session.challenge;
  expect.origins = Origins();
  expect.rp_id = RpId();
  expect.require_user_verification = options_.user_verification == "required";
  expect.algorithms = kAlgorithms;
  expect.accept_unverified_attestation = options_.attestation == "none";
  auto verified = webauthn::VerifyRegistration(*client_data, *attestation, expect);
  if (!verified.ok()) {
    return CeremonyFailure{CeremonyFailure::kVerify, verified.error().reason};
  }
  if (verified->id != *raw_id) {
    return CeremonyFailure{CeremonyFailure::kVerify,
                           "the credential id differs from the authenticator data's"};
  }
  out.credential = *std::move(verified);
  out.client_data = *client_data;
  out.attestation_object = *attestation;
  return out;
}

Json Ceremony::CredentialJson(const VerifiedCredential& v, std::string_view display_name,
                              bool passwordless) const {
  const webauthn::NewCredential& c = v.credential;
  return {{"id", Base64Encode(c.id)},
          {"public_key", Base64Encode(c.key.cbor)},
          {"attestation_type", c.attestation_type},
          {"authenticator",
           {{"aaguid", Base64Encode(c.aaguid)},
            {"sign_count", c.sign_count},
            {"clone_warning", false}}},
          {"display_name", display_name},
          {"added_at", FormatRfc3339(TruncateToMicros(clock_.Now()))},
          {"is_passwordless", passwordless},
          {"flags",
           {{"user_present", true},
            {"user_verified", c.user_verified},
            {"backup_eligible", c.backup_eligible},
            {"backup_state", c.backup_state}}},
          {"transport", v.transports},
          {"attestation",
           {{"client_dataJSON", Base64Encode(v.client_data)},
            {"client_data_hash", Base64Encode(crypto::Sha256(v.client_data))},
            {"authenticator_data", Base64Encode(c.authenticator_data)},
            {"public_key_algorithm", c.key.alg},
            {"object", Base64Encode(v.attestation_object)}}},
          {"attestation_format", c.attestation_fmt}};
}

std::string Ceremony::CredentialIdentifier(std::string_view raw_id) {
  return "webauthn-credential:" + Base64UrlEncode(raw_id);
}

ui::Node WebAuthnScriptNode(const config::Config& config) {
  ui::Node n;
  n.type = ui::NodeType::kScript;
  n.group = "webauthn";
  std::string src = config.serve_public.base_url;
  if (!src.empty() && src.back() == '/') {
    src.pop_back();
  }
  n.attributes = {{"src", src + WebAuthnScript().path},
                  {"async", true},
                  {"referrerpolicy", "no-referrer"},
                  {"crossorigin", "anonymous"},
                  {"integrity", WebAuthnScriptIntegrity()},
                  {"type", "text/javascript"},
                  {"id", "webauthn_script"},
                  {"nonce", NewUuid()},
                  {"node_type", "script"}};
  return n;
}

const registration::Script& WebAuthnScript() {
  static const registration::Script script = MakeScript();
  return script;
}

const std::string& WebAuthnScriptIntegrity() {
  static const std::string integrity =
      "sha512-" + Base64Encode(crypto::Sha512(WebAuthnScript().body));
  return integrity;
}

std::variant<registration::Outcome, AcceptedResponse> Ceremony::Accept(
    std::optional<CeremonySession> session, std::string_view response,
    const registration::SubmitContext& ctx, identity::IdentityStore& identities) const {
  if (!session) {
    return registration::Failed{
        Error::Internal("Expected WebAuthn session data to be present but it was not.")};
  }
  auto verified = Verify(*session, response);
  if (const auto* failure = std::get_if<CeremonyFailure>(&verified)) {
    const std::string prefix = failure->kind == CeremonyFailure::kParse
                                   ? "Unable to parse WebAuthn response: "
                                   : "Unable to create WebAuthn credential: ";
    return registration::FormErrors{
        {flow::FieldMessage{"", text::Generic(prefix + failure->reason)}}};
  }
  AcceptedResponse accepted{
      *std::move(session), std::get<VerifiedCredential>(std::move(verified)), {}, {}};
  auto registered = RefuseRegisteredCredential(identities, accepted.credential.credential.id);
  if (!registered.ok()) {
    return registration::Failed{std::move(registered).error()};
  }
  if (*registered) {
    return std::move(**registered);
  }
  accepted.identity.traits =
      ctx.decoded.contains("traits") ? ctx.decoded["traits"] : Json::object();
  accepted.validation = identity::ValidateTraits(ctx.schema, accepted.identity);
  if (!accepted.validation.ok()) {
    return registration::FormErrors{flow::ToFieldMessages(accepted.validation.errors)};
  }
  return accepted;
}

Result<std::optional<registration::Outcome>> RefuseRegisteredCredential(
    identity::IdentityStore& identities, std::string_view raw_id) {
  const std::string identifier = Ceremony::CredentialIdentifier(raw_id);
  for (const char* type : {"passkey", "webauthn"}) {
    ATRIUM_ASSIGN_OR_RETURN(const auto owner,
                            identities.FindByCredentialIdentifier(type, identifier));
    if (owner) {
      return std::optional<registration::Outcome>(
          registration::FormErrors{{flow::FieldMessage{"", text::DuplicateIdentifier()}}});
    }
  }
  return std::optional<registration::Outcome>();
}

}  // namespace atrium::strategy

#include "strategy/oidc/oidc.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>

#include "base/strings.h"
#include "base/time.h"
#include "crypto/hash.h"
#include "flow/errors.h"
#include "flow/form.h"
#include "flow/request.h"
#include "flow/return_to.h"
#include "identity/validator.h"
#include "jsonnet/jsonnet.h"
#include "text/messages.h"

namespace atrium::strategy {
namespace {

using registration::FormStep;
using registration::Outcome;

// Where a round trip in progress is kept in the flow's internal context.
constexpr const char* kContext = "oidc";
// Kratos keeps the continuity container for 30 minutes.
constexpr auto kRoundTripLifespan = std::chrono::minutes(30);
constexpr size_t kMaxMapperBytes = 64 << 10;

// The parameters a submission may pass on to the provider (Kratos' allow-list).
const std::vector<std::string>& UpstreamKeys() {
  static const std::vector<std::string> keys = {"login_hint", "hd", "prompt", "auth_type",
                                                "acr_values"};
  return keys;
}

Json BodyProperties() {
  Json upstream = {{"type", "object"}, {"properties", Json::object()}};
  for (const auto& k : UpstreamKeys()) {
    upstream["properties"][k] = {{"type", "string"}};
  }
  return {{"method", {{"type", "string"}}},           {"csrf_token", {{"type", "string"}}},
          {"provider", {{"type", "string"}}},         {"id_token", {{"type", "string"}}},
          {"id_token_nonce", {{"type", "string"}}},   {"upstream_parameters", upstream},
          {"transient_payload", {{"type", "object"}}}};
}

// The continuity cookie with `value` for `max_age` seconds (0: deleted).
SetCookie ContinuityCookie(const config::Config& config, std::string value, int64_t max_age) {
  SetCookie c;
  c.name = std::string(OidcStrategy::kContinuityCookie);
  c.value = std::move(value);
  c.path = config.cookies.path;
  c.domain = config.cookies.domain;
  c.max_age = max_age;
  c.http_only = true;
  c.secure = config.CookiesSecure();
  c.same_site = "Lax";  // sent along with the provider's top-level redirect back
  return c;
}

std::string Digest(std::string_view secret) { return HexEncode(crypto::Sha256(secret)); }

Error BadRequest(std::string reason) { return Error::InvalidArgument(std::move(reason)); }

Error StateInvalid() {
  return BadRequest(
      "Unable to complete OpenID Connect flow because the state parameter is invalid.");
}

std::string Param(const registration::CallbackRequest& c, std::string_view name) {
  for (const auto& [k, v] : c.params) {
    if (k == name) {
      return v;
    }
  }
  return "";
}

std::string CookieOf(const registration::CallbackRequest& c, std::string_view name) {
  for (const auto& [k, v] : c.cookies) {
    if (k == name) {
      return v;
    }
  }
  return "";
}

std::string AppendQuery(std::string url,
                        const std::vector<std::pair<std::string, std::string>>& params) {
  char sep = url.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [k, v] : params) {
    url += sep;
    url += QueryEscape(k) + "=" + QueryEscape(v);
    sep = '&';
  }
  return url;
}

// The submitted traits with the mapped ones on top (the provider's word wins for what it gave).
Json MergeTraits(const Json& submitted, const Json& mapped) {
  Json out = submitted.is_object() ? submitted : Json::object();
  for (const auto& [k, v] : mapped.items()) {
    out[k] = v;
  }
  return out;
}

ui::Node ProviderButton(const config::OidcProvider& p, text::Message label) {
  ui::Node n = ui::Node::Input("provider", "submit", "oidc");
  n.input.value = p.id;
  n.label = std::move(label);
  return n;
}

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return s;
}

std::string JoinSpaced(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) {
    out += (out.empty() ? "" : " ") + p;
  }
  return out;
}

std::string LabelOf(const config::OidcProvider& p) { return p.label.empty() ? p.id : p.label; }

Result<std::string> ReadFileBounded(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error::Internal("the mapper file cannot be read");
  }
  std::string out(kMaxMapperBytes + 1, '\0');
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  out.resize(static_cast<size_t>(in.gcount()));
  if (out.size() > kMaxMapperBytes) {
    return Error::Internal("the mapper is too large");
  }
  return out;
}

}  // namespace

OidcStrategy::OidcStrategy(OidcDeps deps) : d_(deps), body_schemas_(BodyProperties(), Json()) {}

bool OidcStrategy::Enabled() const { return d_.config.selfservice.methods.oidc_enabled; }

void OidcStrategy::Populate(registration::Flow& flow, const identity::IdentitySchema&,
                            FormStep) const {
  if (!Enabled()) {
    return;
  }
  flow.ui.RemoveGroup("oidc");
  for (const auto& p : d_.config.selfservice.methods.oidc_providers) {
    if (!p.organization_id.empty()) {
      continue;  // organization providers have no public button
    }
    flow.ui.nodes.push_back(ProviderButton(p, text::SignUpWith(LabelOf(p), p.id)));
  }
}

Outcome OidcStrategy::Register(registration::SubmitContext& ctx) const {
  std::string provider_id = flow::PeekField(ctx.body, "provider");
  if (provider_id.empty()) {
    provider_id = flow::QueryParam(ctx.request.url, "provider");
  }
  const std::string method = flow::PeekField(ctx.body, "method");
  if (provider_id.empty() || (!method.empty() && !EqualsIgnoreCase(method, "oidc"))) {
    return registration::NotResponsible{};
  }
  if (!Enabled()) {
    return registration::Failed{flow::MethodDisabled()};
  }
  // Decoded but not validated against the identity schema: the traits are usually incomplete
  // here, the provider fills them in.
  auto schema = body_schemas_.For(ctx.schema);
  if (!schema.ok()) {
    return registration::Failed{std::move(schema).error()};
  }
  ctx.decoded = (*schema)->Decode(ctx.body);
  ctx.flow.transient_payload = ctx.decoded.value("transient_payload", Json());
  if (auto s = flow::VerifyOrigin(ctx.request, ctx.flow.IsApi(), ctx.csrf,
                                  ctx.decoded.value("csrf_token", ""));
      !s.ok()) {
    return registration::Failed{std::move(s).error()};
  }
  const config::OidcProvider* p = d_.providers.Find(provider_id);
  if (p == nullptr) {
    return registration::Failed{Error::NotFound("OpenID Connect Provider \"" + provider_id +
                                                "\" is unknown or has not been configured")};
  }
  const Json traits = ctx.decoded.value("traits", Json::object());
  const std::string id_token = ctx.decoded.value("id_token", "");
  if (!id_token.empty()) {
    // Native SDKs (Apple, Google) signed the user in themselves and hand over the ID token.
    auto endpoints = d_.providers.EndpointsOf(*p);
    if (!endpoints.ok()) {
      return registration::Failed{std::move(endpoints).error()};
    }
    const std::string nonce = ctx.decoded.value("id_token_nonce", "");
    if (nonce.empty()) {
      return registration::Failed{
          BadRequest("No nonce was provided but is required by the provider")};
    }
    auto claims = d_.providers.VerifyIdToken(*p, *endpoints, id_token, nonce);
    if (!claims.ok()) {
      return registration::Failed{std::move(claims).error()};
    }
    return Finish(ctx, *p, oidc::ClaimsFromJson(*claims), traits);
  }
  return Start(ctx, *p, traits);
}

Outcome OidcStrategy::Start(registration::SubmitContext& ctx, const config::OidcProvider& p,
                            const Json& traits) const {
  auto endpoints = d_.providers.EndpointsOf(p);
  if (!endpoints.ok()) {
    return registration::Failed{std::move(endpoints).error()};
  }
  registration::Flow& flow = ctx.flow;
  const std::string secret = d_.ids.Alphanumeric(43);
  const std::string nonce = d_.ids.Alphanumeric(32);
  const bool pkce = p.pkce == "force" || (p.pkce == "auto" && endpoints->pkce_s256);
  const std::string verifier = pkce ? d_.ids.Alphanumeric(64) : std::string();
  const Timestamp now = d_.clock.Now();

  Json stored = {{"provider", p.id}, {"state", Digest(secret)},
                 {"nonce", nonce},   {"pkce_verifier", verifier},
                 {"traits", traits}, {"expires_at", FormatRfc3339(now + kRoundTripLifespan)}};
  flow::Redirect redirect;
  if (!flow.IsApi()) {
    // The round trip must end in the browser that started it.
    const std::string continuity = d_.ids.Alphanumeric(43);
    stored["continuity"] = Digest(continuity);
    redirect.cookies.push_back(ContinuityCookie(
        d_.config, continuity,
        std::chrono::duration_cast<std::chrono::seconds>(kRoundTripLifespan).count()));
  }
  flow.internal_context[kContext] = std::move(stored);
  flow.active = "oidc";
  if (auto st = d_.flows.UpdateFlow(flow); !st.ok()) {
    return registration::Failed{std::move(st).error()};
  }

  std::vector<std::pair<std::string, std::string>> q = {
      {"client_id", p.client_id},
      {"redirect_uri", d_.providers.RedirectUri(p)},
      {"response_type", "code"},
      {"scope", JoinSpaced(d_.providers.Scopes(p, *endpoints))},
      {"state", flow.id + "." + secret}};
  if (!endpoints->issuer.empty()) {
    q.emplace_back("nonce", nonce);
  }
  if (pkce) {
    q.emplace_back("code_challenge", Base64UrlEncode(crypto::Sha256(verifier)));
    q.emplace_back("code_challenge_method", "S256");
  }
  if (p.provider == "apple") {
    q.emplace_back("response_mode", "form_post");  // Apple posts back when names are asked for
  }
  if (!p.requested_claims.is_null()) {
    q.emplace_back("claims", DumpJson(p.requested_claims));
  }
  if (const auto up = ctx.decoded.find("upstream_parameters");
      up != ctx.decoded.end() && up->is_object()) {
    for (const auto& k : UpstreamKeys()) {
      if (const auto it = up->find(k); it != up->end() && it->is_string() && !it->empty()) {
        q.emplace_back(k, it->get<std::string>());
      }
    }
  }
  // As Kratos: Discord skips its consent screen where it can (unless the submission asks).
  if (p.provider == "discord" &&
      std::none_of(q.begin(), q.end(), [](const auto& kv) { return kv.first == "prompt"; })) {
    q.emplace_back("prompt", "none");
  }
  redirect.url = AppendQuery(endpoints->authorization, q);
  return redirect;
}

std::optional<std::string> OidcStrategy::FlowOfCallback(
    const registration::CallbackRequest& callback) const {
  const std::string state = Param(callback, "state");
  const size_t dot = state.find('.');
  if (dot == std::string::npos) {
    return std::nullopt;
  }
  return state.substr(0, dot);
}

Outcome OidcStrategy::Resume(registration::SubmitContext& ctx,
                             const registration::CallbackRequest& callback) const {
  registration::Flow& flow = ctx.flow;
  const std::string state = Param(callback, "state");
  const std::string secret = state.substr(state.find('.') + 1);
  const auto it = flow.internal_context.find(kContext);
  if (it == flow.internal_context.end() || !it->is_object() ||
      !crypto::ConstantTimeEquals(Digest(secret), it->value("state", ""))) {
    return registration::Failed{StateInvalid()};  // forged, replayed, or of another round trip
  }
  const Json stored = *it;
  // Single use: the state is gone before anything else happens.
  flow.internal_context.erase(kContext);
  if (auto st = d_.flows.UpdateFlow(flow); !st.ok()) {
    return registration::Failed{std::move(st).error()};
  }
  const auto expires = ParseRfc3339(stored.value("expires_at", ""));
  if (!expires || *expires < d_.clock.Now()) {
    return registration::Failed{StateInvalid()};
  }
  if (stored.value("provider", "") != callback.path) {
    return registration::Failed{
        BadRequest("Unable to complete OpenID Connect flow: provider mismatch between internal "
                   "state and URL.")};
  }
  if (!flow.IsApi()) {
    const std::string cookie = CookieOf(callback, kContinuityCookie);
    if (cookie.empty() ||
        !crypto::ConstantTimeEquals(Digest(cookie), stored.value("continuity", ""))) {
      return registration::Failed{
          BadRequest("Unable to complete OpenID Connect flow because the query state parameter "
                     "does not match the state parameter from the session cookie.")};
    }
    // The round trip is over (its state is consumed): the cookie is of no more use.
    ctx.cookies.push_back(ContinuityCookie(d_.config, "", 0));
  }
  if (const std::string error = Param(callback, "error"); !error.empty()) {
    return registration::Failed{BadRequest(
        "Unable to complete OpenID Connect flow because the OpenID Provider returned error \"" +
        error.substr(0, 64) + "\": " + Param(callback, "error_description").substr(0, 256))};
  }
  const std::string code = Param(callback, "code");
  if (code.empty()) {
    return registration::Failed{
        BadRequest("Unable to complete OpenID Connect flow because the OpenID Provider did not "
                   "return the code query parameter.")};
  }
  const config::OidcProvider* p = d_.providers.Find(callback.path);
  if (p == nullptr) {
    return registration::Failed{Error::NotFound("OpenID Connect Provider \"" + callback.path +
                                                "\" is unknown or has not been configured")};
  }
  auto endpoints = d_.providers.EndpointsOf(*p);
  if (!endpoints.ok()) {
    return registration::Failed{std::move(endpoints).error()};
  }
  // RFC 9207: a provider that names itself in the callback must be the one asked (mix-up).
  if (const std::string iss = Param(callback, "iss");
      !iss.empty() && !endpoints->issuer.empty() && !oidc::IssuerMatches(endpoints->issuer, iss)) {
    return registration::Failed{
        BadRequest("Unable to complete OpenID Connect flow because the callback names another "
                   "issuer.")};
  }
  auto tokens = d_.providers.ExchangeCode(*p, *endpoints, code, stored.value("pkce_verifier", ""));
  if (!tokens.ok()) {
    return registration::Failed{std::move(tokens).error()};
  }
  auto claims = d_.providers.ClaimsOf(*p, *endpoints, *tokens, stored.value("nonce", ""));
  if (!claims.ok()) {
    return registration::Failed{std::move(claims).error()};
  }
  ctx.flow.active = "oidc";
  return Finish(ctx, *p, *claims, stored.value("traits", Json::object()));
}

Result<Json> OidcStrategy::RunMapper(const config::OidcProvider& p,
                                     const oidc::Claims& claims) const {
  std::string code;
  const std::string& url = p.mapper_url;
  if (url.starts_with("file://")) {
    auto read = ReadFileBounded(url.substr(7));
    if (!read.ok()) {
      return std::move(read).error();
    }
    code = std::move(read).value();
  } else if (url.starts_with("base64://")) {
    auto decoded = Base64Decode(url.substr(9));
    if (!decoded) {
      decoded = Base64UrlDecode(url.substr(9));
    }
    if (!decoded) {
      return Error::Internal("the mapper_url is not valid base64");
    }
    code = std::move(*decoded);
  } else if (url.starts_with("http://") || url.starts_with("https://")) {
    httpclient::Request req;
    req.url = url;
    req.timeout = std::chrono::seconds(5);
    req.max_response_bytes = kMaxMapperBytes;
    auto res = d_.http.Do(req);
    if (!res.ok()) {
      return std::move(res).error();
    }
    if (res->status != 200) {
      return Error::BadGateway("the mapper could not be fetched");
    }
    code = std::move(res->body);
  } else {
    return Error::Internal("the mapper_url has an unsupported scheme");
  }
  jsonnet::Variables vars;
  vars.ext_code["claims"] = claims.claims;
  return jsonnet::EvaluateSnippet("oidc." + p.id + ".jsonnet", code, vars);
}

Outcome OidcStrategy::Finish(registration::SubmitContext& ctx, const config::OidcProvider& p,
                             const oidc::Claims& claims, const Json& submitted_traits) const {
  registration::Flow& flow = ctx.flow;
  if (claims.subject.empty() || claims.subject.size() > 255) {
    return registration::Failed{
        Error::BadGateway("The OpenID Connect provider gave no usable subject.")};
  }
  const std::string identifier = p.id + ":" + claims.subject;
  // A subject that is registered already signs in (docs/wire/registration.md §17.6).
  auto existing = d_.identities.FindByCredentialIdentifier("oidc", identifier);
  if (!existing.ok()) {
    return registration::Failed{std::move(existing).error()};
  }
  if (existing->has_value()) {
    return registration::SignIn{std::move(**existing)};
  }

  auto mapped = RunMapper(p, claims);
  if (!mapped.ok()) {
    // The mapper's message may quote claims: it goes nowhere but into this error.
    Error e = Error::Internal("The Jsonnet mapper of OpenID Connect provider \"" + p.id +
                              "\" failed: " + mapped.error().reason.substr(0, 512));
    return registration::Failed{std::move(e)};
  }
  const Json& result = *mapped;
  const Json* id =
      result.is_object() && result.contains("identity") ? &result["identity"] : nullptr;
  if (id == nullptr || !id->is_object() || !id->contains("traits") ||
      !(*id)["traits"].is_object()) {
    return registration::Failed{Error::Internal("The Jsonnet mapper of OpenID Connect provider \"" +
                                                p.id +
                                                "\" did not return an object at identity.traits.")};
  }
  identity::Identity identity;
  identity.traits = MergeTraits(submitted_traits, (*id)["traits"]);
  identity.metadata_public = id->value("metadata_public", Json());
  identity.metadata_admin = id->value("metadata_admin", Json());
  if (!p.organization_id.empty()) {
    identity.organization_id = p.organization_id;
  }
  const auto validation = identity::ValidateTraits(ctx.schema, identity);
  if (!validation.ok()) {
    // The missing-traits form: csrf and the trait inputs filled with what the provider gave,
    // their messages, and the provider's button to go round again.
    ctx.forms.Build(flow, ctx.schema, FormStep::kOneStep);
    std::erase_if(flow.ui.nodes, [](const ui::Node& n) { return n.group != "default"; });
    for (auto& n : flow.ui.nodes) {
      if (n.type == ui::NodeType::kInput && n.input.name.starts_with("traits.") &&
          n.input.type == "hidden") {
        n.input.type = "text";
      }
    }
    flow.ui.nodes.push_back(ProviderButton(p, text::RegistrationContinue()));
    ctx.decoded = {{"traits", identity.traits}};
    return registration::FormErrors{flow::ToFieldMessages(validation.errors)};
  }
  // Addresses the mapper vouches for are verified.
  const Timestamp now = TruncateToMicros(d_.clock.Now());
  if (const auto va = id->find("verified_addresses"); va != id->end() && va->is_array()) {
    for (const auto& v : *va) {
      if (!v.is_object()) {
        continue;
      }
      const std::string value = Lower(v.value("value", ""));
      const std::string via = v.value("via", "email");
      for (auto& a : identity.verifiable_addresses) {
        if (a.via == via && Lower(a.value) == value && !value.empty()) {
          a.verified = true;
          a.status = "completed";
          a.verified_at = now;
        }
      }
    }
  }
  identity::Credential credential;
  credential.type = "oidc";
  credential.identifiers = {identifier};
  credential.version = 0;
  credential.config = {{"providers", Json::array({{{"subject", claims.subject},
                                                   {"provider", p.id},
                                                   {"organization", p.organization_id}}})}};
  identity.credentials["oidc"] = std::move(credential);
  return registration::Created{std::move(identity)};
}

}  // namespace atrium::strategy

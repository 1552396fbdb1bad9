#include "strategy/oidc/provider.h"

#include <algorithm>

#include "base/strings.h"
#include "base/time.h"

namespace atrium::strategy::oidc {
namespace {

constexpr JsonLimits kProviderJson{.max_bytes = 256 << 10, .max_depth = 32};

std::string TrimSlash(std::string s) {
  while (!s.empty() && s.back() == '/') {
    s.pop_back();
  }
  return s;
}

// The issuer a provider kind uses when `issuer_url` is not configured; "" = plain OAuth2.
std::string DefaultIssuer(const config::OidcProvider& p) {
  if (!p.issuer_url.empty()) {
    return p.issuer_url;
  }
  if (p.provider == "google") {
    return "https://accounts.google.com";
  }
  if (p.provider == "microsoft") {
    return "https://login.microsoftonline.com/" +
           (p.microsoft_tenant.empty() ? std::string("common") : p.microsoft_tenant) + "/v2.0";
  }
  if (p.provider == "apple") {
    return "https://appleid.apple.com";
  }
  if (p.provider == "gitlab") {
    return "https://gitlab.com";
  }
  return "";
}

bool IsOAuth2Only(const config::OidcProvider& p) {
  return p.provider == "github" || p.provider == "github-app" || p.provider == "discord";
}

std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) {
      out += '&';
    }
    out += QueryEscape(k) + "=" + QueryEscape(v);
  }
  return out;
}

std::optional<std::string> StringMember(const Json& j, const char* key) {
  if (!j.is_object()) {
    return std::nullopt;
  }
  const auto it = j.find(key);
  if (it == j.end() || !it->is_string()) {
    return std::nullopt;
  }
  return it->get<std::string>();
}

Error Upstream(std::string reason) {
  Error e = Error::BadGateway(std::move(reason));
  return e;
}

Error TokenInvalid(std::string reason) {
  Error e = Error::InvalidArgument("The id_token is invalid: " + std::move(reason));
  e.code = ErrorCode::kForbidden;
  return e;
}

bool AudienceMatches(const Json& aud, const std::vector<std::string>& accepted) {
  const auto ok = [&](const Json& a) {
    return a.is_string() &&
           std::find(accepted.begin(), accepted.end(), a.get<std::string>()) != accepted.end();
  };
  if (aud.is_string()) {
    return ok(aud);
  }
  if (aud.is_array()) {
    return std::any_of(aud.begin(), aud.end(), ok);
  }
  return false;
}

}  // namespace

Claims ClaimsFromJson(const Json& raw) {
  Claims c;
  c.subject = StringMember(raw, "sub").value_or("");
  static const std::vector<const char*> kStandard = {
      "iss",        "sub",         "name",     "given_name",         "family_name",
      "last_name",  "middle_name", "nickname", "preferred_username", "profile",
      "picture",    "website",     "email",    "email_verified",     "gender",
      "birthdate",  "zoneinfo",    "locale",   "phone_number",       "phone_number_verified",
      "updated_at", "hd",          "team"};
  for (const char* k : kStandard) {
    if (const auto it = raw.find(k); it != raw.end()) {
      c.claims[k] = *it;
    }
  }
  c.claims["raw_claims"] = raw;
  return c;
}

Providers::Providers(const config::Config& config, httpclient::Client& http, const Clock& clock,
                     ProviderLimits limits)
    : config_(config), http_(http), clock_(clock), limits_(limits) {
  for (const auto& p : config_.selfservice.methods.oidc_providers) {
    guarded_[p.id] = std::make_unique<httpclient::GuardedClient>(
        http_,
        httpclient::BreakerOptions{"oidc:" + p.id, limits_.breaker_failures,
                                   limits_.breaker_cooldown},
        clock_);
  }
}

httpclient::Client& Providers::ClientOf(const config::OidcProvider& p) {
  const auto it = guarded_.find(p.id);
  return it == guarded_.end() ? http_ : *it->second;
}

const config::OidcProvider* Providers::Find(std::string_view id) const {
  for (const auto& p : config_.selfservice.methods.oidc_providers) {
    if (p.id == id) {
      return &p;
    }
  }
  return nullptr;
}

std::string Providers::RedirectUri(const config::OidcProvider& p) const {
  const std::string& base = config_.selfservice.methods.oidc_base_redirect_uri.empty()
                                ? config_.serve_public.base_url
                                : config_.selfservice.methods.oidc_base_redirect_uri;
  return TrimSlash(base) + "/self-service/methods/oidc/callback/" + p.id;
}

Result<Json> Providers::CallForJson(const config::OidcProvider& p, httpclient::Request req,
                                    std::string_view who) {
  req.headers.push_back({"Accept", "application/json"});
  req.timeout = limits_.timeout;
  req.max_response_bytes = limits_.max_response_bytes;
  auto res = ClientOf(p).Do(req);
  if (!res.ok()) {
    return std::move(res).error();
  }
  if (res->status != 200) {
    return Upstream("OpenID Connect provider returned a " + std::to_string(res->status) +
                    " status code but 200 is expected.");
  }
  auto json = ParseJson(res->body, kProviderJson);
  if (!json.ok() || !json->is_object()) {
    return Upstream(std::string(who) + " answered something that is not a JSON object.");
  }
  return std::move(json).value();
}

Result<Json> Providers::GetJson(const config::OidcProvider& p, const std::string& url,
                                const std::vector<httpclient::Header>& headers) {
  httpclient::Request req;
  req.url = url;
  req.headers = headers;
  return CallForJson(p, std::move(req), "The OpenID Connect provider " + httpclient::OriginOf(url));
}

Result<Endpoints> Providers::EndpointsOf(const config::OidcProvider& p) {
  const Timestamp now = clock_.Now();
  {
    const std::lock_guard lock(mu_);
    if (const auto it = endpoints_.find(p.id);
        it != endpoints_.end() && now - it->second.fetched < limits_.discovery_ttl) {
      return it->second.endpoints;
    }
  }
  Endpoints e;
  if (IsOAuth2Only(p)) {
    if (p.provider == "discord") {
      e.authorization = "https://discord.com/oauth2/authorize";
      e.token = "https://discord.com/api/oauth2/token";
      e.userinfo = "https://discord.com/api/users/@me";
    } else {
      e.authorization = "https://github.com/login/oauth/authorize";
      e.token = "https://github.com/login/oauth/access_token";
      e.userinfo = "https://api.github.com/user";
    }
    e.pkce_s256 = false;
  } else {
    const std::string issuer = DefaultIssuer(p);
    if (issuer.empty()) {
      return Error::Internal("The OpenID Connect provider \"" + p.id + "\" has no issuer_url.");
    }
    auto doc = GetJson(p, TrimSlash(issuer) + "/.well-known/openid-configuration", {});
    if (!doc.ok()) {
      return std::move(doc).error();
    }
    e.issuer = StringMember(*doc, "issuer").value_or("");
    e.authorization = StringMember(*doc, "authorization_endpoint").value_or("");
    e.token = StringMember(*doc, "token_endpoint").value_or("");
    e.userinfo = StringMember(*doc, "userinfo_endpoint").value_or("");
    e.jwks = StringMember(*doc, "jwks_uri").value_or("");
    // The discovered issuer must be the configured one (OpenID Connect Discovery 4.3); Microsoft's
    // multi-tenant documents carry a {tenantid} template instead.
    const bool templated =
        p.provider == "microsoft" && e.issuer.find("{tenantid}") != std::string::npos;
    if (TrimSlash(e.issuer) != TrimSlash(issuer) && !templated) {
      return Upstream("The OpenID Connect provider's discovery document names another issuer.");
    }
    if (e.authorization.empty() || e.token.empty() || e.jwks.empty()) {
      return Upstream("The OpenID Connect provider's discovery document lacks endpoints.");
    }
    if (const auto it = doc->find("code_challenge_methods_supported");
        it != doc->end() && it->is_array()) {
      e.pkce_s256 = std::find(it->begin(), it->end(), Json("S256")) != it->end();
    }
  }
  if (!p.auth_url.empty()) {
    e.authorization = p.auth_url;
  }
  if (!p.token_url.empty()) {
    e.token = p.token_url;
  }
  const std::lock_guard lock(mu_);
  endpoints_[p.id] = CachedEndpoints{e, now};
  return e;
}

std::vector<std::string> Providers::Scopes(const config::OidcProvider& p,
                                           const Endpoints& e) const {
  std::vector<std::string> out;
  if (!e.issuer.empty()) {
    out.emplace_back("openid");
  }
  for (const auto& s : p.scope) {
    if (std::find(out.begin(), out.end(), s) == out.end()) {
      out.push_back(s);
    }
  }
  return out;
}

std::string Providers::ClientSecret(const config::OidcProvider& p) const {
  if (p.provider != "apple" || p.apple_private_key.empty()) {
    return p.client_secret;
  }
  // Apple's client secret is a short-lived ES256 JWT signed with the team's key.
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch()).count();
  const Json claims = {{"iss", p.apple_team_id},
                       {"iat", now},
                       {"exp", now + 300},
                       {"aud", "https://appleid.apple.com"},
                       {"sub", p.client_id}};
  auto jwt = SignEs256(claims, p.apple_private_key, p.apple_private_key_id);
  return jwt.ok() ? *jwt : std::string();
}

Result<Json> Providers::ExchangeCode(const config::OidcProvider& p, const Endpoints& e,
                                     std::string_view code, std::string_view verifier) {
  std::vector<std::pair<std::string, std::string>> fields = {{"grant_type", "authorization_code"},
                                                             {"code", std::string(code)},
                                                             {"redirect_uri", RedirectUri(p)}};
  if (!verifier.empty()) {
    fields.emplace_back("code_verifier", std::string(verifier));
  }
  httpclient::Request req;
  req.method = "POST";
  req.url = e.token;
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  // client_secret_basic (RFC 6749 2.3.1: both parts form-encoded first).
  req.headers.push_back({"Authorization", "Basic " + Base64Encode(QueryEscape(p.client_id) + ":" +
                                                                  QueryEscape(ClientSecret(p)))});
  req.body = FormEncode(fields);
  return CallForJson(p, std::move(req), "The OpenID Connect provider's token endpoint");
}

Result<JwkSet> Providers::KeysOf(const config::OidcProvider& p, const Endpoints& e, bool refetch) {
  const Timestamp now = clock_.Now();
  {
    const std::lock_guard lock(mu_);
    if (const auto it = keys_.find(p.id); it != keys_.end()) {
      const auto age = now - it->second.fetched;
      const bool fresh = age < limits_.jwks_ttl;
      // An unknown key id fetches the set again, but not more often than the refetch interval,
      // so that tokens naming random key ids cannot turn Atrium into a load generator.
      if (fresh && (!refetch || age < limits_.jwks_refetch_interval)) {
        return it->second.keys;
      }
    }
  }
  auto doc = GetJson(p, e.jwks, {});
  if (!doc.ok()) {
    return std::move(doc).error();
  }
  auto set = ParseJwkSet(*doc);
  if (!set.ok()) {
    return Upstream("The OpenID Connect provider's key set is unusable: " + set.error().reason);
  }
  const std::lock_guard lock(mu_);
  keys_[p.id] = CachedKeys{*set, now};
  return std::move(set).value();
}

Result<Json> Providers::VerifyIdToken(const config::OidcProvider& p, const Endpoints& e,
                                      std::string_view token, std::string_view nonce) {
  auto jws = DecodeJws(token);
  if (!jws.ok()) {
    return TokenInvalid(jws.error().reason);
  }
  if (!AllowedAlgorithm(jws->Alg())) {
    return TokenInvalid("the signing algorithm is not accepted");
  }
  auto keys = KeysOf(p, e, false);
  if (!keys.ok()) {
    return std::move(keys).error();
  }
  std::vector<const Jwk*> candidates = CandidateKeys(*keys, *jws);
  if (candidates.empty()) {
    keys = KeysOf(p, e, true);  // the provider may have rotated its keys
    if (!keys.ok()) {
      return std::move(keys).error();
    }
    candidates = CandidateKeys(*keys, *jws);
  }
  if (candidates.empty()) {
    return TokenInvalid("it is signed with a key the provider does not publish");
  }
  bool verified = false;
  for (const Jwk* k : candidates) {
    if (VerifyJws(*jws, *k).ok()) {
      verified = true;
      break;
    }
  }
  if (!verified) {
    return TokenInvalid("the signature does not verify");
  }
  const Json& c = jws->payload;
  // 3.1.3.7 step 2: the issuer.
  std::string expected_issuer = e.issuer;
  if (p.provider == "microsoft") {
    const size_t at = expected_issuer.find("{tenantid}");
    if (at != std::string::npos) {
      expected_issuer.replace(at, 10, StringMember(c, "tid").value_or("-"));
    }
  }
  if (StringMember(c, "iss").value_or("") != expected_issuer) {
    return TokenInvalid("it was issued by another issuer");
  }
  // Steps 3-5: the audience, and azp when there are several.
  std::vector<std::string> accepted = {p.client_id};
  accepted.insert(accepted.end(), p.additional_id_token_audiences.begin(),
                  p.additional_id_token_audiences.end());
  const Json aud = c.contains("aud") ? c["aud"] : Json();
  if (!AudienceMatches(aud, accepted)) {
    return TokenInvalid("it is meant for another audience");
  }
  const auto azp = StringMember(c, "azp");
  if ((aud.is_array() && aud.size() > 1 && !azp) ||
      (azp && std::find(accepted.begin(), accepted.end(), *azp) == accepted.end())) {
    return TokenInvalid("its authorized party is another client");
  }
  // Steps 9-10: exp and iat, with some clock skew.
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch()).count();
  const int64_t skew = limits_.clock_skew.count();
  const auto exp = c.find("exp");
  if (exp == c.end() || !exp->is_number()) {
    return TokenInvalid("it has no expiry");
  }
  if (exp->get<double>() + static_cast<double>(skew) < static_cast<double>(now)) {
    return TokenInvalid("it has expired");
  }
  if (const auto iat = c.find("iat"); iat != c.end()) {
    if (!iat->is_number() || iat->get<double>() > static_cast<double>(now + skew)) {
      return TokenInvalid("it was issued in the future");
    }
  } else {
    return TokenInvalid("it has no issue time");
  }
  if (const auto nbf = c.find("nbf");
      nbf != c.end() &&
      (!nbf->is_number() || nbf->get<double>() > static_cast<double>(now + skew))) {
    return TokenInvalid("it is not valid yet");
  }
  // Step 11: the nonce of this sign-up.
  if (!nonce.empty()) {
    const auto got = StringMember(c, "nonce");
    if (!got) {
      return TokenInvalid("it carries no nonce");
    }
    if (*got != nonce) {
      return TokenInvalid("its nonce does not match");
    }
  }
  const auto sub = StringMember(c, "sub");
  if (!sub || sub->empty() || sub->size() > 255) {
    return TokenInvalid("its subject is missing or too long");
  }
  return c;
}

Result<Json> Providers::UserInfo(const config::OidcProvider& p, const Endpoints& e,
                                 const std::string& access_token) {
  if (e.userinfo.empty()) {
    return Upstream("The OpenID Connect provider has no userinfo endpoint.");
  }
  return GetJson(p, e.userinfo, {{"Authorization", "Bearer " + access_token}});
}

Result<Claims> Providers::GithubClaims(const config::OidcProvider& p,
                                       const std::string& access_token) {
  const std::vector<httpclient::Header> auth = {{"Authorization", "Bearer " + access_token}};
  auto user = GetJson(p, "https://api.github.com/user", auth);
  if (!user.ok()) {
    return std::move(user).error();
  }
  Json raw = *user;
  if (const auto id = raw.find("id"); id != raw.end() && id->is_number_integer()) {
    raw["sub"] = std::to_string(id->get<int64_t>());
  }
  raw["name"] = raw.value("name", Json());
  raw["nickname"] = raw.value("login", Json());
  raw["picture"] = raw.value("avatar_url", Json());
  // The primary, verified address from the e-mail API (the profile's may be absent or unverified).
  httpclient::Request req;
  req.url = "https://api.github.com/user/emails";
  req.headers = auth;
  req.headers.push_back({"Accept", "application/json"});
  req.timeout = limits_.timeout;
  req.max_response_bytes = limits_.max_response_bytes;
  if (auto res = ClientOf(p).Do(req); res.ok() && res->status == 200) {
    if (auto list = ParseJson(res->body, kProviderJson); list.ok() && list->is_array()) {
      for (const auto& m : *list) {
        if (m.is_object() && m.value("primary", false) && m.value("verified", false)) {
          raw["email"] = m.value("email", "");
          raw["email_verified"] = true;
        }
      }
    }
  }
  return ClaimsFromJson(raw);
}

Result<Claims> Providers::ClaimsOf(const config::OidcProvider& p, const Endpoints& e,
                                   const Json& tokens, std::string_view nonce) {
  const std::string access = StringMember(tokens, "access_token").value_or("");
  if (p.provider == "github" || p.provider == "github-app") {
    return GithubClaims(p, access);
  }
  if (e.issuer.empty()) {  // discord: the user API
    auto user = UserInfo(p, e, access);
    if (!user.ok()) {
      return std::move(user).error();
    }
    Json raw = *user;
    raw["sub"] = raw.value("id", "");
    raw["email_verified"] = raw.value("verified", false);
    return ClaimsFromJson(raw);
  }
  const auto id_token = StringMember(tokens, "id_token");
  if (!id_token) {
    return Error::InvalidArgument(
        "Authentication failed because no id_token was returned. Please accept the \"openid\" "
        "permission and try again.");
  }
  auto claims = VerifyIdToken(p, e, *id_token, nonce);
  if (!claims.ok()) {
    return std::move(claims).error();
  }
  if (p.claims_source == "userinfo") {
    auto info = UserInfo(p, e, access);
    if (!info.ok()) {
      return std::move(info).error();
    }
    // OpenID Connect Core 5.3.2: userinfo must be about the subject of the ID token.
    if (StringMember(*info, "sub").value_or("") != (*claims)["sub"].get<std::string>()) {
      return Upstream("The OpenID Connect provider's userinfo names another subject.");
    }
    return ClaimsFromJson(*info);
  }
  return ClaimsFromJson(*claims);
}

}  // namespace atrium::strategy::oidc

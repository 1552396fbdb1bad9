#include "strategy/oidc/provider.h"

#include <algorithm>
#include <cstdlib>

#include "base/random.h"
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

// The scopes a token response says were granted ("scope", split at `sep`).
std::vector<std::string> GrantedScopes(const Json& tokens, char sep) {
  std::vector<std::string> out;
  const std::string scope = StringMember(tokens, "scope").value_or("");
  for (std::string_view s : Split(scope, sep)) {
    if (!s.empty()) {
      out.emplace_back(s);
    }
  }
  return out;
}

bool AllGranted(const config::OidcProvider& p, const std::vector<std::string>& granted) {
  return std::all_of(p.scope.begin(), p.scope.end(), [&](const std::string& s) {
    return std::find(granted.begin(), granted.end(), s) != granted.end();
  });
}

Error ScopeMissing() {
  return Error::InvalidArgument(
      "Unable to finish because one or more permissions were not granted. Please retry and "
      "accept all permissions.");
}

// Discord's avatar URL for a user: the uploaded one (animated ones are GIFs), else the default
// avatar the user's id or discriminator picks.
std::string DiscordAvatar(const std::string& id, const std::string& avatar,
                          const std::string& discriminator) {
  const std::string cdn = "https://cdn.discordapp.com/";
  if (!avatar.empty()) {
    return cdn + "avatars/" + id + "/" + avatar + (avatar.starts_with("a_") ? ".gif" : ".png");
  }
  uint64_t index = 0;
  if (discriminator.empty() || discriminator == "0") {
    index = (std::strtoull(id.c_str(), nullptr, 10) >> 22U) % 6;
  } else {
    index = std::strtoull(discriminator.c_str(), nullptr, 10) % 5;
  }
  return cdn + "embed/avatars/" + std::to_string(index) + ".png";
}

}  // namespace

bool IssuerMatches(std::string_view issuer, std::string_view iss) {
  constexpr std::string_view kTemplate = "{tenantid}";
  const size_t at = issuer.find(kTemplate);
  if (at == std::string_view::npos) {
    return iss == issuer;
  }
  const std::string_view head = issuer.substr(0, at);
  const std::string_view tail = issuer.substr(at + kTemplate.size());
  return iss.size() == head.size() + 36 + tail.size() && iss.starts_with(head) &&
         iss.ends_with(tail) && IsUuid(iss.substr(head.size(), 36));
}

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
  auto json = CallForJsonValue(p, std::move(req), who);
  if (json.ok() && !json->is_object()) {
    return Upstream(std::string(who) + " answered something that is not a JSON object.");
  }
  return json;
}

Result<Json> Providers::CallForJsonValue(const config::OidcProvider& p, httpclient::Request req,
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
  if (!json.ok()) {
    return Upstream(std::string(who) + " answered something that is not JSON.");
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
    const auto& apis = config_.selfservice.methods.oidc_api_urls;
    const auto api = apis.find(p.id);
    if (p.provider == "discord") {
      e.authorization = "https://discord.com/oauth2/authorize";
      e.token = "https://discord.com/api/oauth2/token";
      e.api = api == apis.end() ? "https://discord.com/api" : TrimSlash(api->second);
      e.userinfo = e.api + "/users/@me";
    } else {
      e.authorization = "https://github.com/login/oauth/authorize";
      e.token = "https://github.com/login/oauth/access_token";
      e.api = api == apis.end() ? "https://api.github.com" : TrimSlash(api->second);
      e.userinfo = e.api + "/user";
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
  if (p.provider == "apple") {
    // Apple takes its client secret JWT in the body (Kratos: oauth2.AuthStyleInParams).
    fields.emplace_back("client_id", p.client_id);
    fields.emplace_back("client_secret", ClientSecret(p));
  } else {
    // client_secret_basic (RFC 6749 2.3.1: both parts form-encoded first).
    req.headers.push_back({"Authorization", "Basic " + Base64Encode(QueryEscape(p.client_id) + ":" +
                                                                    QueryEscape(ClientSecret(p)))});
  }
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
    // As Kratos: Microsoft's tokens name their tenant, a UUID (so it cannot reshape the issuer).
    const std::string tid = StringMember(c, "tid").value_or("");
    if (!IsUuid(tid)) {
      return TokenInvalid("its tid claim is not a tenant id (a UUID)");
    }
    const size_t at = expected_issuer.find("{tenantid}");
    if (at != std::string::npos) {
      expected_issuer.replace(at, 10, tid);
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

Result<Claims> Providers::GithubClaims(const config::OidcProvider& p, const Endpoints& e,
                                       const Json& tokens) {
  // GitHub lists the granted scopes separated by commas.
  const std::vector<std::string> granted = GrantedScopes(tokens, ',');
  if (!AllGranted(p, granted)) {
    return ScopeMissing();
  }
  const std::vector<httpclient::Header> auth = {
      {"Authorization", "Bearer " + StringMember(tokens, "access_token").value_or("")}};
  auto user = GetJson(p, e.userinfo, auth);
  if (!user.ok()) {
    return std::move(user).error();
  }
  const Json& u = *user;
  const auto id = u.find("id");
  if (id == u.end() || !id->is_number_integer()) {
    return Upstream("GitHub's user API answered no user id.");
  }
  Json raw = {{"sub", std::to_string(id->get<int64_t>())},
              {"iss", "https://github.com/login/oauth/access_token"}};
  const auto copy = [&](const char* from, const char* to) {
    if (const auto v = StringMember(u, from); v && !v->empty()) {
      raw[to] = *v;
    }
  };
  copy("name", "name");
  copy("login", "nickname");
  copy("blog", "website");
  copy("avatar_url", "picture");
  copy("html_url", "profile");
  if (const auto at = ParseRfc3339(StringMember(u, "updated_at").value_or(""))) {
    raw["updated_at"] =
        std::chrono::duration_cast<std::chrono::seconds>(at->time_since_epoch()).count();
  }
  // The profile's address may be absent or unverified: with the user:email scope the address
  // is the primary one of the e-mail API, verified as GitHub says (Kratos' rule).
  if (std::find(granted.begin(), granted.end(), "user:email") != granted.end()) {
    httpclient::Request req;
    req.url = e.api + "/user/emails";
    req.headers = auth;
    auto list = CallForJsonValue(p, std::move(req), "GitHub's e-mail API");
    if (!list.ok()) {
      return std::move(list).error();
    }
    if (!list->is_array()) {
      return Upstream("GitHub's e-mail API answered something that is not a list.");
    }
    for (const auto& m : *list) {
      if (m.is_object() && m.value("primary", Json(false)) == Json(true)) {
        raw["email"] = StringMember(m, "email").value_or("");
        raw["email_verified"] = m.value("verified", Json(false)) == Json(true);
        break;
      }
    }
  }
  return ClaimsFromJson(raw);
}

Result<Claims> Providers::DiscordClaims(const config::OidcProvider& p, const Endpoints& e,
                                        const Json& tokens) {
  if (!AllGranted(p, GrantedScopes(tokens, ' '))) {
    return ScopeMissing();
  }
  auto user = UserInfo(p, e, StringMember(tokens, "access_token").value_or(""));
  if (!user.ok()) {
    return std::move(user).error();
  }
  const Json& u = *user;
  const std::string id = StringMember(u, "id").value_or("");
  if (id.empty()) {
    return Upstream("Discord's user API answered no user id.");
  }
  const std::string username = StringMember(u, "username").value_or("");
  const std::string discriminator = StringMember(u, "discriminator").value_or("");
  Json raw = {{"sub", id},
              {"iss", "https://discord.com/api/oauth2/"},
              {"name", username + "#" + discriminator},
              {"nickname", username},
              {"preferred_username", username},
              {"picture", DiscordAvatar(id, StringMember(u, "avatar").value_or(""), discriminator)},
              {"email_verified", u.value("verified", Json(false)) == Json(true)}};
  if (const auto email = StringMember(u, "email"); email && !email->empty()) {
    raw["email"] = *email;
  }
  if (const auto locale = StringMember(u, "locale"); locale && !locale->empty()) {
    raw["locale"] = *locale;
  }
  return ClaimsFromJson(raw);
}

Result<Claims> Providers::ClaimsOf(const config::OidcProvider& p, const Endpoints& e,
                                   const Json& tokens, std::string_view nonce) {
  const std::string access = StringMember(tokens, "access_token").value_or("");
  if (p.provider == "github" || p.provider == "github-app") {
    return GithubClaims(p, e, tokens);
  }
  if (p.provider == "discord") {
    return DiscordClaims(p, e, tokens);
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

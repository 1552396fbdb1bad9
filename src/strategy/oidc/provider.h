#pragma once
// The identity providers of the oidc method: where their endpoints are (OpenID Connect discovery
// from `issuer_url`, or the fixed endpoints of a provider kind), the code exchange, ID token
// validation (OpenID Connect Core 3.1.3.7) against the provider's JWK set, and userinfo. Every
// call goes through the one HTTP client with a time budget; everything a provider answers is
// bounded and parsed by the bounded JSON parser.

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/json.h"
#include "base/result.h"
#include "config/config.h"
#include "httpclient/breaker.h"
#include "httpclient/client.h"
#include "strategy/oidc/jose.h"

namespace atrium::strategy::oidc {

struct Endpoints {
  std::string issuer;  // "" for plain OAuth2 providers (github, discord): no ID token
  std::string authorization;
  std::string token;
  std::string userinfo;
  std::string jwks;
  // The user API of plain OAuth2 providers ("https://api.github.com", "https://discord.com/api";
  // atrium.oidc.api_urls overrides it).
  std::string api;
  bool pkce_s256 = false;  // discovery lists S256
};

// What a provider said about the user, ready for the mapper (Kratos' claims: `sub`, the
// standard claims and `raw_claims`).
struct Claims {
  std::string subject;
  Json claims = Json::object();
};

// Budgets and limits of the calls to providers.
struct ProviderLimits {
  std::chrono::milliseconds timeout{5000};
  size_t max_response_bytes = 256 << 10;
  std::chrono::seconds clock_skew{60};
  std::chrono::seconds discovery_ttl{3600};
  std::chrono::seconds jwks_ttl{3600};
  // A token naming an unknown key makes Atrium fetch the key set again, at most this often.
  std::chrono::seconds jwks_refetch_interval{1};
  // One circuit breaker per provider: after this many failures in a row (transport errors, 5xx,
  // 429) calls to it fail at once for the cool-down.
  int breaker_failures = 3;
  std::chrono::seconds breaker_cooldown{30};
};

class Providers {
 public:
  // `config` and `http` must outlive this object.
  Providers(const config::Config& config, httpclient::Client& http, const Clock& clock,
            ProviderLimits limits = {});

  // The configured provider with this id, or null.
  const config::OidcProvider* Find(std::string_view id) const;
  // Where the callback of `p` is ("<base>/self-service/methods/oidc/callback/<id>").
  std::string RedirectUri(const config::OidcProvider& p) const;
  // The endpoints of `p`: discovered (cached) or fixed. BadGateway/GatewayTimeout/Unavailable when
  // the provider cannot be asked.
  Result<Endpoints> EndpointsOf(const config::OidcProvider& p);
  // The scopes asked for: the configured ones, "openid" first for OpenID Connect providers.
  std::vector<std::string> Scopes(const config::OidcProvider& p, const Endpoints& e) const;

  // Trades an authorization code for tokens (the token endpoint's JSON object).
  Result<Json> ExchangeCode(const config::OidcProvider& p, const Endpoints& e,
                            std::string_view code, std::string_view verifier);
  // Validates an ID token of `p` (OpenID Connect Core 3.1.3.7): signature with an allowed
  // algorithm and a key of the provider's set (an unknown key id refetches the set once), `iss`,
  // `aud` (client_id or an additional audience), `azp`, `exp`/`iat` with clock skew, `nonce` when
  // `nonce` is not empty, a non-empty `sub`. The claims, or Forbidden-like InvalidArgument.
  Result<Json> VerifyIdToken(const config::OidcProvider& p, const Endpoints& e,
                             std::string_view token, std::string_view nonce);
  // The claims of a finished exchange: from the ID token (or userinfo, per claims_source; the
  // provider's API for plain OAuth2 providers).
  Result<Claims> ClaimsOf(const config::OidcProvider& p, const Endpoints& e, const Json& tokens,
                          std::string_view nonce);

 private:
  // The client for calls to `p`: through its breaker when `p` is configured.
  httpclient::Client& ClientOf(const config::OidcProvider& p);
  // One call with the provider's budget and answer limit: a 200 whose body is a JSON object
  // (bounded parse), else an upstream error naming `who`.
  Result<Json> CallForJson(const config::OidcProvider& p, httpclient::Request req,
                           std::string_view who);
  // The same for any JSON value (GitHub's e-mail list is an array).
  Result<Json> CallForJsonValue(const config::OidcProvider& p, httpclient::Request req,
                                std::string_view who);
  Result<Json> GetJson(const config::OidcProvider& p, const std::string& url,
                       const std::vector<httpclient::Header>& headers);
  Result<JwkSet> KeysOf(const config::OidcProvider& p, const Endpoints& e, bool refetch);
  Result<Json> UserInfo(const config::OidcProvider& p, const Endpoints& e,
                        const std::string& access_token);
  // GitHub's and Discord's user APIs mapped to claims as Kratos maps them (the granted scopes
  // must hold every configured one).
  Result<Claims> GithubClaims(const config::OidcProvider& p, const Endpoints& e,
                              const Json& tokens);
  Result<Claims> DiscordClaims(const config::OidcProvider& p, const Endpoints& e,
                               const Json& tokens);
  std::string ClientSecret(const config::OidcProvider& p) const;

  struct CachedEndpoints {
    Endpoints endpoints;
    Timestamp fetched;
  };
  struct CachedKeys {
    JwkSet keys;
    Timestamp fetched;
  };

  const config::Config& config_;
  httpclient::Client& http_;
  const Clock& clock_;
  ProviderLimits limits_;
  // By provider id, made at construction from the configuration (so never changed after).
  std::map<std::string, std::unique_ptr<httpclient::GuardedClient>> guarded_;
  std::mutex mu_;
  std::map<std::string, CachedEndpoints> endpoints_;  // by provider id: bounded by the config
  std::map<std::string, CachedKeys> keys_;            // by provider id
};

// Whether `iss` is `issuer`, or, for Microsoft's multi-tenant template (".../{tenantid}/v2.0"),
// the template with a tenant id (a UUID) in its place.
bool IssuerMatches(std::string_view issuer, std::string_view iss);

// Kratos' claims object from the claims of an ID token or userinfo: the standard claims at the
// top and everything in `raw_claims`.
Claims ClaimsFromJson(const Json& raw);

}  // namespace atrium::strategy::oidc

#pragma once
// The immutable, typed configuration. Loaded from Kratos' kratos.yml format plus environment
// overrides (config/loader.h); every field has the Kratos default unless noted.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/json.h"
#include "config/courier.h"

namespace atrium::config {

// One PEM source of serve.<side>.tls.{cert,key}: a file or inline base64 (never both).
struct TlsSource {
  std::string path;
  std::string base64;
  bool Set() const { return !path.empty() || !base64.empty(); }
};

// serve.<side>.tls: with a certificate and a key the listener speaks HTTPS only. The loader
// refuses one without the other.
struct ServeTls {
  TlsSource cert;
  TlsSource key;
  bool Enabled() const { return cert.Set() && key.Set(); }
};

// atrium.limits: what the HTTP server may hold at once and how long a client may take.
struct Limits {
  int max_connections = 4096;
  int max_connections_per_ip = 128;
  Duration idle_timeout = std::chrono::seconds(30);     // keep-alive idle between requests
  Duration request_timeout = std::chrono::seconds(30);  // reading one request, in total
  int queue_capacity = 1024;                            // waiting jobs per handler pool
};

struct ServeEndpoint {
  std::string base_url;  // always ends with '/' after loading
  // base_url exactly as configured (Kratos names the CSRF cookie after this string).
  std::string configured_base_url;
  std::string host;  // bind address; "" = all interfaces (dev: 127.0.0.1)
  uint16_t port = 0;
  ServeTls tls;
};

struct IdentitySchemaRef {
  std::string id;
  std::string url;  // file://, base64://, http(s)://
  bool selfservice_selectable = false;
};

// One entry of a hooks list: {hook: session} or {hook: web_hook, config: {...}}.
struct Hook {
  std::string hook;
  Json config;  // null when absent
};

struct AfterMethod {
  std::string default_browser_return_url;  // "" = unset
  std::vector<Hook> hooks;
};

struct RegistrationFlow {
  bool enabled = true;
  std::string ui_url = "https://www.ory.com/kratos/docs/fallback/registration";
  Duration lifespan = std::chrono::hours(1);
  bool login_hints = false;
  std::string style = "profile_first";  // or "unified"
  bool enable_legacy_one_step = false;
  std::vector<Hook> before_hooks;
  std::string after_default_browser_return_url;
  std::vector<Hook> after_hooks;
  std::map<std::string, AfterMethod> after_methods;  // password, webauthn, passkey, oidc, code

  bool OneStep() const { return enable_legacy_one_step || style == "unified"; }
};

struct LoginFlow {
  std::string ui_url = "https://www.ory.com/kratos/docs/fallback/login";
  Duration lifespan = std::chrono::hours(1);
  std::string style = "unified";  // or "identifier_first"
  std::vector<Hook> before_hooks;
  std::string after_default_browser_return_url;
  std::vector<Hook> after_hooks;
  std::map<std::string, AfterMethod> after_methods;  // password, oidc, code, webauthn, passkey
};

struct LogoutFlow {
  std::string after_default_browser_return_url;  // "" = selfservice.default_browser_return_url
};

// Atrium: brute-force resistance of sign-ins (Kratos has none).
struct LoginThrottling {
  bool enabled = true;
  int max_failures_per_identifier = 5;  // within `window`, then locked for `lockout`
  int max_failures_per_address = 100;   // per client address within `window`
  Duration window = std::chrono::minutes(15);
  Duration lockout = std::chrono::minutes(1);  // doubles with each further failure, up to max
  Duration max_lockout = std::chrono::hours(1);
};

struct VerificationFlow {
  bool enabled = false;
  std::string ui_url = "https://www.ory.com/kratos/docs/fallback/verification";
  Duration lifespan = std::chrono::hours(1);
  std::string use = "code";
  std::string after_default_browser_return_url;  // "" = selfservice.default_browser_return_url
};

struct PasswordMethod {
  bool enabled = true;
  int min_password_length = 8;
  bool identifier_similarity_check_enabled = true;
  bool haveibeenpwned_enabled = true;
  std::string haveibeenpwned_host = "api.pwnedpasswords.com";  // may carry an http(s):// scheme
  int max_breaches = 0;
  bool ignore_network_errors = true;
  std::string password_profile_registration_node_group = "default";
};

struct CodeMethod {
  bool enabled = true;
  bool passwordless_enabled = false;
  // Kratos: 1h. Atrium: 10 minutes, the most OWASP ASVS 5.0 (6.5.5) allows for out-of-band codes.
  Duration lifespan = std::chrono::minutes(10);
  int max_submissions = 5;
};

// Kratos' legacy `link` method: verification by a link with a token (use: link).
struct LinkMethod {
  bool enabled = true;
  Duration lifespan = std::chrono::hours(1);
  std::string base_url;  // "" = serve.public.base_url; always ends with '/' after loading
};

// Atrium: how many one-time codes (registration, verification, sign-in) may be sent within
// `window` to one address (over all flows) and for one flow; beyond that, 429.
struct CodeSendLimits {
  int per_address = 5;
  int per_flow = 5;
  Duration window = std::chrono::hours(1);
};

// The relying party and WebAuthn options of the passkey and webauthn methods
// (selfservice.methods.{passkey,webauthn}.config; docs/wire/registration.md §17.4, §17.5).
struct WebAuthnOptions {
  std::string rp_id;  // "" = the host of the public base URL
  std::string rp_display_name;
  std::vector<std::string> rp_origins;  // exact origins; empty = the public base URL's origin
  std::string rp_origin;                // webauthn's older single origin, added to rp_origins
  std::string attachment;               // "", "platform", "cross-platform"
  std::string resident_key;             // "discouraged", "preferred", "required"
  std::string user_verification;        // "discouraged", "preferred", "required"
  std::string attestation = "none";     // "none", "indirect", "direct", "enterprise"
  Duration timeout = std::chrono::minutes(5);
};

inline WebAuthnOptions WebAuthnDefaults(std::string resident_key, std::string user_verification) {
  WebAuthnOptions o;
  o.resident_key = std::move(resident_key);
  o.user_verification = std::move(user_verification);
  return o;
}

// One social sign-in provider (selfservice.methods.oidc.config.providers[], Kratos' keys).
struct OidcProvider {
  std::string id;        // in URLs and credential identifiers: "<id>:<subject>"
  std::string provider;  // generic, google, github, microsoft, apple, gitlab, discord, auth0, ...
  std::string client_id;
  std::string client_secret;  // never logged
  std::string issuer_url;
  std::string auth_url;
  std::string token_url;
  std::string mapper_url;  // file://, base64:// or http(s)://
  std::vector<std::string> scope;
  std::string microsoft_tenant;
  std::string apple_team_id;
  std::string apple_private_key_id;
  std::string apple_private_key;  // PEM; never logged
  Json requested_claims;          // null when unset
  std::string label;
  std::string organization_id;  // providers of an organization get no button
  std::vector<std::string> additional_id_token_audiences;
  std::string claims_source = "id_token";  // or "userinfo"
  std::string pkce = "auto";               // auto, force, never
};

struct Methods {
  PasswordMethod password;
  CodeMethod code;
  LinkMethod link;
  bool profile_enabled = true;
  bool oidc_enabled = false;
  std::vector<OidcProvider> oidc_providers;
  std::string oidc_base_redirect_uri;  // "" = serve.public.base_url
  // atrium.oidc.api_urls (Atrium only): provider id -> base URL of the user API of a github or
  // discord provider ("https://api.github.com", "https://discord.com/api" when unset).
  std::map<std::string, std::string> oidc_api_urls;
  bool webauthn_enabled = false;
  bool webauthn_passwordless = false;
  bool passkey_enabled = false;
  WebAuthnOptions passkey = WebAuthnDefaults("required", "preferred");
  WebAuthnOptions webauthn = WebAuthnDefaults("discouraged", "discouraged");
};

struct SelfService {
  std::string default_browser_return_url;  // required (dev default: the built-in welcome page)
  std::vector<std::string> allowed_return_urls;
  RegistrationFlow registration;
  LoginFlow login;
  LogoutFlow logout;
  VerificationFlow verification;
  std::string error_ui_url = "https://www.ory.com/kratos/docs/fallback/error";
  Methods methods;
};

struct Argon2 {
  uint32_t memory_kib = 19 * 1024;  // OWASP: m=19 MiB, t=2, p=1
  uint32_t iterations = 2;
  uint32_t parallelism = 1;
  uint32_t salt_length = 16;
  uint32_t key_length = 32;
};

struct Hashers {
  std::string algorithm = "argon2";  // Atrium default (Kratos: bcrypt); "argon2" or "bcrypt"
  Argon2 argon2;
  int bcrypt_cost = 12;
  // Bounded hashing pool: threads (0 = number of cores) and queue capacity before callers wait.
  int workers = 0;
  int queue_capacity = 256;
};

struct Cookies {
  std::string path = "/";
  std::string domain;
  std::string same_site = "Lax";
  std::optional<bool> secure;  // unset = !dev
};

struct SessionCookie {
  std::string name = "ory_kratos_session";
  bool persistent = true;
  std::string path;       // "" = cookies.path
  std::string domain;     // "" = cookies.domain
  std::string same_site;  // "" = cookies.same_site
  std::optional<bool> secure;
};

struct Session {
  Duration lifespan = std::chrono::hours(24);
  // An extend moves expires_at only when it is nearer than this (unset = lifespan).
  std::optional<Duration> earliest_possible_extend;
  // feature_flags.faster_session_extend: the admin extend answers 204 instead of the session.
  bool faster_extend = false;
  SessionCookie cookie;
  // atrium.session_cache (Atrium only, docs/compat.md "Session cache"): how long whoami may
  // serve a session read from the store (0 = no cache), and how many sessions it holds.
  Duration cache_ttl = std::chrono::seconds(1);
  int64_t cache_capacity = 10000;
};

struct Secrets {
  std::vector<std::string> default_;  // secrets.default: keys one-time code digests (first used)
  std::vector<std::string> cookie;    // first signs/encrypts; the rest still decrypt (rotation)
  std::vector<std::string> cipher;
};

struct Log {
  std::string level = "info";          // trace, debug, info, warning, error, fatal, panic
  std::string format = "text";         // text or json
  bool leak_sensitive_values = false;  // false: secrets in query strings are redacted
  std::string redaction_text;          // "" = Kratos' sentence
};

struct OAuth2Provider {
  std::string url;  // Hydra's admin URL; "" = no Hydra (login_challenge is refused)
  bool override_return_to = false;
  std::map<std::string, std::string> headers;  // sent with every call to Hydra
};

// Housekeeping of expired flows, sessions and old error records (`atrium cleanup` and the
// background sweeper of `atrium serve`). Kratos keys database.cleanup.*, plus Atrium's own.
struct Cleanup {
  int batch_size = 100;                               // rows per delete statement
  Duration sleep_tables = std::chrono::minutes(1);    // pause between tables (database.cleanup)
  Duration older_than = Duration::zero();             // keep expired rows this much longer
  Duration interval = std::chrono::minutes(10);       // background sweep period; zero = off
  Duration error_retention = std::chrono::hours(24);  // error records older than this go
};

// Atrium only: where the breach check reads from and how long it may wait for the range API.
struct BreachCheck {
  std::string corpus;                            // local SHA1:COUNT file; "" = the range API
  Duration timeout = std::chrono::seconds(2);    // budget of one range call
  Duration cooldown = std::chrono::seconds(30);  // breaker open time after 3 failures in a row
};

// clients.web_hook.* (Kratos) and atrium.web_hooks.* (Atrium): outbound web hooks.
struct WebHooks {
  // The request headers a hook's ctx.request_headers may carry (Kratos' default list).
  std::vector<std::string> header_allowlist = {
      "Accept",         "Accept-Encoding",  "Accept-Language",    "Content-Length",
      "Content-Type",   "Origin",           "Priority",           "Referer",
      "Sec-Ch-Ua",      "Sec-Ch-Ua-Mobile", "Sec-Ch-Ua-Platform", "Sec-Fetch-Dest",
      "Sec-Fetch-Mode", "Sec-Fetch-Site",   "Sec-Fetch-User",     "True-Client-Ip",
      "User-Agent"};
  // Atrium: the budget of one call of a hook the user waits for (before and parsing hooks).
  Duration timeout = std::chrono::seconds(10);
};

struct Config {
  bool dev = false;
  ServeEndpoint serve_public;
  ServeEndpoint serve_admin;
  std::string dsn;  // "sqlite://path?...", "memory", "postgres://..."
  std::string identity_default_schema_id = "default";
  std::vector<IdentitySchemaRef> identity_schemas;
  SelfService selfservice;
  Hashers hashers;
  Session session;
  Cookies cookies;
  Secrets secrets;
  Log log;
  OAuth2Provider oauth2_provider;
  Cleanup cleanup;
  bool account_enumeration_mitigate = false;  // security.account_enumeration.mitigate
  LoginThrottling login_throttling;
  CodeSendLimits code_send_limits;
  // Threads serving HTTP (0 = number of cores) and the database/blocking worker pool size.
  int io_threads = 0;
  int worker_threads = 16;
  Limits limits;
  // Peers whose forwarding headers (X-Forwarded-For, X-Real-IP, True-Client-IP, ...) are believed:
  // IP addresses or CIDR ranges. Empty: the peer address is the client address.
  std::vector<std::string> trusted_proxies;

  // What the loader wants the operator to know (keys accepted but not implemented, ...); logged
  // once at start-up.
  std::vector<std::string> warnings;
  BreachCheck breach_check;
  Courier courier;
  WebHooks web_hooks;

  bool CookiesSecure() const { return cookies.secure.value_or(!dev); }
  bool SessionCookieSecure() const { return session.cookie.secure.value_or(CookiesSecure()); }
};

}  // namespace atrium::config

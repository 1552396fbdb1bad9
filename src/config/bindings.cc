#include "config/bindings.h"

#include <algorithm>
#include <optional>
#include <set>

#include "base/strings.h"
#include "base/time.h"

namespace atrium::config {
namespace {

// An accessor of one Config field, for the table below.
#define ATRIUM_FIELD(member) [](Config& c) -> auto& { return c.member; }

std::string TypeOf(const Json& v) {
  switch (v.type()) {
    case Json::value_t::string:
      return "string";
    case Json::value_t::boolean:
      return "boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "integer";
    case Json::value_t::number_float:
      return "number";
    case Json::value_t::array:
      return "list";
    case Json::value_t::object:
      return "mapping";
    default:
      return "null";
  }
}

std::string OneOfText(const std::vector<std::string>& allowed) {
  std::string list;
  for (const auto& a : allowed) {
    list += (list.empty() ? "" : ", ") + a;
  }
  return list;
}

template <typename Field>
Binding String(std::string path, Field field, std::vector<std::string> allowed = {}) {
  return {std::move(path), EnvKind::kString,
          [field, allowed = std::move(allowed)](const Json& v, Config& c) -> std::string {
            if (!v.is_string()) {
              return "expected a string, got " + TypeOf(v);
            }
            const auto& s = v.get_ref<const std::string&>();
            if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), s) == allowed.end()) {
              return "must be one of " + OneOfText(allowed) + ", got " + GoQuote(s);
            }
            field(c) = s;
            return "";
          }};
}

template <typename Field>
Binding Integer(std::string path, Field field, int64_t min, int64_t max) {
  return {std::move(path), EnvKind::kInteger, [field, min, max](const Json& v, Config& c) {
            if (!v.is_number_integer()) {
              return "expected an integer, got " + TypeOf(v);
            }
            const int64_t x = v.get<int64_t>();
            if (x < min || x > max) {
              return "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                     ", got " + std::to_string(x);
            }
            using T = std::remove_reference_t<decltype(field(c))>;
            field(c) = static_cast<T>(x);
            return std::string();
          }};
}

// A mapping of strings to strings (headers).
template <typename Field>
Binding StringMap(std::string path, Field field) {
  return {std::move(path), EnvKind::kJson, [field](const Json& v, Config& c) {
            if (!v.is_object()) {
              return "expected a mapping of strings, got " + TypeOf(v);
            }
            std::map<std::string, std::string> map;
            for (const auto& [name, value] : v.items()) {
              if (!value.is_string()) {
                return name + ": expected a string, got " + TypeOf(value);
              }
              map[name] = value.template get<std::string>();
            }
            field(c) = std::move(map);
            return std::string();
          }};
}

// Booleans; Kratos' schema types some flags as strings ("true"), which are taken too.
template <typename Field>
Binding Boolean(std::string path, Field field) {
  return {std::move(path), EnvKind::kBoolean, [field](const Json& v, Config& c) {
            if (v.is_boolean()) {
              field(c) = v.get<bool>();
              return std::string();
            }
            if (v.is_string() && (v == "true" || v == "false")) {
              field(c) = v == "true";
              return std::string();
            }
            return "expected a boolean, got " + TypeOf(v);
          }};
}

// Go durations ("1h", "10m", "90s"); zero only where it means "off".
template <typename Field>
Binding Dur(std::string path, Field field, bool allow_zero = false) {
  return {std::move(path), EnvKind::kString, [field, allow_zero](const Json& v, Config& c) {
            const auto d =
                v.is_string() ? ParseGoDuration(v.get_ref<const std::string&>()) : std::nullopt;
            if (!d || d->count() < 0 || (d->count() == 0 && !allow_zero)) {
              return std::string("expected a duration such as \"1h\" or \"10m\", got ") +
                     (v.is_string() ? GoQuote(v.get_ref<const std::string&>()) : TypeOf(v));
            }
            field(c) = *d;
            return std::string();
          }};
}

// A duration that may stay unset.
template <typename Field>
Binding OptionalDur(std::string path, Field field) {
  return {std::move(path), EnvKind::kString, [field](const Json& v, Config& c) {
            Duration d{};
            std::string why = Dur("", [&d](Config&) -> Duration& { return d; }).apply(v, c);
            if (why.empty()) {
              field(c) = d;
            }
            return why;
          }};
}

template <typename Field>
Binding StringList(std::string path, Field field) {
  return {std::move(path), EnvKind::kStringList, [field](const Json& v, Config& c) {
            if (!v.is_array()) {
              return "expected a list, got " + TypeOf(v);
            }
            std::vector<std::string> out;
            for (size_t i = 0; i < v.size(); ++i) {
              if (!v[i].is_string()) {
                return "item " + std::to_string(i) + ": expected a string, got " + TypeOf(v[i]);
              }
              out.push_back(v[i].get<std::string>());
            }
            field(c) = std::move(out);
            return std::string();
          }};
}

const std::set<std::string>& KnownHooks() {
  static const std::set<std::string> hooks = {"session",
                                              "verification",
                                              "show_verification_ui",
                                              "web_hook",
                                              "b2b_sso",
                                              "revoke_active_sessions",
                                              "require_verified_address",
                                              "two_step_registration",
                                              "verify_new_address",
                                              "notify_previous_addresses"};
  return hooks;
}

template <typename Field>
Binding Hooks(std::string path, Field field) {
  return {std::move(path), EnvKind::kJson, [field](const Json& v, Config& c) {
            if (!v.is_array()) {
              return "expected a list of hooks, got " + TypeOf(v);
            }
            std::vector<Hook> hooks;
            for (size_t i = 0; i < v.size(); ++i) {
              const Json& h = v[i];
              const auto name = h.is_object() ? h.find("hook") : h.end();
              if (!h.is_object() || name == h.end() || !name->is_string()) {
                return std::to_string(i) + ": expected {hook: <name>, config: {...}}";
              }
              const std::string hook = name->get<std::string>();
              if (!KnownHooks().contains(hook)) {
                return std::to_string(i) + ".hook: unknown hook " + GoQuote(hook);
              }
              hooks.push_back(Hook{hook, h.value("config", Json())});
            }
            field(c) = std::move(hooks);
            return std::string();
          }};
}

// "19MB", "1GB" or a number of bytes, as KiB.
std::optional<uint32_t> ParseByteSizeKib(const Json& v) {
  if (v.is_number_integer()) {
    const int64_t bytes = v.get<int64_t>();
    return bytes < 0 ? std::nullopt : std::optional<uint32_t>(static_cast<uint32_t>(bytes / 1024));
  }
  if (!v.is_string()) {
    return std::nullopt;
  }
  const std::string& s = v.get_ref<const std::string&>();
  size_t i = 0;
  uint64_t n = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) && n < (1ull << 40)) {
    n = n * 10 + static_cast<uint64_t>(s[i] - '0');
    ++i;
  }
  if (i == 0) {
    return std::nullopt;
  }
  const std::string unit = AsciiLower(TrimSpace(std::string_view(s).substr(i)));
  uint64_t bytes = 0;
  if (unit.empty() || unit == "b") {
    bytes = n;
  } else if (unit == "kb" || unit == "kib" || unit == "k") {
    bytes = n << 10;
  } else if (unit == "mb" || unit == "mib" || unit == "m") {
    bytes = n << 20;
  } else if (unit == "gb" || unit == "gib" || unit == "g") {
    bytes = n << 30;
  } else {
    return std::nullopt;
  }
  return bytes / 1024 > UINT32_MAX ? std::nullopt
                                   : std::optional<uint32_t>(static_cast<uint32_t>(bytes / 1024));
}

// "19MB", "1GB", 1048576 (bytes) as KiB, at least 8 KiB.
Binding Argon2Memory() {
  return {"hashers.argon2.memory", EnvKind::kString, [](const Json& v, Config& c) {
            const auto kib = ParseByteSizeKib(v);
            if (!kib || *kib < 8) {
              return std::string("expected a size such as \"19MB\" (at least 8KB)");
            }
            c.hashers.argon2.memory_kib = *kib;
            return std::string();
          }};
}

Binding Schemas() {
  return {"identity.schemas", EnvKind::kJson, [](const Json& v, Config& c) {
            if (!v.is_array()) {
              return "expected a list, got " + TypeOf(v);
            }
            std::vector<IdentitySchemaRef> refs;
            for (size_t i = 0; i < v.size(); ++i) {
              const Json& s = v[i];
              const std::string at = std::to_string(i);
              if (!s.is_object()) {
                return at + ": expected a mapping";
              }
              IdentitySchemaRef ref;
              const auto str = [&](const char* key, std::string& out) {
                if (const auto it = s.find(key); it != s.end() && it->is_string()) {
                  out = it->get<std::string>();
                }
              };
              str("id", ref.id);
              str("url", ref.url);
              if (const auto it = s.find("selfservice_selectable"); it != s.end()) {
                if (!it->is_boolean()) {
                  return at + ".selfservice_selectable: expected a boolean";
                }
                ref.selfservice_selectable = it->get<bool>();
              }
              if (ref.id.empty() || ref.url.empty()) {
                return at + ": id and url are required";
              }
              refs.push_back(std::move(ref));
            }
            c.identity_schemas = std::move(refs);
            return std::string();
          }};
}

// selfservice.methods.oidc.config.providers: Kratos' provider keys.
Binding OidcProviders() {
  return {
      "selfservice.methods.oidc.config.providers", EnvKind::kJson, [](const Json& v, Config& c) {
        if (!v.is_array()) {
          return "expected a list, got " + TypeOf(v);
        }
        static const std::vector<std::string> kKinds = {
            "generic", "google", "github",  "github-app", "microsoft",
            "apple",   "gitlab", "discord", "auth0",      "keycloak"};
        std::vector<OidcProvider> out;
        for (size_t i = 0; i < v.size(); ++i) {
          const Json& p = v[i];
          const std::string at = std::to_string(i);
          if (!p.is_object()) {
            return at + ": expected a mapping";
          }
          OidcProvider o;
          std::string bad;
          const auto str = [&](const char* key, std::string& field) {
            if (const auto it = p.find(key); it != p.end() && !it->is_null()) {
              if (!it->is_string()) {
                bad = at + "." + key + ": expected a string";
                return;
              }
              field = it->get<std::string>();
            }
          };
          const auto list = [&](const char* key, std::vector<std::string>& field) {
            if (const auto it = p.find(key); it != p.end() && !it->is_null()) {
              if (!it->is_array()) {
                bad = at + "." + key + ": expected a list";
                return;
              }
              for (const auto& e : *it) {
                if (!e.is_string()) {
                  bad = at + "." + key + ": expected a list of strings";
                  return;
                }
                field.push_back(e.get<std::string>());
              }
            }
          };
          str("id", o.id);
          str("provider", o.provider);
          str("client_id", o.client_id);
          str("client_secret", o.client_secret);
          str("issuer_url", o.issuer_url);
          str("auth_url", o.auth_url);
          str("token_url", o.token_url);
          str("mapper_url", o.mapper_url);
          str("microsoft_tenant", o.microsoft_tenant);
          str("apple_team_id", o.apple_team_id);
          str("apple_private_key_id", o.apple_private_key_id);
          str("apple_private_key", o.apple_private_key);
          str("label", o.label);
          str("organization_id", o.organization_id);
          str("claims_source", o.claims_source);
          str("pkce", o.pkce);
          list("scope", o.scope);
          list("additional_id_token_audiences", o.additional_id_token_audiences);
          if (const auto it = p.find("requested_claims"); it != p.end()) {
            o.requested_claims = *it;
          }
          // Kratos' other provider keys (subject_source, fedcm_config_url, ...) are accepted but
          // do nothing here: say so once at start instead of ignoring them silently.
          static const std::vector<std::string> kRead = {"id",
                                                         "provider",
                                                         "client_id",
                                                         "client_secret",
                                                         "issuer_url",
                                                         "auth_url",
                                                         "token_url",
                                                         "mapper_url",
                                                         "microsoft_tenant",
                                                         "apple_team_id",
                                                         "apple_private_key_id",
                                                         "apple_private_key",
                                                         "label",
                                                         "organization_id",
                                                         "claims_source",
                                                         "pkce",
                                                         "scope",
                                                         "additional_id_token_audiences",
                                                         "requested_claims"};
          for (const auto& [key, value] : p.items()) {
            if (!value.is_null() && std::find(kRead.begin(), kRead.end(), key) == kRead.end()) {
              std::string warning = "selfservice.methods.oidc.config.providers.";
              warning.append(at).append(".").append(key);
              warning += ": accepted but not implemented by Atrium; ignored";
              c.warnings.push_back(std::move(warning));
            }
          }
          if (!bad.empty()) {
            return bad;
          }
          if (o.id.empty() || o.provider.empty() || o.client_id.empty() || o.mapper_url.empty()) {
            return at + ": id, provider, client_id and mapper_url are required";
          }
          if (std::find(kKinds.begin(), kKinds.end(), o.provider) == kKinds.end()) {
            return at + ".provider: \"" + o.provider + "\" is not a provider Atrium knows";
          }
          if (o.claims_source != "id_token" && o.claims_source != "userinfo") {
            return at + ".claims_source: expected id_token or userinfo";
          }
          if (o.pkce != "auto" && o.pkce != "force" && o.pkce != "never") {
            return at + ".pkce: expected auto, force or never";
          }
          for (const auto& seen : out) {
            if (seen.id == o.id) {
              return at + ".id: \"" + o.id + "\" is used twice";
            }
          }
          out.push_back(std::move(o));
        }
        c.selfservice.methods.oidc_providers = std::move(out);
        return std::string();
      }};
}

void AddEndpoint(std::vector<Binding>& t, const std::string& side, ServeEndpoint Config::*e) {
  const std::string base = "serve." + side + ".";
  t.push_back(String(base + "base_url", [e](Config& c) -> auto& { return (c.*e).base_url; }));
  t.push_back(String(base + "host", [e](Config& c) -> auto& { return (c.*e).host; }));
  t.push_back(Integer(
      base + "port", [e](Config& c) -> auto& { return (c.*e).port; }, 0, 65535));
  // TLS as in Kratos: a certificate and a key, each from a file or inline base64.
  t.push_back(
      String(base + "tls.cert.path", [e](Config& c) -> auto& { return (c.*e).tls.cert.path; }));
  t.push_back(
      String(base + "tls.cert.base64", [e](Config& c) -> auto& { return (c.*e).tls.cert.base64; }));
  t.push_back(
      String(base + "tls.key.path", [e](Config& c) -> auto& { return (c.*e).tls.key.path; }));
  t.push_back(
      String(base + "tls.key.base64", [e](Config& c) -> auto& { return (c.*e).tls.key.base64; }));
}

// Hooks and return URLs after login, globally and per method.
void AddLoginAfter(std::vector<Binding>& t) {
  const std::string after = "selfservice.flows.login.after.";
  t.push_back(String(after + "default_browser_return_url",
                     ATRIUM_FIELD(selfservice.login.after_default_browser_return_url)));
  t.push_back(Hooks(after + "hooks", ATRIUM_FIELD(selfservice.login.after_hooks)));
  for (const std::string m :
       {"password", "oidc", "code", "webauthn", "passkey", "totp", "lookup_secret"}) {
    t.push_back(String(after + m + ".default_browser_return_url", [m](Config& c) -> auto& {
      return c.selfservice.login.after_methods[m].default_browser_return_url;
    }));
    t.push_back(Hooks(after + m + ".hooks", [m](Config& c) -> auto& {
      return c.selfservice.login.after_methods[m].hooks;
    }));
  }
}

// Hooks and return URLs after registration, globally and per method.
void AddRegistrationAfter(std::vector<Binding>& t) {
  const std::string after = "selfservice.flows.registration.after.";
  t.push_back(String(after + "default_browser_return_url",
                     ATRIUM_FIELD(selfservice.registration.after_default_browser_return_url)));
  t.push_back(Hooks(after + "hooks", ATRIUM_FIELD(selfservice.registration.after_hooks)));
  for (const std::string m : {"password", "oidc", "code", "webauthn", "passkey"}) {
    t.push_back(String(after + m + ".default_browser_return_url", [m](Config& c) -> auto& {
      return c.selfservice.registration.after_methods[m].default_browser_return_url;
    }));
    t.push_back(Hooks(after + m + ".hooks", [m](Config& c) -> auto& {
      return c.selfservice.registration.after_methods[m].hooks;
    }));
  }
}

// courier.*: one binding per key; templates and headers as mappings of strings.
void AddCourier(std::vector<Binding>& t) {
  t.push_back(String("courier.smtp.connection_uri", ATRIUM_FIELD(courier.smtp.connection_uri)));
  t.push_back(String("courier.smtp.from_address", ATRIUM_FIELD(courier.smtp.from_address)));
  t.push_back(String("courier.smtp.from_name", ATRIUM_FIELD(courier.smtp.from_name)));
  t.push_back(String("courier.smtp.local_name", ATRIUM_FIELD(courier.smtp.local_name)));
  t.push_back(StringMap("courier.smtp.headers", ATRIUM_FIELD(courier.smtp.headers)));
  t.push_back(Integer("courier.message_retries", ATRIUM_FIELD(courier.message_retries), 0, 1000));
  t.push_back(String("courier.delivery_strategy", ATRIUM_FIELD(courier.delivery_strategy),
                     {"smtp", "http"}));
  t.push_back({"courier.http.request_config", EnvKind::kJson, [](const Json& v, Config& c) {
                 if (!v.is_object()) {
                   return "expected a mapping, got " + TypeOf(v);
                 }
                 c.courier.http_request_config = v;
                 return std::string();
               }});
  t.push_back(
      String("courier.template_override_path", ATRIUM_FIELD(courier.template_override_path)));
  t.push_back(Integer("courier.worker.pull_count", ATRIUM_FIELD(courier.pull_count), 1, 1000));
  t.push_back(Dur("courier.worker.pull_wait", ATRIUM_FIELD(courier.pull_wait)));
  t.push_back(Dur("atrium.courier.send_timeout", ATRIUM_FIELD(courier.send_timeout)));
  t.push_back(Dur("atrium.courier.lease", ATRIUM_FIELD(courier.lease)));
  t.push_back(Dur("atrium.courier.backoff", ATRIUM_FIELD(courier.backoff)));
  t.push_back(Dur("atrium.courier.backoff_max", ATRIUM_FIELD(courier.backoff_max)));
  t.push_back(
      StringList("clients.web_hook.header_allowlist", ATRIUM_FIELD(web_hooks.header_allowlist)));
  t.push_back(Dur("atrium.web_hooks.timeout", ATRIUM_FIELD(web_hooks.timeout)));
  // The templates Atrium renders today (Kratos' key, its template type).
  static const std::pair<const char*, const char*> kTemplates[] = {
      {"registration_code.valid", "registration_code_valid"},
      {"verification_code.valid", "verification_code_valid"},
      {"verification.valid", "verification_valid"},
      {"login_code.valid", "login_code_valid"}};
  for (const auto& [key, type] : kTemplates) {
    const std::string base = std::string("courier.templates.") + key + ".";
    const std::string name = type;
    t.push_back(String(base + "email.subject", [name](Config& c) -> std::string& {
      return c.courier.templates[name].email_subject;
    }));
    t.push_back(String(base + "email.body.plaintext", [name](Config& c) -> std::string& {
      return c.courier.templates[name].email_body_plaintext;
    }));
    t.push_back(String(base + "email.body.html", [name](Config& c) -> std::string& {
      return c.courier.templates[name].email_body_html;
    }));
    t.push_back(String(base + "sms.body.plaintext", [name](Config& c) -> std::string& {
      return c.courier.templates[name].sms_body;
    }));
  }
}

std::vector<Binding> MakeTable() {
  std::vector<Binding> t = {
      String("dsn", ATRIUM_FIELD(dsn)),
      String("identity.default_schema_id", ATRIUM_FIELD(identity_default_schema_id)),
      Schemas(),
      // Self-service.
      String("selfservice.default_browser_return_url",
             ATRIUM_FIELD(selfservice.default_browser_return_url)),
      StringList("selfservice.allowed_return_urls", ATRIUM_FIELD(selfservice.allowed_return_urls)),
      Boolean("selfservice.flows.registration.enabled",
              ATRIUM_FIELD(selfservice.registration.enabled)),
      String("selfservice.flows.registration.ui_url",
             ATRIUM_FIELD(selfservice.registration.ui_url)),
      Dur("selfservice.flows.registration.lifespan",
          ATRIUM_FIELD(selfservice.registration.lifespan)),
      Boolean("selfservice.flows.registration.login_hints",
              ATRIUM_FIELD(selfservice.registration.login_hints)),
      String("selfservice.flows.registration.style", ATRIUM_FIELD(selfservice.registration.style),
             {"profile_first", "unified"}),
      Boolean("selfservice.flows.registration.enable_legacy_one_step",
              ATRIUM_FIELD(selfservice.registration.enable_legacy_one_step)),
      Hooks("selfservice.flows.registration.before.hooks",
            ATRIUM_FIELD(selfservice.registration.before_hooks)),
      String("selfservice.flows.error.ui_url", ATRIUM_FIELD(selfservice.error_ui_url)),
      String("selfservice.flows.login.ui_url", ATRIUM_FIELD(selfservice.login.ui_url)),
      Dur("selfservice.flows.login.lifespan", ATRIUM_FIELD(selfservice.login.lifespan)),
      String("selfservice.flows.login.style", ATRIUM_FIELD(selfservice.login.style),
             {"unified", "identifier_first"}),
      Hooks("selfservice.flows.login.before.hooks", ATRIUM_FIELD(selfservice.login.before_hooks)),
      String("selfservice.flows.logout.after.default_browser_return_url",
             ATRIUM_FIELD(selfservice.logout.after_default_browser_return_url)),
      Boolean("security.account_enumeration.mitigate", ATRIUM_FIELD(account_enumeration_mitigate)),
      OptionalDur("session.earliest_possible_extend",
                  ATRIUM_FIELD(session.earliest_possible_extend)),
      Boolean("feature_flags.faster_session_extend", ATRIUM_FIELD(session.faster_extend)),
      Dur("atrium.session_cache.ttl", ATRIUM_FIELD(session.cache_ttl), /*allow_zero=*/true),
      Integer("atrium.session_cache.capacity", ATRIUM_FIELD(session.cache_capacity), 1, 10000000),
      Boolean("atrium.login_throttling.enabled", ATRIUM_FIELD(login_throttling.enabled)),
      Integer("atrium.login_throttling.max_failures_per_identifier",
              ATRIUM_FIELD(login_throttling.max_failures_per_identifier), 1, 1000000),
      Integer("atrium.login_throttling.max_failures_per_address",
              ATRIUM_FIELD(login_throttling.max_failures_per_address), 1, 1000000),
      Dur("atrium.login_throttling.window", ATRIUM_FIELD(login_throttling.window)),
      Dur("atrium.login_throttling.lockout", ATRIUM_FIELD(login_throttling.lockout)),
      Dur("atrium.login_throttling.max_lockout", ATRIUM_FIELD(login_throttling.max_lockout)),
      Integer("atrium.code_send_limits.per_address", ATRIUM_FIELD(code_send_limits.per_address), 1,
              1000000),
      Integer("atrium.code_send_limits.per_flow", ATRIUM_FIELD(code_send_limits.per_flow), 1,
              1000000),
      Dur("atrium.code_send_limits.window", ATRIUM_FIELD(code_send_limits.window)),
      Boolean("selfservice.flows.verification.enabled",
              ATRIUM_FIELD(selfservice.verification.enabled)),
      String("selfservice.flows.verification.ui_url",
             ATRIUM_FIELD(selfservice.verification.ui_url)),
      Dur("selfservice.flows.verification.lifespan",
          ATRIUM_FIELD(selfservice.verification.lifespan)),
      String("selfservice.flows.verification.use", ATRIUM_FIELD(selfservice.verification.use),
             {"code", "link"}),
      String("selfservice.flows.verification.after.default_browser_return_url",
             ATRIUM_FIELD(selfservice.verification.after_default_browser_return_url)),
      // Methods.
      Boolean("selfservice.methods.password.enabled",
              ATRIUM_FIELD(selfservice.methods.password.enabled)),
      Integer("selfservice.methods.password.config.min_password_length",
              ATRIUM_FIELD(selfservice.methods.password.min_password_length), 6, 4096),
      Boolean("selfservice.methods.password.config.identifier_similarity_check_enabled",
              ATRIUM_FIELD(selfservice.methods.password.identifier_similarity_check_enabled)),
      Boolean("selfservice.methods.password.config.haveibeenpwned_enabled",
              ATRIUM_FIELD(selfservice.methods.password.haveibeenpwned_enabled)),
      String("selfservice.methods.password.config.haveibeenpwned_host",
             ATRIUM_FIELD(selfservice.methods.password.haveibeenpwned_host)),
      Integer("selfservice.methods.password.config.max_breaches",
              ATRIUM_FIELD(selfservice.methods.password.max_breaches), 0, 100),
      Boolean("selfservice.methods.password.config.ignore_network_errors",
              ATRIUM_FIELD(selfservice.methods.password.ignore_network_errors)),
      String("feature_flags.password_profile_registration_node_group",
             ATRIUM_FIELD(selfservice.methods.password.password_profile_registration_node_group),
             {"default", "password"}),
      String("selfservice.methods.password.config.password_profile_registration_node_group",
             ATRIUM_FIELD(selfservice.methods.password.password_profile_registration_node_group),
             {"default", "password"}),
      Boolean("selfservice.methods.code.enabled", ATRIUM_FIELD(selfservice.methods.code.enabled)),
      Boolean("selfservice.methods.code.passwordless_enabled",
              ATRIUM_FIELD(selfservice.methods.code.passwordless_enabled)),
      Dur("selfservice.methods.code.config.lifespan",
          ATRIUM_FIELD(selfservice.methods.code.lifespan)),
      Integer("selfservice.methods.code.config.max_submissions",
              ATRIUM_FIELD(selfservice.methods.code.max_submissions), 1, 1000),
      Boolean("selfservice.methods.link.enabled", ATRIUM_FIELD(selfservice.methods.link.enabled)),
      Dur("selfservice.methods.link.config.lifespan",
          ATRIUM_FIELD(selfservice.methods.link.lifespan)),
      String("selfservice.methods.link.config.base_url",
             ATRIUM_FIELD(selfservice.methods.link.base_url)),
      Boolean("selfservice.methods.profile.enabled",
              ATRIUM_FIELD(selfservice.methods.profile_enabled)),
      Boolean("selfservice.methods.oidc.enabled", ATRIUM_FIELD(selfservice.methods.oidc_enabled)),
      OidcProviders(),
      String("selfservice.methods.oidc.config.base_redirect_uri",
             ATRIUM_FIELD(selfservice.methods.oidc_base_redirect_uri)),
      StringMap("atrium.oidc.api_urls", ATRIUM_FIELD(selfservice.methods.oidc_api_urls)),
      Boolean("selfservice.methods.webauthn.enabled",
              ATRIUM_FIELD(selfservice.methods.webauthn_enabled)),
      Boolean("selfservice.methods.webauthn.config.passwordless",
              ATRIUM_FIELD(selfservice.methods.webauthn_passwordless)),
      Boolean("selfservice.methods.passkey.enabled",
              ATRIUM_FIELD(selfservice.methods.passkey_enabled)),
      // WebAuthn relying party (docs/wire/registration.md §17.4, §17.5).
      String("selfservice.methods.passkey.config.rp.id",
             ATRIUM_FIELD(selfservice.methods.passkey.rp_id)),
      String("selfservice.methods.passkey.config.rp.display_name",
             ATRIUM_FIELD(selfservice.methods.passkey.rp_display_name)),
      StringList("selfservice.methods.passkey.config.rp.origins",
                 ATRIUM_FIELD(selfservice.methods.passkey.rp_origins)),
      String("selfservice.methods.passkey.config.authenticator_selection.attachment",
             ATRIUM_FIELD(selfservice.methods.passkey.attachment),
             {"", "platform", "cross-platform"}),
      String("selfservice.methods.passkey.config.authenticator_selection.resident_key",
             ATRIUM_FIELD(selfservice.methods.passkey.resident_key),
             {"discouraged", "preferred", "required"}),
      String("selfservice.methods.passkey.config.authenticator_selection.user_verification",
             ATRIUM_FIELD(selfservice.methods.passkey.user_verification),
             {"discouraged", "preferred", "required"}),
      String("selfservice.methods.passkey.config.attestation.preference",
             ATRIUM_FIELD(selfservice.methods.passkey.attestation),
             {"none", "indirect", "direct", "enterprise"}),
      Dur("selfservice.methods.passkey.config.timeouts.registration",
          ATRIUM_FIELD(selfservice.methods.passkey.timeout)),
      String("selfservice.methods.webauthn.config.rp.id",
             ATRIUM_FIELD(selfservice.methods.webauthn.rp_id)),
      String("selfservice.methods.webauthn.config.rp.display_name",
             ATRIUM_FIELD(selfservice.methods.webauthn.rp_display_name)),
      StringList("selfservice.methods.webauthn.config.rp.origins",
                 ATRIUM_FIELD(selfservice.methods.webauthn.rp_origins)),
      String("selfservice.methods.webauthn.config.rp.origin",
             ATRIUM_FIELD(selfservice.methods.webauthn.rp_origin)),
      String("atrium.webauthn.authenticator_selection.attachment",
             ATRIUM_FIELD(selfservice.methods.webauthn.attachment),
             {"", "platform", "cross-platform"}),
      String("atrium.webauthn.authenticator_selection.resident_key",
             ATRIUM_FIELD(selfservice.methods.webauthn.resident_key),
             {"discouraged", "preferred", "required"}),
      String("atrium.webauthn.authenticator_selection.user_verification",
             ATRIUM_FIELD(selfservice.methods.webauthn.user_verification),
             {"discouraged", "preferred", "required"}),
      String("atrium.webauthn.attestation", ATRIUM_FIELD(selfservice.methods.webauthn.attestation),
             {"none", "indirect", "direct", "enterprise"}),
      // Hashing.
      String("hashers.algorithm", ATRIUM_FIELD(hashers.algorithm), {"argon2", "bcrypt"}),
      Argon2Memory(),
      Integer("hashers.argon2.iterations", ATRIUM_FIELD(hashers.argon2.iterations), 1, 1000),
      Integer("hashers.argon2.parallelism", ATRIUM_FIELD(hashers.argon2.parallelism), 1, 255),
      Integer("hashers.argon2.salt_length", ATRIUM_FIELD(hashers.argon2.salt_length), 8, 1024),
      Integer("hashers.argon2.key_length", ATRIUM_FIELD(hashers.argon2.key_length), 16, 1024),
      Integer("hashers.bcrypt.cost", ATRIUM_FIELD(hashers.bcrypt_cost), 4, 31),
      // Sessions and cookies.
      Dur("session.lifespan", ATRIUM_FIELD(session.lifespan)),
      String("session.cookie.name", ATRIUM_FIELD(session.cookie.name)),
      Boolean("session.cookie.persistent", ATRIUM_FIELD(session.cookie.persistent)),
      String("session.cookie.path", ATRIUM_FIELD(session.cookie.path)),
      String("session.cookie.domain", ATRIUM_FIELD(session.cookie.domain)),
      String("session.cookie.same_site", ATRIUM_FIELD(session.cookie.same_site),
             {"Strict", "Lax", "None"}),
      Boolean("session.cookie.secure", ATRIUM_FIELD(session.cookie.secure)),
      String("cookies.path", ATRIUM_FIELD(cookies.path)),
      String("cookies.domain", ATRIUM_FIELD(cookies.domain)),
      String("cookies.same_site", ATRIUM_FIELD(cookies.same_site), {"Strict", "Lax", "None"}),
      Boolean("cookies.secure", ATRIUM_FIELD(cookies.secure)),
      StringList("secrets.default", ATRIUM_FIELD(secrets.default_)),
      StringList("secrets.cookie", ATRIUM_FIELD(secrets.cookie)),
      StringList("secrets.cipher", ATRIUM_FIELD(secrets.cipher)),
      // Logs and Hydra.
      String("log.level", ATRIUM_FIELD(log.level),
             {"trace", "debug", "info", "warning", "warn", "error", "fatal", "panic"}),
      String("log.format", ATRIUM_FIELD(log.format), {"text", "json"}),
      Boolean("log.leak_sensitive_values", ATRIUM_FIELD(log.leak_sensitive_values)),
      String("log.redaction_text", ATRIUM_FIELD(log.redaction_text)),
      String("oauth2_provider.url", ATRIUM_FIELD(oauth2_provider.url)),
      Boolean("oauth2_provider.override_return_to",
              ATRIUM_FIELD(oauth2_provider.override_return_to)),
      StringMap("oauth2_provider.headers", ATRIUM_FIELD(oauth2_provider.headers)),
      // Housekeeping (Kratos' database.cleanup and Atrium's sweeper).
      Integer("database.cleanup.batch_size", ATRIUM_FIELD(cleanup.batch_size), 1, 100000),
      Dur("database.cleanup.sleep.tables", ATRIUM_FIELD(cleanup.sleep_tables), true),
      Dur("database.cleanup.older_than", ATRIUM_FIELD(cleanup.older_than), true),
      Dur("atrium.cleanup.interval", ATRIUM_FIELD(cleanup.interval), true),
      Dur("atrium.cleanup.error_retention", ATRIUM_FIELD(cleanup.error_retention)),
      // Atrium's own knobs.
      Integer("atrium.io_threads", ATRIUM_FIELD(io_threads), 0, 256),
      Integer("atrium.worker_threads", ATRIUM_FIELD(worker_threads), 1, 1024),
      StringList("atrium.trusted_proxies", ATRIUM_FIELD(trusted_proxies)),
      String("atrium.breach_check.corpus", ATRIUM_FIELD(breach_check.corpus)),
      Dur("atrium.breach_check.timeout", ATRIUM_FIELD(breach_check.timeout)),
      Dur("atrium.breach_check.cooldown", ATRIUM_FIELD(breach_check.cooldown)),
      Integer("atrium.limits.max_connections", ATRIUM_FIELD(limits.max_connections), 1, 1 << 20),
      Integer("atrium.limits.max_connections_per_ip", ATRIUM_FIELD(limits.max_connections_per_ip),
              1, 1 << 20),
      Dur("atrium.limits.idle_timeout", ATRIUM_FIELD(limits.idle_timeout)),
      Dur("atrium.limits.request_timeout", ATRIUM_FIELD(limits.request_timeout)),
      Integer("atrium.limits.queue_capacity", ATRIUM_FIELD(limits.queue_capacity), 1, 1 << 20),
      Integer("atrium.hashers.workers", ATRIUM_FIELD(hashers.workers), 0, 1024),
      Integer("atrium.hashers.queue_capacity", ATRIUM_FIELD(hashers.queue_capacity), 1, 1 << 20),
  };
  AddEndpoint(t, "public", &Config::serve_public);
  AddEndpoint(t, "admin", &Config::serve_admin);
  AddRegistrationAfter(t);
  AddLoginAfter(t);
  AddCourier(t);
  return t;
}

#undef ATRIUM_FIELD

}  // namespace

const std::vector<Binding>& Bindings() {
  static const std::vector<Binding> table = MakeTable();
  return table;
}

const std::vector<PendingFeature>& PendingFeatures() {
  static const std::vector<PendingFeature> features = {};
  return features;
}

bool HookImplemented(const std::string& name, const std::string& path) {
  if (name == "web_hook") {
    return path.starts_with("selfservice.flows.registration.");
  }
  return name == "session" || name == "revoke_active_sessions" ||
         name == "require_verified_address" || name == "show_verification_ui";
}

}  // namespace atrium::config

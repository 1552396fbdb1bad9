#include "config/loader.h"

#include <algorithm>
#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>

#include "config/bindings.h"
#include "config/catalogue.h"

namespace atrium::config {
namespace {

class LoaderTest : public ::testing::Test {
 protected:
  void TearDown() override { std::remove(path_.c_str()); }

  Result<Config> Load(const std::string& yaml, std::map<std::string, std::string> env = {},
                      bool dev = false) {
    std::ofstream(path_) << yaml;
    LoadOptions o;
    o.path = path_;
    o.env = std::move(env);
    o.dev = dev;
    return LoadConfig(o);
  }

  // One file per test: ctest runs the cases of this suite in parallel processes.
  std::string path_ = ::testing::TempDir() + "atrium-loader-" +
                      ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".yml";
};

constexpr char kMinimal[] = R"(
dsn: sqlite:///tmp/x.db
identity:
  schemas:
    - id: default
      url: file:///etc/identity.schema.json
secrets:
  cookie: [0123456789abcdef0123]
)";

TEST_F(LoaderTest, DevModeNeedsNoFile) {
  LoadOptions o;
  o.dev = true;
  const auto c = LoadConfig(o);
  ASSERT_TRUE(c.ok()) << c.error().reason;
  EXPECT_EQ(c->serve_public.port, 4433);
  EXPECT_EQ(c->serve_admin.port, 4434);
  EXPECT_EQ(c->serve_public.host, "127.0.0.1");
  EXPECT_EQ(c->serve_public.base_url, "http://127.0.0.1:4433/");
  EXPECT_EQ(c->dsn, "sqlite://atrium.db");
  ASSERT_EQ(c->identity_schemas.size(), 1u);
  EXPECT_TRUE(c->identity_schemas[0].url.starts_with("base64://"));
  EXPECT_EQ(c->selfservice.registration.ui_url, "http://127.0.0.1:4433/ui/registration");
  EXPECT_EQ(c->selfservice.error_ui_url, "http://127.0.0.1:4433/ui/error");
  EXPECT_EQ(c->selfservice.default_browser_return_url, "http://127.0.0.1:4433/ui/welcome");
  EXPECT_FALSE(c->CookiesSecure());
  EXPECT_TRUE(LoadConfig(o).ok());
  o.dev = false;
  EXPECT_EQ(LoadConfig(o).error().reason, "a configuration file is required (or use --dev)");
}

TEST_F(LoaderTest, UnsetLoginAndLogoutUrlsPointAtTheBuiltInSignInPage) {
  // Dev mode, no file: the built-in pages serve every flow.
  LoadOptions dev;
  dev.dev = true;
  const auto d = LoadConfig(dev);
  ASSERT_TRUE(d.ok()) << d.error().reason;
  EXPECT_EQ(d->selfservice.login.ui_url, "http://127.0.0.1:4433/ui/login");
  EXPECT_EQ(d->selfservice.logout.after_default_browser_return_url,
            "http://127.0.0.1:4433/ui/login");

  // A file that leaves the login UI unset uses the built-in page, also outside dev mode.
  const auto builtin = Load(std::string(kMinimal) + R"(
serve: {public: {base_url: "https://auth.example.com/base"}}
)");
  ASSERT_TRUE(builtin.ok()) << builtin.error().reason;
  EXPECT_EQ(builtin->selfservice.login.ui_url, "https://auth.example.com/base/ui/login");
  EXPECT_EQ(builtin->selfservice.logout.after_default_browser_return_url,
            "https://auth.example.com/base/ui/login");

  // An own login UI: logging out goes where Kratos sends it (the default return URL).
  const auto own = Load(std::string(kMinimal) + R"(
selfservice:
  default_browser_return_url: https://app.example.com/
  flows: {login: {ui_url: https://app.example.com/login}}
)");
  ASSERT_TRUE(own.ok()) << own.error().reason;
  EXPECT_EQ(own->selfservice.login.ui_url, "https://app.example.com/login");
  EXPECT_EQ(own->selfservice.logout.after_default_browser_return_url, "https://app.example.com/");

  // The same in dev mode: an own login UI never gets the built-in page after logout.
  const auto d_own = Load(R"(
selfservice:
  default_browser_return_url: https://app.example.com/
  flows: {login: {ui_url: https://app.example.com/login}}
)",
                          {}, true);
  ASSERT_TRUE(d_own.ok()) << d_own.error().reason;
  EXPECT_EQ(d_own->selfservice.logout.after_default_browser_return_url, "https://app.example.com/");

  // A configured logout target is kept.
  const auto set = Load(std::string(kMinimal) + R"(
selfservice:
  flows: {logout: {after: {default_browser_return_url: https://app.example.com/bye}}}
)");
  ASSERT_TRUE(set.ok()) << set.error().reason;
  EXPECT_EQ(set->selfservice.logout.after_default_browser_return_url,
            "https://app.example.com/bye");
}

TEST_F(LoaderTest, ReadsAFullKratosFile) {
  const auto c = Load(std::string(kMinimal) + R"(
serve:
  public: {base_url: "https://auth.example.com", port: 8080, host: 0.0.0.0}
selfservice:
  default_browser_return_url: https://app.example.com/
  allowed_return_urls: [https://app.example.com/]
  flows:
    registration:
      enabled: false
      lifespan: 10m
      style: unified
      login_hints: true
      ui_url: https://app.example.com/registration
      after:
        default_browser_return_url: https://app.example.com/welcome
        password:
          hooks:
            - hook: session
    error: {ui_url: https://app.example.com/error}
  methods:
    password:
      config: {min_password_length: 10, haveibeenpwned_enabled: false, max_breaches: 5}
hashers:
  algorithm: bcrypt
  bcrypt: {cost: 10}
  argon2: {memory: 64MB, iterations: 3}
session:
  lifespan: 48h
  cookie: {name: sid, same_site: Strict, secure: true}
cookies: {domain: example.com}
log: {level: debug, format: json}
courier: {smtp: {connection_uri: "smtp://x"}}
)");
  ASSERT_TRUE(c.ok()) << c.error().reason;
  EXPECT_EQ(c->serve_public.base_url, "https://auth.example.com/");
  EXPECT_EQ(c->serve_public.port, 8080);
  EXPECT_FALSE(c->selfservice.registration.enabled);
  EXPECT_EQ(c->selfservice.registration.lifespan, std::chrono::minutes(10));
  EXPECT_TRUE(c->selfservice.registration.OneStep());
  EXPECT_TRUE(c->selfservice.registration.login_hints);
  EXPECT_EQ(c->selfservice.registration.after_methods.at("password").hooks.at(0).hook, "session");
  EXPECT_EQ(c->selfservice.methods.password.min_password_length, 10);
  EXPECT_EQ(c->hashers.algorithm, "bcrypt");
  EXPECT_EQ(c->hashers.bcrypt_cost, 10);
  EXPECT_EQ(c->hashers.argon2.memory_kib, 64u * 1024);
  EXPECT_EQ(c->session.lifespan, std::chrono::hours(48));
  EXPECT_EQ(c->session.cookie.name, "sid");
  EXPECT_TRUE(c->SessionCookieSecure());
  EXPECT_TRUE(c->CookiesSecure());
  EXPECT_EQ(c->log.format, "json");
}

TEST_F(LoaderTest, EnvironmentOverridesKeysLikeKratos) {
  const auto c = Load(kMinimal, {{"DSN", "memory"},
                                 {"SERVE_PUBLIC_PORT", "9999"},
                                 {"SELFSERVICE_FLOWS_REGISTRATION_ENABLED", "false"},
                                 {"SECRETS_COOKIE", "aaaaaaaaaaaaaaaaaaaa,bbbbbbbbbbbbbbbbbbbb"},
                                 {"SELFSERVICE_ALLOWED_RETURN_URLS", "https://a/,https://b/"}});
  ASSERT_TRUE(c.ok()) << c.error().reason;
  EXPECT_EQ(c->dsn, "memory");
  EXPECT_EQ(c->serve_public.port, 9999);
  EXPECT_FALSE(c->selfservice.registration.enabled);
  EXPECT_EQ(c->secrets.cookie.size(), 2u);
  EXPECT_EQ(c->selfservice.allowed_return_urls.size(), 2u);
  const auto bad = Load(kMinimal, {{"SERVE_PUBLIC_PORT", "eighty"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().reason.find("SERVE_PUBLIC_PORT"), std::string::npos);
}

TEST_F(LoaderTest, ErrorsNameTheKeyPath) {
  const auto unknown =
      Load(std::string(kMinimal) + "selfservice: {flows: {registration: {enabeld: true}}}\n");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().reason.find(
                "selfservice.flows.registration.enabeld: unknown configuration key"),
            std::string::npos)
      << unknown.error().reason;
  const auto type = Load(std::string(kMinimal) + "serve: {public: {port: \"80\"}}\n");
  ASSERT_FALSE(type.ok());
  EXPECT_NE(type.error().reason.find("serve.public.port: expected an integer, got string"),
            std::string::npos)
      << type.error().reason;
  const auto duration = Load(std::string(kMinimal) + "session: {lifespan: forever}\n");
  EXPECT_NE(duration.error().reason.find("session.lifespan"), std::string::npos);
  const auto style =
      Load(std::string(kMinimal) + "selfservice: {flows: {registration: {style: x}}}\n");
  EXPECT_NE(style.error().reason.find("selfservice.flows.registration.style"), std::string::npos);
  const auto yaml = Load("dsn: [unclosed\n");
  EXPECT_FALSE(yaml.ok());
}

TEST_F(LoaderTest, RequiredKeysOutsideDevMode) {
  const auto c = Load("identity: {schemas: [{id: default, url: file:///x}]}\n");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().reason.find("dsn: missing required key"), std::string::npos);
  EXPECT_NE(c.error().reason.find("secrets.cookie: missing required key"), std::string::npos);
  const auto short_secret = Load(std::string(kMinimal) + "secrets: {cookie: [short]}\n");
  ASSERT_FALSE(short_secret.ok());
}

// Issue 10, item 10: the five configurations of Kratos' own quickstart (contrib/quickstart/kratos
// in ory/kratos) start. Written here with the same keys and values, compacted; the identity
// schema and DSN of the ones that take them from elsewhere come from kMinimal.
constexpr char kQuickstartAllStrategies[] = R"(
version: v0.13.0
dsn: memory
serve: {public: {base_url: "http://localhost:4433/", cors: {enabled: true}},
        admin: {base_url: "http://kratos:4434/"}}
session: {whoami: {required_aal: aal1}}
selfservice:
  default_browser_return_url: http://localhost:4455/
  allowed_return_urls: [http://localhost:4455, http://localhost:19006/Callback,
                        "exp://localhost:8081/--/Callback"]
  methods:
    password: {enabled: true}
    webauthn: {enabled: true, config: {passwordless: true, rp: {display_name: Your Application name,
               id: localhost, origin: "http://localhost:4455"}}}
    passkey: {enabled: true, config: {rp: {display_name: Your Application name, id: localhost,
              origins: ["http://localhost:4455"]}}}
  flows:
    error: {ui_url: http://localhost:4455/error}
    settings: {ui_url: http://localhost:4455/settings, privileged_session_max_age: 15m,
               required_aal: aal1}
    recovery: {enabled: true, ui_url: http://localhost:4455/recovery, use: code}
    verification: {enabled: false, ui_url: http://localhost:4455/verification, use: code,
                   after: {default_browser_return_url: "http://localhost:4455/"}}
    logout: {after: {default_browser_return_url: http://localhost:4455/login}}
    login: {ui_url: http://localhost:4455/login, lifespan: 10m}
    registration:
      enable_legacy_one_step: false
      lifespan: 10m
      ui_url: http://localhost:4455/registration
      after:
        passkey: {hooks: [{hook: session}]}
        webauthn: {hooks: [{hook: session}]}
        password: {hooks: [{hook: session}, {hook: show_verification_ui}]}
log: {level: debug, format: text, leak_sensitive_values: true}
secrets: {cookie: [PLEASE-CHANGE-ME-I-AM-VERY-INSECURE], cipher: [32-LONG-SECRET-NOT-SECURE-AT-ALL]}
ciphers: {algorithm: xchacha20-poly1305}
hashers: {algorithm: bcrypt, bcrypt: {cost: 8}}
identity:
  default_schema_id: default
  schemas: [{id: default, url: "file://./identity.schema.json"}]
courier: {smtp: {connection_uri: "smtps://test:test@mailslurper:1025/?skip_ssl_verify=true"}}
)";

constexpr char kQuickstartCloud[] = R"(
version: v0.13.0
dsn: memory
serve: {public: {base_url: "http://localhost:4455/", cors: {enabled: true}},
        admin: {base_url: "http://kratos:4434/"}}
selfservice:
  default_browser_return_url: http://localhost:4455/ui/welcome
  allowed_return_urls: [http://localhost:4455]
  methods: {password: {enabled: true}}
  flows:
    error: {ui_url: http://localhost:4455/ui/error}
    settings: {ui_url: http://localhost:4455/ui/settings, privileged_session_max_age: 15m}
    recovery: {enabled: true, ui_url: http://localhost:4455/ui/recovery}
    verification: {enabled: true, ui_url: http://localhost:4455/ui/verification,
                   after: {default_browser_return_url: http://localhost:4455/ui/welcome}}
    logout: {after: {default_browser_return_url: http://localhost:4455/ui/login}}
    login: {ui_url: http://localhost:4455/ui/login}
    registration: {ui_url: http://localhost:4455/ui/registration,
                   after: {password: {hooks: [{hook: session}]}}}
log: {level: info, format: text}
secrets: {cookie: [PLEASE-CHANGE-ME-I-AM-VERY-INSECURE]}
hashers: {algorithm: bcrypt, bcrypt: {cost: 8}}
identity:
  default_schema_id: preset://email
  schemas: [{id: "preset://email", url: "file:///etc/config/kratos/identity.schema.json"}]
courier: {smtp: {connection_uri: "smtps://test:test@mailslurper:1025/?skip_ssl_verify=true"}}
)";

constexpr char kQuickstartEmailPassword[] = R"(
version: v0.13.0
dsn: memory
serve: {public: {base_url: "http://127.0.0.1:4433/", cors: {enabled: true}},
        admin: {base_url: "http://kratos:4434/"}}
selfservice:
  default_browser_return_url: http://127.0.0.1:4455/welcome
  allowed_return_urls: [http://127.0.0.1:4455, http://localhost:19006/Callback,
                        "exp://localhost:8081/--/Callback"]
  methods:
    password: {enabled: true}
    totp: {config: {issuer: Kratos}, enabled: true}
    lookup_secret: {enabled: true}
    link: {enabled: true}
    code: {enabled: true}
  flows:
    error: {ui_url: http://127.0.0.1:4455/error}
    settings: {ui_url: http://127.0.0.1:4455/settings, privileged_session_max_age: 15m,
               required_aal: highest_available}
    recovery: {enabled: true, ui_url: http://127.0.0.1:4455/recovery, use: code}
    verification: {enabled: true, ui_url: http://127.0.0.1:4455/verification, use: code,
                   after: {default_browser_return_url: http://127.0.0.1:4455/welcome}}
    logout: {after: {default_browser_return_url: http://127.0.0.1:4455/login}}
    login: {ui_url: http://127.0.0.1:4455/login, lifespan: 10m}
    registration: {lifespan: 10m, ui_url: http://127.0.0.1:4455/registration,
                   after: {password: {hooks: [{hook: session}, {hook: show_verification_ui}]}}}
log: {level: debug, format: text, leak_sensitive_values: true}
secrets: {cookie: [PLEASE-CHANGE-ME-I-AM-VERY-INSECURE], cipher: [32-LONG-SECRET-NOT-SECURE-AT-ALL]}
ciphers: {algorithm: xchacha20-poly1305}
hashers: {algorithm: bcrypt, bcrypt: {cost: 8}}
identity:
  default_schema_id: default
  schemas: [{id: default, url: "file:///etc/config/kratos/identity.schema.json"}]
courier: {smtp: {connection_uri: "smtps://test:test@mailslurper:1025/?skip_ssl_verify=true"}}
feature_flags: {use_continue_with_transitions: true}
)";

// The passkey quickstart takes dsn and the identity schema from another file.
constexpr char kQuickstartPasskey[] = R"(
serve: {public: {base_url: "http://localhost:4433/", cors: {enabled: true}},
        admin: {base_url: "http://kratos:4434/"}}
session: {whoami: {required_aal: aal1}}
selfservice:
  default_browser_return_url: http://localhost:4455/welcome
  allowed_return_urls: [http://localhost:4455, http://localhost:19006/Callback,
                        "exp://example.com/Callback", "https://www.ory.sh/", "https://example.org/",
                        "https://www.example.org/"]
  methods:
    link: {config: {lifespan: 1h}}
    code: {config: {lifespan: 1h}}
    totp: {enabled: true, config: {issuer: issuer.ory.sh}}
    lookup_secret: {enabled: true}
    webauthn: {enabled: true, config: {passwordless: true, rp: {id: localhost,
               origins: ["http://localhost:4455"], display_name: Ory}}}
    passkey: {enabled: true, config: {rp: {id: localhost, origins: ["http://localhost:4455"],
              display_name: Ory}}}
  flows:
    settings: {ui_url: http://localhost:4455/settings, privileged_session_max_age: 5m,
               required_aal: aal1}
    logout: {after: {default_browser_return_url: http://localhost:4455/login}}
    registration:
      ui_url: http://localhost:4455/registration
      after:
        password: {hooks: [{hook: session}]}
        webauthn: {hooks: [{hook: session}]}
        passkey: {hooks: [{hook: session}]}
    login: {ui_url: http://localhost:4455/login}
    error: {ui_url: http://localhost:4455/error}
    verification: {ui_url: http://localhost:4455/verify}
    recovery: {ui_url: http://localhost:4455/recovery}
log: {level: debug, format: text, leak_sensitive_values: true}
secrets: {cookie: [PLEASE-CHANGE-ME-I-AM-VERY-INSECURE], cipher: [32-LONG-SECRET-NOT-SECURE-AT-ALL]}
ciphers: {algorithm: xchacha20-poly1305}
hashers: {algorithm: bcrypt, bcrypt: {cost: 8}}
dsn: memory
identity: {schemas: [{id: default, url: "file:///etc/config/kratos/identity.schema.json"}]}
)";

// The oidc quickstart adds social sign-in to the email-password one.
constexpr char kQuickstartOidc[] = R"(
selfservice:
  methods:
    oidc:
      enabled: true
      config:
        providers:
          - id: github
            provider: github
            client_id: x
            client_secret: y
            mapper_url: file:///etc/config/kratos/oidc.github.jsonnet
            scope: [user:email]
dsn: memory
identity: {schemas: [{id: default, url: "file:///etc/config/kratos/identity.schema.json"}]}
secrets: {cookie: [PLEASE-CHANGE-ME-I-AM-VERY-INSECURE]}
)";

bool HasWarning(const Config& c, std::string_view fragment) {
  return std::any_of(c.warnings.begin(), c.warnings.end(),
                     [&](const std::string& w) { return w.find(fragment) != std::string::npos; });
}

TEST_F(LoaderTest, KratosQuickstartConfigurationsStart) {
  for (const char* yaml : {kQuickstartAllStrategies, kQuickstartCloud, kQuickstartEmailPassword,
                           kQuickstartPasskey, kQuickstartOidc}) {
    const auto c = Load(yaml);
    ASSERT_TRUE(c.ok()) << c.error().reason << "\n" << yaml;
  }
}

TEST_F(LoaderTest, WarnsOnceAboutEachKeyAtriumDoesNotImplement) {
  const auto all = Load(kQuickstartAllStrategies);
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(HasWarning(*all, "ciphers: accepted but not implemented"));
  EXPECT_TRUE(HasWarning(*all, "selfservice.flows.settings: accepted but not implemented"));
  EXPECT_FALSE(HasWarning(*all, "selfservice.methods.passkey")) << "the passkey method works";
  EXPECT_FALSE(HasWarning(*all, "selfservice.methods.webauthn")) << "the webauthn method works";
  EXPECT_EQ(all->selfservice.methods.webauthn.rp_origin, "http://localhost:4455");
  EXPECT_EQ(all->selfservice.methods.passkey.rp_origins,
            std::vector<std::string>{"http://localhost:4455"});
  EXPECT_EQ(all->selfservice.methods.passkey.resident_key, "required");
  EXPECT_FALSE(HasWarning(*all, "after.password.hooks.1")) << "show_verification_ui works";
  EXPECT_FALSE(HasWarning(*all, "selfservice.flows.verification"));
  EXPECT_FALSE(HasWarning(*all, "version"));
  EXPECT_FALSE(HasWarning(*all, "after.password.hooks.0"));
  EXPECT_EQ(std::count_if(all->warnings.begin(), all->warnings.end(),
                          [](const std::string& w) { return w.starts_with("courier"); }),
            0)
      << "the courier is implemented";
  EXPECT_EQ(all->courier.smtp.connection_uri,
            "smtps://test:test@mailslurper:1025/?skip_ssl_verify=true");
  const auto oidc = Load(kQuickstartOidc);
  ASSERT_TRUE(oidc.ok());
  EXPECT_FALSE(HasWarning(*oidc, "selfservice.methods.oidc")) << "the oidc method is implemented";
  ASSERT_EQ(oidc->selfservice.methods.oidc_providers.size(), 1u);
  EXPECT_EQ(oidc->selfservice.methods.oidc_providers[0].id, "github");
  EXPECT_EQ(oidc->selfservice.methods.oidc_providers[0].provider, "github");
  EXPECT_EQ(oidc->selfservice.methods.oidc_providers[0].client_secret, "y");
  EXPECT_EQ(oidc->selfservice.methods.oidc_providers[0].scope,
            std::vector<std::string>{"user:email"});
  EXPECT_EQ(oidc->selfservice.methods.oidc_providers[0].pkce, "auto");
  const auto plain = Load(kMinimal);
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain->warnings.empty()) << plain->warnings.front();
}

constexpr char kOidcProviders[] = R"(
selfservice:
  methods:
    oidc:
      enabled: true
      config:
        providers:
          - id: ms
            provider: microsoft
            client_id: x
            mapper_url: base64://e30=
            microsoft_tenant: common
            subject_source: me
            fedcm_config_url: null
          - id: gh
            provider: github
            client_id: x
            mapper_url: base64://e30=
)";

TEST_F(LoaderTest, WarnsOnceAboutProviderKeysAtriumIgnores) {
  const auto c = Load(std::string(kMinimal) + kOidcProviders);
  ASSERT_TRUE(c.ok()) << c.error().reason;
  EXPECT_EQ(std::count_if(c->warnings.begin(), c->warnings.end(),
                          [](const std::string& w) { return w.find("providers") != w.npos; }),
            1);
  EXPECT_TRUE(HasWarning(*c,
                         "selfservice.methods.oidc.config.providers.0.subject_source: accepted "
                         "but not implemented by Atrium; ignored"));
  EXPECT_FALSE(HasWarning(*c, "microsoft_tenant"));
  EXPECT_FALSE(HasWarning(*c, "fedcm_config_url")) << "null counts as absent";
}

TEST_F(LoaderTest, ApiUrlsOnlyForGithubAndDiscordProviders) {
  const auto ok = Load(std::string(kMinimal) + kOidcProviders +
                       "atrium: {oidc: {api_urls: {gh: 'http://127.0.0.1:9/api'}}}\n");
  ASSERT_TRUE(ok.ok()) << ok.error().reason;
  EXPECT_EQ(ok->selfservice.methods.oidc_api_urls.at("gh"), "http://127.0.0.1:9/api");
  const auto ms = Load(std::string(kMinimal) + kOidcProviders +
                       "atrium: {oidc: {api_urls: {ms: 'http://127.0.0.1:9/'}}}\n");
  ASSERT_FALSE(ms.ok());
  EXPECT_NE(ms.error().reason.find("atrium.oidc.api_urls.ms"), std::string::npos);
  EXPECT_FALSE(Load(std::string(kMinimal) + kOidcProviders +
                    "atrium: {oidc: {api_urls: {nope: 'http://127.0.0.1:9/'}}}\n")
                   .ok());
  EXPECT_FALSE(Load(std::string(kMinimal) + kOidcProviders +
                    "atrium: {oidc: {api_urls: {gh: 'file:///etc/passwd'}}}\n")
                   .ok());
  EXPECT_FALSE(
      Load(std::string(kMinimal) + kOidcProviders + "atrium: {oidc: {api_urls: {gh: 7}}}\n").ok());
}

TEST_F(LoaderTest, ReadsTheCourierKeys) {
  const auto c = Load(std::string(kMinimal) + R"(
courier:
  smtp:
    connection_uri: "smtps://user:secret@mail.example.com:465/"
    from_address: auth@example.com
    from_name: Example
    headers: {X-SES-SOURCE-ARN: "arn:aws:ses:x"}
    local_name: atrium.example.com
  message_retries: 9
  worker: {pull_count: 3, pull_wait: 250ms}
  template_override_path: /etc/atrium/templates
  templates:
    registration_code:
      valid:
        email:
          subject: "base64://U3ViamVjdA=="
          body: {plaintext: "file:///t/text.gotmpl", html: "file:///t/html.gotmpl"}
        sms: {body: {plaintext: "file:///t/sms.gotmpl"}}
atrium:
  courier: {send_timeout: 5s, lease: 1m, backoff: 10s, backoff_max: 10m}
)");
  ASSERT_TRUE(c.ok()) << c.error().reason;
  const Courier& k = c->courier;
  EXPECT_EQ(k.smtp.connection_uri, "smtps://user:secret@mail.example.com:465/");
  EXPECT_EQ(k.smtp.from_address, "auth@example.com");
  EXPECT_EQ(k.smtp.from_name, "Example");
  EXPECT_EQ(k.smtp.headers.at("X-SES-SOURCE-ARN"), "arn:aws:ses:x");
  EXPECT_EQ(k.smtp.local_name, "atrium.example.com");
  EXPECT_EQ(k.message_retries, 9);
  EXPECT_EQ(k.pull_count, 3);
  EXPECT_EQ(k.pull_wait, std::chrono::milliseconds(250));
  EXPECT_EQ(k.template_override_path, "/etc/atrium/templates");
  const CourierTemplateUrls& r = k.templates.at("registration_code_valid");
  EXPECT_EQ(r.email_subject, "base64://U3ViamVjdA==");
  EXPECT_EQ(r.email_body_plaintext, "file:///t/text.gotmpl");
  EXPECT_EQ(r.email_body_html, "file:///t/html.gotmpl");
  EXPECT_EQ(r.sms_body, "file:///t/sms.gotmpl");
  EXPECT_EQ(k.send_timeout, std::chrono::seconds(5));
  EXPECT_EQ(k.lease, std::chrono::minutes(1));
  EXPECT_EQ(k.backoff, std::chrono::seconds(10));
  EXPECT_EQ(k.backoff_max, std::chrono::minutes(10));
  EXPECT_TRUE(c->warnings.empty()) << c->warnings.front();

  const auto defaults = Load(kMinimal);
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->courier.smtp.from_address, "no-reply@ory.kratos.sh");
  EXPECT_EQ(defaults->courier.smtp.local_name, "localhost");
  EXPECT_EQ(defaults->courier.message_retries, 5);
  EXPECT_EQ(defaults->courier.pull_count, 10);
  EXPECT_EQ(defaults->courier.pull_wait, std::chrono::seconds(1));

  for (const char* bad :
       {"courier: {delivery_strategy: pigeon}\n", "courier: {smtp: {headers: {X-A: [1]}}}\n",
        "courier: {worker: {pull_wait: soon}}\n", "courier: {message_retries: -1}\n"}) {
    EXPECT_FALSE(Load(std::string(kMinimal) + bad).ok()) << bad;
  }
}

TEST_F(LoaderTest, KeysKratosDoesNotKnowStillStopTheStart) {
  for (const char* bad : {"courier: {smtp: {connection_urii: x}}\n",
                          "selfservice: {methods: {totp: {enabledd: true}}}\n",
                          "selfservice: {flows: {login: {after: {password: {hookz: []}}}}}\n",
                          "atrium: {io_thread: 2}\n", "nonsense: 1\n"}) {
    const auto c = Load(std::string(kMinimal) + bad);
    ASSERT_FALSE(c.ok()) << bad;
    EXPECT_NE(c.error().reason.find("unknown configuration key"), std::string::npos)
        << c.error().reason;
  }
  const auto shape = Load(std::string(kMinimal) + "selfservice: {methods: {totp: [1]}}\n");
  ASSERT_FALSE(shape.ok());
  EXPECT_NE(shape.error().reason.find("selfservice.methods.totp: expected a mapping, got a list"),
            std::string::npos)
      << shape.error().reason;
}

TEST_F(LoaderTest, EveryKeyAtriumReadsIsAKeyKratosOrAtriumDefines) {
  for (const auto& b : Bindings()) {
    EXPECT_NE(Catalogue::Get().Find(b.path), nullptr) << b.path;
  }
}

TEST_F(LoaderTest, EnvironmentReachesEveryKratosKey) {
  // A key Atrium does not read is still set (and warned about), like in Kratos.
  const auto c = Load(kMinimal, {{"SELFSERVICE_METHODS_OIDC_ENABLED", "true"},
                                 {"SELFSERVICE_FLOWS_LOGIN_UI_URL", "https://x/login"},
                                 {"IDENTITY_SCHEMAS", R"([{"id":"a","url":"file:///a.json"}])"},
                                 {"UNRELATED_VARIABLE", "1"}});
  ASSERT_TRUE(c.ok()) << c.error().reason;
  EXPECT_TRUE(c->selfservice.methods.oidc_enabled);
  EXPECT_EQ(c->selfservice.login.ui_url, "https://x/login");
  EXPECT_FALSE(HasWarning(*c, "selfservice.methods.oidc.enabled: "));
  ASSERT_EQ(c->identity_schemas.size(), 1u);
  EXPECT_EQ(c->identity_schemas[0].id, "a");
}

TEST_F(LoaderTest, OidcProvidersAreCheckedWithTheirKeyPaths) {
  const auto from_env = Load(
      kMinimal, {{"SELFSERVICE_METHODS_OIDC_CONFIG_PROVIDERS",
                  R"([{"id":"g","provider":"google","client_id":"c","mapper_url":"base64://e30=",)"
                  R"("additional_id_token_audiences":["ios"],"pkce":"force"}])"}});
  ASSERT_TRUE(from_env.ok()) << from_env.error().reason;
  ASSERT_EQ(from_env->selfservice.methods.oidc_providers.size(), 1u);
  EXPECT_EQ(from_env->selfservice.methods.oidc_providers[0].additional_id_token_audiences,
            std::vector<std::string>{"ios"});
  EXPECT_EQ(from_env->selfservice.methods.oidc_providers[0].pkce, "force");
  for (const auto& [json, fragment] : std::vector<std::pair<std::string, std::string>>{
           {R"({"id":"g","provider":"google","client_id":"c"})", "mapper_url are required"},
           {R"({"id":"g","provider":"myspace","client_id":"c","mapper_url":"x"})",
            "providers: 0.provider"},
           {R"({"id":"g","provider":"google","client_id":"c","mapper_url":"x","pkce":"maybe"})",
            "providers: 0.pkce"},
           {R"({"id":"g","provider":"google","client_id":"c","mapper_url":"x","scope":"email"})",
            "providers: 0.scope"},
           {R"({"id":"g","provider":"google","client_id":1,"mapper_url":"x"})",
            "providers: 0.client_id"},
       }) {
    const auto c =
        Load(kMinimal, {{"SELFSERVICE_METHODS_OIDC_CONFIG_PROVIDERS", "[" + json + "]"}});
    ASSERT_FALSE(c.ok()) << json;
    EXPECT_NE(c.error().reason.find(fragment), std::string::npos) << c.error().reason;
  }
  const auto twice = Load(kMinimal, {{"SELFSERVICE_METHODS_OIDC_CONFIG_PROVIDERS",
                                      R"([{"id":"g","provider":"google","client_id":"c",)"
                                      R"("mapper_url":"x"},{"id":"g","provider":"github",)"
                                      R"("client_id":"c","mapper_url":"x"}])"}});
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.error().reason.find("used twice"), std::string::npos);
}

TEST_F(LoaderTest, ReadsServerLimitsWithDefaults) {
  const auto defaults = Load(kMinimal);
  ASSERT_TRUE(defaults.ok()) << defaults.error().reason;
  EXPECT_EQ(defaults->limits.max_connections, 4096);
  EXPECT_EQ(defaults->limits.max_connections_per_ip, 128);
  EXPECT_EQ(defaults->limits.idle_timeout, std::chrono::seconds(30));
  EXPECT_EQ(defaults->limits.request_timeout, std::chrono::seconds(30));
  EXPECT_EQ(defaults->limits.queue_capacity, 1024);
  EXPECT_FALSE(defaults->serve_public.tls.Enabled());

  const auto c = Load(std::string(kMinimal) + R"(
atrium:
  limits: {max_connections: 100, max_connections_per_ip: 10, idle_timeout: 5s,
           request_timeout: 1500ms, queue_capacity: 64}
)",
                      {{"ATRIUM_LIMITS_QUEUE_CAPACITY", "32"}});
  ASSERT_TRUE(c.ok()) << c.error().reason;
  EXPECT_EQ(c->limits.max_connections, 100);
  EXPECT_EQ(c->limits.max_connections_per_ip, 10);
  EXPECT_EQ(c->limits.idle_timeout, std::chrono::seconds(5));
  EXPECT_EQ(c->limits.request_timeout, std::chrono::milliseconds(1500));
  EXPECT_EQ(c->limits.queue_capacity, 32);

  const auto bad = Load(std::string(kMinimal) +
                        "atrium: {limits: {idle_timeout: 30, max_connections: 0, speed: 1}}\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().reason.find("atrium.limits.idle_timeout"), std::string::npos);
  EXPECT_NE(bad.error().reason.find("atrium.limits.max_connections: must be between"),
            std::string::npos);
  EXPECT_NE(bad.error().reason.find("atrium.limits.speed: unknown configuration key"),
            std::string::npos);
}

TEST_F(LoaderTest, ReadsKratosTlsKeysAndRefusesACertificateWithoutAKey) {
  const auto c =
      Load(std::string(kMinimal) + R"(
serve:
  public:
    tls: {cert: {path: /etc/tls/cert.pem}, key: {path: /etc/tls/key.pem}}
)",
           {{"SERVE_ADMIN_TLS_CERT_BASE64", "Y2VydA"}, {"SERVE_ADMIN_TLS_KEY_BASE64", "a2V5"}});
  ASSERT_TRUE(c.ok()) << c.error().reason;
  EXPECT_TRUE(c->serve_public.tls.Enabled());
  EXPECT_EQ(c->serve_public.tls.cert.path, "/etc/tls/cert.pem");
  EXPECT_EQ(c->serve_public.tls.key.path, "/etc/tls/key.pem");
  EXPECT_TRUE(c->serve_admin.tls.Enabled());
  EXPECT_EQ(c->serve_admin.tls.cert.base64, "Y2VydA");

  const auto cert_only =
      Load(std::string(kMinimal) + "serve: {public: {tls: {cert: {path: /c.pem}}}}\n");
  ASSERT_FALSE(cert_only.ok());
  EXPECT_NE(
      cert_only.error().reason.find("serve.public.tls.key: missing (serve.public.tls.cert is set)"),
      std::string::npos)
      << cert_only.error().reason;
  const auto key_only =
      Load(std::string(kMinimal) + "serve: {admin: {tls: {key: {base64: a2V5}}}}\n");
  ASSERT_FALSE(key_only.ok());
  EXPECT_NE(key_only.error().reason.find("serve.admin.tls.cert: missing"), std::string::npos);
  const auto both = Load(std::string(kMinimal) +
                         "serve: {public: {tls: {cert: {path: /c, base64: Yw}, key: {path: "
                         "/k}, cipher: x}}}\n");
  ASSERT_FALSE(both.ok());
  EXPECT_NE(both.error().reason.find("serve.public.tls.cert: set either path or base64"),
            std::string::npos);
  EXPECT_NE(both.error().reason.find("serve.public.tls.cipher: unknown configuration key"),
            std::string::npos);
}

TEST_F(LoaderTest, ReadsTheBreachCheckSection) {
  const auto defaults = Load(kMinimal);
  ASSERT_TRUE(defaults.ok()) << defaults.error().reason;
  EXPECT_EQ(defaults->breach_check.corpus, "");
  EXPECT_EQ(defaults->breach_check.timeout, std::chrono::seconds(2));
  EXPECT_EQ(defaults->breach_check.cooldown, std::chrono::seconds(30));
  const auto set = Load(
      std::string(kMinimal) + "atrium: {breach_check: {corpus: /srv/pwned.txt, timeout: 500ms}}\n",
      {{"ATRIUM_BREACH_CHECK_COOLDOWN", "1m"}});
  ASSERT_TRUE(set.ok()) << set.error().reason;
  EXPECT_EQ(set->breach_check.corpus, "/srv/pwned.txt");
  EXPECT_EQ(set->breach_check.timeout, std::chrono::milliseconds(500));
  EXPECT_EQ(set->breach_check.cooldown, std::chrono::minutes(1));
  const auto bad = Load(std::string(kMinimal) + "atrium: {breach_check: {timeout: soon}}\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().reason.find("atrium.breach_check.timeout"), std::string::npos);
}

}  // namespace
}  // namespace atrium::config

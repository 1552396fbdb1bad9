#include "config/loader.h"

#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>

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

// ---- begin atrium.breach_check (branch h2-outbound) ----
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
// ---- end atrium.breach_check ----

}  // namespace
}  // namespace atrium::config

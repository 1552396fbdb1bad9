// The password method in isolation, through the registration core with in-memory stores.
#include "strategy/password/password.h"

#include <gtest/gtest.h>

#include "hash/hasher.h"
#include "registration/testing/fakes.h"
#include "strategy/profile/profile.h"

namespace atrium::strategy {
namespace {

using registration::testing::Harness;

constexpr char kPassword[] = "l3f9toh1uaf81n21";

class PasswordTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hash::HasherOptions options;
    options.argon2.memory_kib = 64;
    options.argon2.iterations = 1;
    hasher_ = hash::MakeHasher(options);
    pool_ = std::make_unique<hash::HashPool>(*hasher_, 1, 4);
    h_.config.selfservice.methods.password.haveibeenpwned_enabled = false;
    h_.config.selfservice.registration.after_methods["password"].hooks = {{"session", nullptr}};
    Rebuild();
  }
  void Rebuild() {
    policy_ =
        std::make_unique<password::PasswordPolicy>(h_.config.selfservice.methods.password, nullptr);
    profile_ = std::make_unique<ProfileStrategy>(h_.config);
    password_ = std::make_unique<PasswordStrategy>(h_.config, *pool_, *policy_);
    h_.Build({profile_.get(), password_.get()});
  }
  flow::Reply Submit(const flow::Request& r,
                     std::vector<std::pair<std::string, std::string>> form) {
    return h_.Submit(r, h_.NewFlow(r).id, std::move(form));
  }
  static int64_t MessageOn(const flow::Reply& reply, std::string_view node) {
    for (const auto& n : reply.body["ui"]["nodes"]) {
      if (n["attributes"].value("name", "") == node && !n["messages"].empty()) {
        return n["messages"][0]["id"].get<int64_t>();
      }
    }
    return reply.body["ui"]["messages"].empty() || node != ""
               ? 0
               : reply.body["ui"]["messages"][0]["id"].get<int64_t>();
  }

  Harness h_;
  std::unique_ptr<hash::Hasher> hasher_;
  std::unique_ptr<hash::HashPool> pool_;
  std::unique_ptr<password::PasswordPolicy> policy_;
  std::unique_ptr<ProfileStrategy> profile_;
  std::unique_ptr<PasswordStrategy> password_;
};

TEST_F(PasswordTest, CreatesAnIdentityWithAHashedPasswordAndTheNormalizedIdentifier) {
  const flow::Reply reply = Submit(h_.Api(), {{"method", "password"},
                                              {"password", kPassword},
                                              {"traits.email", "Ann@Example.COM"},
                                              {"traits.name", "Ann"}});
  ASSERT_EQ(reply.status, 200) << DumpJson(reply.body);
  const auto identities = h_.store.Identities();
  ASSERT_EQ(identities.size(), 1u);
  const auto& credential = identities[0].credentials.at("password");
  EXPECT_EQ(credential.identifiers, std::vector<std::string>{"ann@example.com"});
  const std::string hashed = credential.config["hashed_password"];
  EXPECT_TRUE(hashed.starts_with("$argon2id$"));
  EXPECT_TRUE(*hash::VerifyPassword(kPassword, hashed));
  EXPECT_EQ(identities[0].verifiable_addresses.at(0).value, "ann@example.com");
  EXPECT_EQ(reply.body["identity"]["traits"]["name"], "Ann");
}

struct Refusal {
  const char* name;
  std::vector<std::pair<std::string, std::string>> form;
  std::string node;  // where the message goes ("" = global)
  int64_t id;
};

void PrintTo(const Refusal& r, std::ostream* os) { *os << r.name; }

class PasswordRefusalTest : public PasswordTest, public ::testing::WithParamInterface<Refusal> {};

TEST_P(PasswordRefusalTest, ShowsTheMessageAndCreatesNothing) {
  const Refusal& r = GetParam();
  const flow::Reply reply = Submit(h_.Api(), r.form);
  ASSERT_EQ(reply.status, 400) << DumpJson(reply.body);
  EXPECT_EQ(MessageOn(reply, r.node), r.id) << DumpJson(reply.body["ui"]);
  EXPECT_TRUE(h_.store.Identities().empty());
}

INSTANTIATE_TEST_SUITE_P(
    Password, PasswordRefusalTest,
    ::testing::Values(
        Refusal{"TooShort",
                {{"method", "password"}, {"password", "short"}, {"traits.email", "a@b.co"}},
                "password",
                4000032},
        Refusal{"SimilarToTheIdentifier",
                {{"method", "password"},
                 {"password", "ann@example.com12"},
                 {"traits.email", "ann@example.com"}},
                "password",
                4000031},
        Refusal{
            "Missing", {{"method", "password"}, {"traits.email", "a@b.co"}}, "password", 4000002},
        Refusal{"NotAnEmail",
                {{"method", "password"}, {"password", kPassword}, {"traits.email", "nope"}},
                "traits.email",
                4000040},
        Refusal{"NoEmailAtAll",
                {{"method", "password"}, {"password", kPassword}},
                "traits.email",
                4000002}),
    [](const auto& test) { return std::string(test.param.name); });

TEST_F(PasswordTest, BcryptRefusesPasswordsOver72Bytes) {
  h_.config.hashers.algorithm = "bcrypt";
  Rebuild();
  const flow::Reply reply = Submit(h_.Api(), {{"method", "password"},
                                              {"password", std::string(73, 'x') + "9!"},
                                              {"traits.email", "a@b.co"}});
  ASSERT_EQ(reply.status, 400);
  EXPECT_EQ(MessageOn(reply, "password"), 4000033);
}

TEST_F(PasswordTest, ChecksTheCsrfTokenOfBrowserFlowsOnceTheBodyIsRead) {
  const flow::Request browser = h_.Browser();
  const std::string flow_id = h_.NewFlow(browser).id;
  const flow::Reply forged = h_.Submit(browser, flow_id,
                                       {{"method", "password"},
                                        {"password", kPassword},
                                        {"traits.email", "a@b.co"},
                                        {"csrf_token", "x"}});
  EXPECT_EQ(forged.error.id, "security_csrf_violation");
  const flow::Reply ok = h_.Submit(browser, flow_id,
                                   {{"method", "password"},
                                    {"password", kPassword},
                                    {"traits.email", "a@b.co"},
                                    {"csrf_token", h_.CsrfToken()}});
  EXPECT_EQ(ok.status, 303);
}

TEST_F(PasswordTest, ApiFlowsRefuseBrowsers) {
  flow::Request r = h_.Api();
  const std::string flow_id = h_.NewFlow(r).id;
  r.has_origin = true;
  const flow::Reply reply = h_.Submit(
      r, flow_id, {{"method", "password"}, {"password", kPassword}, {"traits.email", "a@b.co"}});
  ASSERT_EQ(reply.status, 400) << "a form message, as Kratos (§11.6)";
  EXPECT_NE(reply.body["ui"]["messages"][0]["text"].get<std::string>().find("\"Origin\""),
            std::string::npos);
  EXPECT_TRUE(h_.store.Identities().empty());
}

TEST_F(PasswordTest, ADisabledMethodAddsNoNodesAndRefusesSubmissions) {
  h_.config.selfservice.methods.password.enabled = false;
  Rebuild();
  const auto f = h_.NewFlow(h_.Api());
  EXPECT_EQ(f.ui.Find("password"), nullptr);
  const flow::Reply reply =
      h_.Submit(h_.Api(), f.id, {{"method", "password"}, {"password", kPassword}});
  EXPECT_EQ(reply.error.code, ErrorCode::kNotFound);
}

TEST_F(PasswordTest, OnlyAnswersItsOwnMethod) {
  const flow::Reply reply = Submit(h_.Api(), {{"method", "oidc"}, {"password", kPassword}});
  EXPECT_EQ(MessageOn(reply, ""), 4010003);
}

TEST_F(PasswordTest, AddsItsNodesToTheCredentialStepOnly) {
  h_.config.selfservice.registration.style = "profile_first";
  Rebuild();
  const auto f = h_.NewFlow(h_.Api());
  EXPECT_EQ(f.ui.Find("password"), nullptr) << "the traits screen has no password";
  EXPECT_NE(f.ui.Find("method", "profile"), nullptr);
}

}  // namespace
}  // namespace atrium::strategy

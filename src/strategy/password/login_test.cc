// Signing in with a password, the method alone: its nodes, its answers, and what it does to the
// stored hash. Real hashing (fast parameters) and a real in-memory SQLite store.
#include "strategy/password/login.h"

#include <gtest/gtest.h>

#include "flow/csrf.h"
#include "registration/testing/fakes.h"
#include "store/sqlite/sqlite_store.h"

namespace atrium::strategy {
namespace {

constexpr char kPassword[] = "l3f9toh1uaf81n21";

class NoForm final : public login::FormBuilder {
 public:
  bool Build(login::Flow&, const identity::IdentitySchema&, login::FormStep,
             const identity::Identity*) const override {
    return false;
  }
};

hash::Argon2Params Fast() {
  hash::Argon2Params p;
  p.memory_kib = 64;
  p.iterations = 1;
  return p;
}

class PasswordLoginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(store::SqliteStore::Open("memory", 1)).value();
    ASSERT_TRUE(store_->Migrate().ok());
    hasher_ = std::make_unique<hash::Argon2idHasher>(Fast());
    pool_ = std::make_unique<hash::HashPool>(*hasher_, 1, 4);
    method_ = std::make_unique<PasswordLogin>(h_.config, *pool_);
  }

  // An identity whose password credential holds `identifier` and `hashed`.
  identity::Identity Add(const std::string& identifier, const std::string& hashed,
                         Json extra = Json::object()) {
    identity::Identity id;
    id.id = h_.ids.NewUuid();
    id.schema_id = "default";
    id.state = "active";
    id.traits = {{"email", identifier}};
    identity::Credential c;
    c.type = "password";
    c.identifiers = {identifier};
    c.config = {{"hashed_password", hashed}};
    c.config.update(extra);
    id.credentials["password"] = c;
    session::Session s;
    s.id = h_.ids.NewUuid();
    s.token_digest = session::TokenDigest(session::NewSessionToken());
    s.identity_id = id.id;
    EXPECT_TRUE(store_->CreateIdentityWithSession(id, s).ok());
    return id;
  }
  std::string StoredHash(const std::string& id) {
    return (**store_->GetIdentity(id))
        .credentials.at("password")
        .config.value("hashed_password", "");
  }

  login::Outcome Login(std::vector<std::pair<std::string, std::string>> form,
                       std::string aal = "aal1") {
    flow_.type = login::FlowType::kApi;
    flow_.requested_aal = std::move(aal);
    request_.is_json = true;
    body_.form = std::move(form);
    login::SubmitContext ctx{request_, flow_, h_.schemas->Default(), body_, csrf_, *store_,
                             form_,    Json()};
    login::Outcome out = method_->Login(ctx);
    decoded_ = ctx.decoded;
    return out;
  }
  static std::vector<std::pair<std::string, int64_t>> Messages(const login::Outcome& out) {
    std::vector<std::pair<std::string, int64_t>> got;
    const std::vector<flow::FieldMessage>* messages = nullptr;
    if (const auto* e = std::get_if<login::FormErrors>(&out)) {
      messages = &e->messages;
    } else if (const auto* r = std::get_if<login::Rejected>(&out)) {
      messages = &r->messages;
    }
    for (const auto& m : messages ? *messages : std::vector<flow::FieldMessage>{}) {
      got.emplace_back(m.node, m.message.id);
    }
    return got;
  }

  registration::testing::Harness h_;
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<hash::Hasher> hasher_;
  std::unique_ptr<hash::HashPool> pool_;
  std::unique_ptr<PasswordLogin> method_;
  flow::CsrfGuard csrf_{flow::CsrfOptions{"http://127.0.0.1:4433/", "/", "", false, "Lax"}};
  NoForm form_;
  flow::Request request_;
  flow::Body body_;
  login::Flow flow_;
  Json decoded_;
};

TEST_F(PasswordLoginTest, FirstFactorNodes) {
  login::Flow f;
  EXPECT_TRUE(method_->Populate(f, h_.schemas->Default(), login::FormStep::kFirstFactor, nullptr));
  ASSERT_EQ(f.ui.nodes.size(), 3u);
  EXPECT_EQ(
      f.ui.nodes[0].ToJson().dump(),
      R"({"type":"input","group":"default","attributes":{"name":"identifier","type":"text","value":"","required":true,"disabled":false,"node_type":"input"},"messages":[],"meta":{"label":{"id":1070002,"text":"E-Mail","type":"info","context":{"name":"traits.email","title":"E-Mail"}}}})");
  EXPECT_EQ(
      f.ui.nodes[1].ToJson().dump(),
      R"({"type":"input","group":"password","attributes":{"name":"password","type":"password","required":true,"autocomplete":"current-password","disabled":false,"node_type":"input"},"messages":[],"meta":{"label":{"id":1070001,"text":"Password","type":"info"}}})");
  EXPECT_EQ(f.ui.nodes[2].ToJson()["meta"]["label"]["id"], 1010022);
}

TEST_F(PasswordLoginTest, RefreshPrefillsTheIdentifierOnlyForIdentitiesWithAPassword) {
  const auto ann = Add("ann@example.com", *hasher_->Hash(kPassword));
  login::Flow f;
  EXPECT_TRUE(method_->Populate(f, h_.schemas->Default(), login::FormStep::kRefresh,
                                &**store_->GetIdentity(ann.id)));
  ASSERT_EQ(f.ui.nodes.size(), 3u);
  EXPECT_EQ(f.ui.nodes[0].input.type, "hidden");
  EXPECT_EQ(f.ui.nodes[0].input.value, "ann@example.com");
  EXPECT_FALSE(f.ui.nodes[0].input.required);
  EXPECT_FALSE(f.ui.nodes[0].label.has_value());
  EXPECT_EQ(f.ui.nodes[2].label->id, 1010001);

  identity::Identity no_password = ann;
  no_password.credentials.clear();
  login::Flow g;
  EXPECT_FALSE(
      method_->Populate(g, h_.schemas->Default(), login::FormStep::kRefresh, &no_password));
  EXPECT_TRUE(g.ui.nodes.empty());
}

TEST_F(PasswordLoginTest, ChosenScreenShowsThePasswordOnlyWhenItCouldWork) {
  login::Flow f;
  EXPECT_FALSE(method_->Populate(f, h_.schemas->Default(), login::FormStep::kChosen, nullptr));
  EXPECT_TRUE(f.ui.nodes.empty());
  h_.config.account_enumeration_mitigate = true;
  EXPECT_TRUE(method_->Populate(f, h_.schemas->Default(), login::FormStep::kChosen, nullptr));
  EXPECT_EQ(f.ui.nodes.size(), 2u);
}

TEST_F(PasswordLoginTest, OnlyPasswordSubmissionsOfAal1Flows) {
  EXPECT_TRUE(std::holds_alternative<login::NotResponsible>(Login({{"method", "code"}})));
  EXPECT_TRUE(std::holds_alternative<login::NotResponsible>(Login({})));
  EXPECT_TRUE(std::holds_alternative<login::NotResponsible>(
      Login({{"method", "password"}, {"identifier", "a"}, {"password", "b"}}, "aal2")));
  h_.config.selfservice.methods.password.enabled = false;
  const auto out = Login({{"method", "password"}});
  ASSERT_TRUE(std::holds_alternative<login::Failed>(out));
  EXPECT_EQ(std::get<login::Failed>(out).error.code, ErrorCode::kNotFound);
}

TEST_F(PasswordLoginTest, MissingFieldsAreNamedOnTheirNodes) {
  EXPECT_EQ(Messages(Login({{"method", "password"}})),
            (std::vector<std::pair<std::string, int64_t>>{{"identifier", 4000002},
                                                          {"password", 4000002}}));
  EXPECT_EQ(Messages(Login({{"method", "password"}, {"identifier", "ann@example.com"}})),
            (std::vector<std::pair<std::string, int64_t>>{{"password", 4000002}}));
  // The deprecated password_identifier stands in for identifier.
  EXPECT_EQ(
      Messages(Login({{"method", "password"}, {"password_identifier", "x"}, {"password", "y"}})),
      (std::vector<std::pair<std::string, int64_t>>{{"", 4000006}}));
}

TEST_F(PasswordLoginTest, UnknownIdentifierAndWrongPasswordAreTheSameRejection) {
  Add("ann@example.com", *hasher_->Hash(kPassword));
  const auto unknown =
      Login({{"method", "password"}, {"identifier", "bob@example.com"}, {"password", kPassword}});
  const auto wrong =
      Login({{"method", "password"}, {"identifier", "ann@example.com"}, {"password", "nope"}});
  ASSERT_TRUE(std::holds_alternative<login::Rejected>(unknown));
  ASSERT_TRUE(std::holds_alternative<login::Rejected>(wrong));
  EXPECT_EQ(Messages(unknown), Messages(wrong));
  EXPECT_EQ(Messages(wrong), (std::vector<std::pair<std::string, int64_t>>{{"", 4000006}}));
}

TEST_F(PasswordLoginTest, IdentifiersAreFoundAsTypedAndNormalized) {
  const auto ann = Add("ann@example.com", *hasher_->Hash(kPassword));
  const auto legacy = Add("+49 176 671 11 638", *hasher_->Hash(kPassword));
  const auto signed_in = [&](const std::string& identifier) -> std::string {
    const auto out =
        Login({{"method", "password"}, {"identifier", identifier}, {"password", kPassword}});
    const auto* a = std::get_if<login::Authenticated>(&out);
    return a == nullptr ? "" : a->identity.id;
  };
  EXPECT_EQ(signed_in("  ANN@example.COM "), ann.id);
  EXPECT_EQ(signed_in("+49 176 671 11 638"), legacy.id) << "a row stored before normalization";
  EXPECT_EQ(decoded_.value("identifier", ""), "+49 176 671 11 638");
}

TEST_F(PasswordLoginTest, HashesInAnotherFormatOrWithOtherParametersAreUpgraded) {
  const auto bcrypted = Add("b@example.com", *hash::BcryptHasher(4).Hash(kPassword));
  hash::Argon2Params weaker = Fast();
  weaker.memory_kib = 32;
  const auto old_params = Add("o@example.com", *hash::Argon2idHasher(weaker).Hash(kPassword));
  const std::string current_hash = *hasher_->Hash(kPassword);
  const auto current = Add("c@example.com", current_hash);
  for (const auto* who : {&bcrypted, &old_params, &current}) {
    const auto out = Login({{"method", "password"},
                            {"identifier", who->traits["email"].get<std::string>()},
                            {"password", kPassword}});
    ASSERT_TRUE(std::holds_alternative<login::Authenticated>(out));
    EXPECT_TRUE(hasher_->IsCurrent(StoredHash(who->id))) << StoredHash(who->id);
  }
  EXPECT_EQ(StoredHash(current.id), current_hash) << "a current hash is left alone";
  // A wrong password never touches the stored hash.
  const auto wrong_before = Add("w@example.com", *hash::BcryptHasher(4).Hash(kPassword));
  const std::string before = StoredHash(wrong_before.id);
  Login({{"method", "password"}, {"identifier", "w@example.com"}, {"password", "nope"}});
  EXPECT_EQ(StoredHash(wrong_before.id), before);
}

TEST_F(PasswordLoginTest, ACredentialWaitingForTheMigrationHookIsAnError) {
  Add("m@example.com", "", {{"use_password_migration_hook", true}});
  const auto out =
      Login({{"method", "password"}, {"identifier", "m@example.com"}, {"password", kPassword}});
  ASSERT_TRUE(std::holds_alternative<login::Failed>(out));
  EXPECT_EQ(std::get<login::Failed>(out).error.reason,
            "Password migration hook is not enabled but password migration is requested.");
}

}  // namespace
}  // namespace atrium::strategy

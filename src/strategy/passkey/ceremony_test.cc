#include "strategy/passkey/ceremony.h"

#include <map>
#include <string>

#include <gtest/gtest.h>

#include "base/strings.h"
#include "crypto/hash.h"

namespace atrium::strategy {
namespace {

class FixedClock final : public Clock {
 public:
  Timestamp Now() const override { return Timestamp{}; }
};

// Identities by (type, identifier).
class FakeIdentities final : public identity::IdentityStore {
 public:
  std::map<std::pair<std::string, std::string>, identity::Identity> owners;
  Result<std::optional<identity::Identity>> GetIdentity(std::string_view) override {
    return std::optional<identity::Identity>();
  }
  Result<std::optional<identity::Identity>> FindByCredentialIdentifier(
      std::string_view type, std::string_view identifier) override {
    const auto it = owners.find({std::string(type), std::string(identifier)});
    return it == owners.end() ? std::optional<identity::Identity>()
                              : std::optional<identity::Identity>(it->second);
  }
  Result<std::optional<identity::Identity>> FindByAddress(std::string_view,
                                                          std::string_view) override {
    return std::optional<identity::Identity>();
  }
  Status UpdateCredentialConfig(std::string_view, std::string_view, const Json&) override {
    return {};
  }
};

class CeremonyTest : public ::testing::Test {
 protected:
  CeremonyTest() {
    config_.serve_public.base_url = "https://auth.example.org:8443/";
    config_.selfservice.methods.passkey.rp_display_name = "Example";
  }
  Ceremony Make() {
    return Ceremony(config_, config_.selfservice.methods.passkey,
                    CeremonySpec{"passkey_session_data", "passkey_session_options", true}, clock_);
  }
  config::Config config_;
  FixedClock clock_;
};

TEST_F(CeremonyTest, OptionsComeFromConfigAndTheCsprngAndAreKeptInTheFlow) {
  const Ceremony c = Make();
  registration::Flow flow;
  const Json options = c.Options(flow);
  const Json& pk = options["publicKey"];
  EXPECT_EQ(pk["rp"], (Json{{"name", "Example"}, {"id", "auth.example.org"}}));
  const auto user_id = Base64UrlDecode(pk["user"]["id"].get<std::string>());
  ASSERT_TRUE(user_id);
  EXPECT_EQ(user_id->size(), 64u);
  const auto challenge = Base64UrlDecode(pk["challenge"].get<std::string>());
  ASSERT_TRUE(challenge);
  EXPECT_GE(challenge->size(), 16u);
  EXPECT_EQ(pk["pubKeyCredParams"].size(), 3u);
  EXPECT_EQ(pk["authenticatorSelection"]["residentKey"], "required");
  EXPECT_EQ(pk["authenticatorSelection"]["userVerification"], "preferred");
  EXPECT_EQ(pk["attestation"], "none");
  EXPECT_EQ(pk["timeout"], 300000);
  EXPECT_EQ(c.Origins(), std::vector<std::string>{"https://auth.example.org:8443"});
  // Kept and reused.
  EXPECT_EQ(c.Options(flow), options);
  EXPECT_TRUE(flow.internal_context.contains("passkey_session_data"));
  // Another flow: other randomness.
  registration::Flow other;
  EXPECT_NE(c.Options(other)["publicKey"]["challenge"], pk["challenge"]);
}

TEST_F(CeremonyTest, TakeUsesTheChallengeOnce) {
  const Ceremony c = Make();
  registration::Flow flow;
  const Json options = c.Options(flow);
  const auto session = c.Take(flow);
  ASSERT_TRUE(session);
  EXPECT_EQ(Base64UrlEncode(session->challenge),
            options["publicKey"]["challenge"].get<std::string>());
  EXPECT_FALSE(c.Take(flow)) << "used once";
  EXPECT_FALSE(flow.internal_context.contains("passkey_session_options"));
  EXPECT_NE(c.Options(flow)["publicKey"]["challenge"], options["publicKey"]["challenge"]);
  // Session data that is no challenge is no session.
  flow.internal_context["passkey_session_data"] = {{"challenge", "AAAA"}, {"user_id", "AA"}};
  EXPECT_FALSE(c.Take(flow));
}

TEST_F(CeremonyTest, UndecodableResponsesAreParseFailures) {
  const Ceremony c = Make();
  const CeremonySession session{std::string(32, 'c'), "user"};
  for (const char* response :
       {"", "garbage", "true", "[]", R"({"id":"AA","rawId":"AA","type":"public-key"})",
        R"({"id":"AA","rawId":"AB","type":"public-key","response":{}})",
        R"({"id":"AA","rawId":"AA","type":"other","response":{}})",
        R"({"id":"AA","rawId":"AA","type":"public-key","response":{"clientDataJSON":"!"}})"}) {
    const auto r = c.Verify(session, response);
    const auto* failure = std::get_if<CeremonyFailure>(&r);
    ASSERT_NE(failure, nullptr) << response;
    EXPECT_EQ(failure->kind, CeremonyFailure::kParse) << response;
  }
  // Well-formed, but the checks fail: a verification failure.
  const std::string cdj = Base64UrlEncode(
      R"({"type":"webauthn.create","challenge":"x","origin":"https://auth.example.org:8443"})");
  const auto r = c.Verify(session, R"({"id":"AA","rawId":"AA","type":"public-key","response":)"
                                   R"({"clientDataJSON":")" +
                                       cdj + R"(","attestationObject":"oA"}})");
  const auto* failure = std::get_if<CeremonyFailure>(&r);
  ASSERT_NE(failure, nullptr);
  EXPECT_EQ(failure->kind, CeremonyFailure::kVerify);
  EXPECT_NE(failure->reason.find("challenge"), std::string::npos) << failure->reason;
}

TEST_F(CeremonyTest, ARegisteredCredentialIdIsRefusedWhateverItsType) {
  FakeIdentities identities;
  auto none = RefuseRegisteredCredential(identities, "cred");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(*none);
  identities.owners[{"webauthn", Ceremony::CredentialIdentifier("cred")}] = identity::Identity{};
  auto refused = RefuseRegisteredCredential(identities, "cred");
  ASSERT_TRUE(refused.ok());
  ASSERT_TRUE(*refused);
  const auto* errors = std::get_if<registration::FormErrors>(&**refused);
  ASSERT_NE(errors, nullptr);
  EXPECT_EQ(errors->messages.at(0).message.id, 4000007);
}

TEST(WebAuthnScript, TheIntegrityIsTheHashOfTheBody) {
  const registration::Script& s = WebAuthnScript();
  EXPECT_EQ(s.path, "/.well-known/ory/webauthn.js");
  EXPECT_EQ(WebAuthnScriptIntegrity(), "sha512-" + Base64Encode(crypto::Sha512(s.body)));
  EXPECT_NE(s.body.find("window.oryPasskeyRegistration"), std::string::npos);
  EXPECT_NE(s.body.find("window.oryWebAuthnRegistration"), std::string::npos);
  config::Config config;
  config.serve_public.base_url = "http://localhost:4433/";
  const ui::Node n = WebAuthnScriptNode(config);
  EXPECT_EQ(n.attributes["src"], "http://localhost:4433/.well-known/ory/webauthn.js");
  EXPECT_EQ(n.attributes["integrity"], WebAuthnScriptIntegrity());
  EXPECT_EQ(n.group, "webauthn");
}

}  // namespace
}  // namespace atrium::strategy

// The code method through the registration core with in-memory stores: sending, verifying,
// resending, both registration styles, the limits, and every refusal (§17.3).
#include "strategy/code/code.h"

#include <map>

#include <gtest/gtest.h>

#include "base/strings.h"
#include "config/courier.h"
#include "courier/templates.h"
#include "registration/testing/fakes.h"
#include "strategy/profile/profile.h"

namespace atrium::strategy {
namespace {

using registration::testing::Harness;
using registration::testing::MemoryCodeStore;
using registration::testing::ScriptedStrategy;
using Form = std::vector<std::pair<std::string, std::string>>;

class CountingDoorbell final : public courier::Doorbell {
 public:
  void Ring() override { ++rings; }
  int rings = 0;
};

// The submission counters (login::AttemptStore), in memory.
class MemoryAttempts final : public login::AttemptStore {
 public:
  Result<std::optional<Counter>> GetAttempts(std::string_view key) override {
    const auto it = counters.find(std::string(key));
    return it == counters.end() ? std::optional<Counter>() : std::optional<Counter>(it->second);
  }
  Result<int64_t> RecordFailure(std::string_view key, Timestamp now, Timestamp restart_before,
                                Timestamp expires_at) override {
    Counter& c = counters[std::string(key)];
    c.failures = c.failures > 0 && c.last_failure >= restart_before ? c.failures + 1 : 1;
    c.last_failure = now;
    expiries[std::string(key)] = expires_at;
    return c.failures;
  }
  Status ResetAttempts(std::string_view key) override {
    counters.erase(std::string(key));
    return OkStatus();
  }

  std::map<std::string, Counter> counters;
  std::map<std::string, Timestamp> expiries;
};

class CodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    h_.config.selfservice.methods.code.passwordless_enabled = true;
    h_.config.selfservice.registration.after_methods["code"].hooks = {{"session", nullptr}};
    Rebuild();
  }
  void Rebuild() {
    profile_ = std::make_unique<ProfileStrategy>(h_.config);
    code_ = std::make_unique<CodeStrategy>(
        CodeDeps{h_.config, codes_, attempts_, digester_, composer_, &doorbell_, h_.ids, h_.clock});
    h_.Build({profile_.get(), &password_, code_.get()});
  }
  void TwoStep() {
    h_.config.selfservice.registration.style = "profile_first";
    Rebuild();
  }

  // The code in the last message queued to `address` ("" when none was).
  std::string CodeSentTo(std::string_view address) const {
    const auto messages = codes_.Messages();
    for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
      if (it->recipient == address) {
        return it->template_data.value("RegistrationCode", "");
      }
    }
    return "";
  }
  // Sends a code for `email` on a new flow of the request's kind; returns the flow id.
  std::string SendCode(const flow::Request& r, const std::string& email) {
    const std::string id = h_.NewFlow(r).id;
    const flow::Reply sent = h_.Submit(
        r, id, WithCsrf(r, {{"method", "code"}, {"traits.email", email}, {"traits.name", "Ann"}}));
    EXPECT_TRUE(sent.status == 400 || sent.status == 303) << DumpJson(sent.body);
    return id;
  }
  flow::Reply Verify(const flow::Request& r, const std::string& id, const std::string& email,
                     const std::string& code) {
    return h_.Submit(
        r, id,
        WithCsrf(
            r,
            {{"method", "code"}, {"code", code}, {"traits.email", email}, {"traits.name", "Ann"}}));
  }
  Form WithCsrf(const flow::Request& r, Form form) const {
    if (r.csrf.has_cookie_header) {
      form.emplace_back("csrf_token", h_.CsrfToken());
    }
    return form;
  }
  static const Json* Node(const Json& flow, std::string_view name, std::string_view value = "") {
    for (const auto& n : flow["ui"]["nodes"]) {
      if (n["attributes"].value("name", "") == name &&
          (value.empty() || n["attributes"].value("value", Json()) == value)) {
        return &n;
      }
    }
    return nullptr;
  }
  static int64_t GlobalMessage(const flow::Reply& reply) {
    const Json& messages = reply.body["ui"]["messages"];
    return messages.empty() ? 0 : messages[0]["id"].get<int64_t>();
  }
  // "name:type:value:group" of every node, in order.
  static std::vector<std::string> Layout(const Json& flow) {
    std::vector<std::string> out;
    for (const auto& n : flow["ui"]["nodes"]) {
      const Json& a = n["attributes"];
      const Json value = a.value("value", Json());
      out.push_back(a.value("name", "") + ":" + a.value("type", "") + ":" +
                    (value.is_string() ? value.get<std::string>() : std::string()) + ":" +
                    n.value("group", ""));
    }
    return out;
  }

  Harness h_;
  MemoryCodeStore codes_;
  MemoryAttempts attempts_;
  otp::Digester digester_{"a-test-otp-secret"};
  std::unique_ptr<courier::Templates> templates_ =
      std::move(courier::Templates::Load(config::Courier{})).value();
  courier::Composer& composer_ = *templates_;
  CountingDoorbell doorbell_;
  std::unique_ptr<ProfileStrategy> profile_;
  ScriptedStrategy password_{"password"};
  std::unique_ptr<CodeStrategy> code_;
};

TEST_F(CodeTest, OffersTheSendButtonOnlyWhenPasswordlessIsEnabled) {
  const auto f = h_.NewFlow(h_.Api());
  const ui::Node* send = f.ui.Find("method", "code");
  ASSERT_NE(send, nullptr);
  EXPECT_EQ(send->input.type, "submit");
  EXPECT_EQ(send->input.value, "code");
  EXPECT_EQ(send->label->id, 1040006);
  EXPECT_EQ(send->label->text, "Send sign up code");

  h_.config.selfservice.methods.code.passwordless_enabled = false;
  Rebuild();
  EXPECT_EQ(h_.NewFlow(h_.Api()).ui.Find("method", "code"), nullptr);
}

TEST_F(CodeTest, SendingQueuesOneCodeAndShowsTheCodeForm) {
  const auto f = h_.NewFlow(h_.Api());
  const flow::Reply sent =
      h_.Submit(h_.Api(), f.id,
                {{"method", "code"}, {"traits.email", "Ann@Example.com"}, {"traits.name", "Ann"}});
  ASSERT_EQ(sent.status, 400) << "the code-sent step answers the flow with 400 to JSON clients";
  EXPECT_EQ(sent.body["state"], "sent_email");
  EXPECT_EQ(sent.body["active"], "code");
  EXPECT_EQ(Layout(sent.body), (std::vector<std::string>{
                                   "csrf_token:hidden::default",
                                   "traits.email:hidden:Ann@Example.com:default",
                                   "traits.name:hidden:Ann:default",
                                   "method:hidden:code:code",
                                   "code:text::code",
                                   "method:submit:code:code",
                                   "resend:submit:code:code",
                               }))
      << "the layout Kratos writes, unsorted";
  const Json* code = Node(sent.body, "code");
  EXPECT_EQ((*code)["attributes"]["required"], true);
  EXPECT_EQ((*code)["attributes"]["autocomplete"], "one-time-code");
  EXPECT_EQ((*code)["meta"]["label"]["id"], 1070012);
  EXPECT_EQ((*Node(sent.body, "method", "code"))["meta"].size(), 0u) << "the hidden method";
  EXPECT_EQ(sent.body["ui"]["nodes"][5]["meta"]["label"]["id"], 1070009);
  EXPECT_EQ((*Node(sent.body, "resend"))["meta"]["label"]["id"], 1070008);
  ASSERT_EQ(sent.body["ui"]["messages"].size(), 1u);
  EXPECT_EQ(sent.body["ui"]["messages"][0],
            (Json{{"id", 1040005},
                  {"text",
                   "A code has been sent to the address(es) you provided. If you have not "
                   "received a message, check the spelling of the address and retry the "
                   "registration."},
                  {"type", "info"}}));

  const auto messages = codes_.Messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].recipient, "ann@example.com") << "sent to the normalized address";
  EXPECT_EQ(messages[0].template_type, "registration_code_valid");
  EXPECT_EQ(messages[0].template_data["ExpiresInMinutes"], 10);
  EXPECT_EQ(messages[0].template_data["Traits"]["name"], "Ann");
  const std::string code_text = CodeSentTo("ann@example.com");
  ASSERT_EQ(code_text.size(), 6u);
  EXPECT_NE(messages[0].subject.find(code_text), std::string::npos);
  EXPECT_EQ(messages[0].next_attempt_at, h_.clock.Now());
  EXPECT_EQ(doorbell_.rings, 1);
  const auto active = *codes_.ActiveCodes(f.id, otp::Purpose::kRegistration);
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].expires_at, h_.clock.Now() + std::chrono::minutes(10));
  EXPECT_EQ(active[0].digest.find(code_text), std::string::npos) << "only a digest is stored";
  EXPECT_EQ((*h_.store.GetFlow(f.id))->state, "sent_email") << "the step is stored";
  EXPECT_TRUE(h_.store.Identities().empty());
}

TEST_F(CodeTest, TheRightCodeCreatesTheIdentityWithItsAddressVerified) {
  const std::string id = SendCode(h_.Api(), "ann@example.com");
  h_.clock.Advance(std::chrono::minutes(9));
  const flow::Reply done = Verify(h_.Api(), id, "ann@example.com", CodeSentTo("ann@example.com"));
  ASSERT_EQ(done.status, 200) << DumpJson(done.body);
  EXPECT_TRUE(done.body.contains("session_token"));
  EXPECT_EQ(done.body["session"]["authentication_methods"][0]["method"], "code");
  const auto identities = h_.store.Identities();
  ASSERT_EQ(identities.size(), 1u);
  const auto& credential = identities[0].credentials.at("code");
  EXPECT_EQ(credential.identifiers, std::vector<std::string>{"ann@example.com"});
  EXPECT_EQ(credential.version, 1);
  EXPECT_EQ(credential.config,
            (Json{{"addresses", {{{"channel", "email"}, {"address", "ann@example.com"}}}}}));
  EXPECT_EQ(identities[0].credentials.count("password"), 0u);
  const auto& address = identities[0].verifiable_addresses.at(0);
  EXPECT_TRUE(address.verified);
  EXPECT_EQ(address.status, "completed");
  ASSERT_TRUE(address.verified_at.has_value());
  EXPECT_EQ(*address.verified_at, h_.clock.Now());
  EXPECT_EQ(done.body["identity"]["verifiable_addresses"][0]["verified"], true);
}

TEST_F(CodeTest, BrowsersAreRedirectedAndMustPresentTheCsrfToken) {
  const flow::Request browser = h_.Browser();
  const auto f = h_.NewFlow(browser);
  const flow::Reply forged =
      h_.Submit(browser, f.id, {{"method", "code"}, {"traits.email", "ann@example.com"}});
  EXPECT_EQ(forged.error.id, "security_csrf_violation");
  EXPECT_TRUE(codes_.Messages().empty()) << "no code without the token";

  const flow::Reply sent = h_.Submit(
      browser, f.id, WithCsrf(browser, {{"method", "code"}, {"traits.email", "ann@example.com"}}));
  ASSERT_EQ(sent.status, 303);
  EXPECT_EQ(sent.location, "http://127.0.0.1:4455/registration?flow=" + f.id);
  EXPECT_NE((*h_.store.GetFlow(f.id))->ui.Find("csrf_token")->input.value, "")
      << "the code form carries a token";

  // What the form posts: the hidden method first, then the code and the pressed button.
  const flow::Reply done = h_.Submit(browser, f.id,
                                     {{"csrf_token", h_.CsrfToken()},
                                      {"traits.email", "ann@example.com"},
                                      {"method", "code"},
                                      {"code", CodeSentTo("ann@example.com")},
                                      {"method", "code"}});
  ASSERT_EQ(done.status, 303) << DumpJson(done.body);
  EXPECT_EQ(done.location, "http://127.0.0.1:4455/welcome");
  EXPECT_EQ(h_.store.Identities().size(), 1u);
}

TEST_F(CodeTest, SpaClientsGetTheFlowAndThenTheSession) {
  const flow::Request spa = h_.Spa();
  const std::string id = SendCode(spa, "ann@example.com");
  const flow::Reply done = Verify(spa, id, "ann@example.com", CodeSentTo("ann@example.com"));
  ASSERT_EQ(done.status, 200) << DumpJson(done.body);
  EXPECT_FALSE(done.body.contains("session_token"));
  EXPECT_EQ(done.body["continue_with"][0]["action"], "redirect_browser_to");
  EXPECT_FALSE(done.cookies.empty()) << "the session cookie";
}

TEST_F(CodeTest, TheRequestNotTheFlowTypeDecidesBetweenJsonAndRedirect) {
  flow::Request form_post = h_.Api();
  form_post.is_json = false;
  form_post.accepts_json = false;
  const auto f = h_.NewFlow(h_.Api());
  const flow::Reply sent =
      h_.Submit(form_post, f.id, {{"method", "code"}, {"traits.email", "ann@example.com"}});
  EXPECT_EQ(sent.status, 303) << "an API flow posted as a form is redirected (§26 item 16)";
  EXPECT_EQ((*h_.store.GetFlow(f.id))->state, "sent_email");
}

TEST_F(CodeTest, SmsIdentifiersGetNoCode) {
  h_.config.identity_schemas = {
      {"default", "base64://" + Base64Encode(R"({"type": "object", "properties": {"traits": {
          "type": "object", "properties": {"phone": {"type": "string", "format": "tel",
            "ory.sh/kratos": {"credentials": {"code": {"identifier": true, "via": "sms"}}}}}}}})"),
       false}};
  h_.schemas =
      std::move(identity::SchemaRegistry::Load(h_.config.identity_schemas, "default")).value();
  Rebuild();
  const auto f = h_.NewFlow(h_.Api());
  const flow::Reply reply =
      h_.Submit(h_.Api(), f.id, {{"method", "code"}, {"traits.phone", "+49 151 2345678"}});
  EXPECT_EQ(GlobalMessage(reply), 4000009) << "no SMS sender yet";
  EXPECT_TRUE(codes_.Messages().empty());
}

TEST_F(CodeTest, TwoStepRegistrationOffersTheCodeOnTheCredentialScreenAndComesBack) {
  TwoStep();
  const auto f = h_.NewFlow(h_.Api());
  EXPECT_EQ(f.ui.Find("method", "code"), nullptr) << "not on the traits screen";
  const flow::Reply credentials =
      h_.Submit(h_.Api(), f.id, {{"method", "profile"}, {"traits.email", "ann@example.com"}});
  ASSERT_NE(Node(credentials.body, "method", "code"), nullptr);

  const flow::Reply sent =
      h_.Submit(h_.Api(), f.id, {{"method", "code"}, {"traits.email", "ann@example.com"}});
  ASSERT_EQ(sent.status, 400);
  EXPECT_EQ(Layout(sent.body).back(), "screen:submit:credential-selection:profile");
  EXPECT_EQ(sent.body["ui"]["nodes"].back()["meta"]["label"]["id"], 1040008);
  EXPECT_EQ(Node(sent.body, "screen", "previous"), nullptr) << "the profile's Back is gone";

  const flow::Reply back = h_.Submit(h_.Api(), f.id,
                                     {{"method", "code"},
                                      {"traits.email", "ann@example.com"},
                                      {"screen", "credential-selection"}});
  ASSERT_EQ(back.status, 400);
  EXPECT_EQ(back.body["state"], "choose_method");
  EXPECT_EQ(Node(back.body, "code"), nullptr);
  EXPECT_EQ(Node(back.body, "resend"), nullptr);
  EXPECT_EQ(Node(back.body, "screen", "credential-selection"), nullptr);
  const Json* send = Node(back.body, "method", "code");
  ASSERT_NE(send, nullptr);
  EXPECT_EQ((*send)["meta"]["label"]["id"], 1040006);
  EXPECT_NE(Node(back.body, "screen", "previous"), nullptr);

  // And forward again, to the end.
  ASSERT_EQ(
      h_.Submit(h_.Api(), f.id, {{"method", "code"}, {"traits.email", "ann@example.com"}}).status,
      400);
  const flow::Reply done = h_.Submit(h_.Api(), f.id,
                                     {{"method", "code"},
                                      {"traits.email", "ann@example.com"},
                                      {"code", CodeSentTo("ann@example.com")}});
  EXPECT_EQ(done.status, 200) << DumpJson(done.body);
}

TEST_F(CodeTest, AMissingCodeIsRequired) {
  const std::string id = SendCode(h_.Api(), "ann@example.com");
  const flow::Reply reply = Verify(h_.Api(), id, "ann@example.com", "");
  ASSERT_EQ(reply.status, 400);
  const Json* code = Node(reply.body, "code");
  ASSERT_NE(code, nullptr);
  EXPECT_EQ((*code)["messages"][0]["id"], 4000002);
  EXPECT_EQ((*code)["messages"][0]["text"], "Property code is missing.");
}

TEST_F(CodeTest, ChangedTraitsAreRefused) {
  const std::string id = SendCode(h_.Api(), "ann@example.com");
  const std::string code = CodeSentTo("ann@example.com");
  const flow::Reply other = Verify(h_.Api(), id, "bob@example.com", code);
  EXPECT_EQ(GlobalMessage(other), 4000036);
  EXPECT_EQ((*Node(other.body, "traits.email"))["attributes"]["value"], "bob@example.com")
      << "the form shows what was submitted (Kratos)";
  EXPECT_EQ(GlobalMessage(Verify(h_.Api(), id, "bob@example.com", code)), 4040003)
      << "so the traits match now, but the code proves ann's address, not bob's";

  const std::string renamed_flow = SendCode(h_.Api(), "cid@example.com");
  const flow::Reply renamed = h_.Submit(h_.Api(), renamed_flow,
                                        {{"method", "code"},
                                         {"code", CodeSentTo("cid@example.com")},
                                         {"traits.email", "cid@example.com"},
                                         {"traits.name", "X"}});
  EXPECT_EQ(GlobalMessage(renamed), 4000036) << "any trait counts, not only the address";
  EXPECT_TRUE(h_.store.Identities().empty());
}

TEST_F(CodeTest, AWrongCodeIsInvalidAndGuessingEndsAfterMaxSubmissions) {
  const std::string id = SendCode(h_.Api(), "ann@example.com");
  const std::string code = CodeSentTo("ann@example.com");
  const std::string wrong = code == "000000" ? "000001" : "000000";
  for (int i = 0; i < 5; ++i) {
    const flow::Reply reply = Verify(h_.Api(), id, "ann@example.com", wrong);
    ASSERT_EQ(reply.status, 400);
    EXPECT_EQ(reply.body["ui"]["messages"][0],
              (Json{{"id", 4040003},
                    {"text",
                     "The registration code is invalid or has already been used. Please try "
                     "again."},
                    {"type", "error"}}));
    EXPECT_EQ(reply.body["state"], "sent_email");
  }
  const flow::Reply blocked = Verify(h_.Api(), id, "ann@example.com", code);
  ASSERT_EQ(blocked.status, 400);
  EXPECT_EQ(blocked.body["ui"]["messages"][0]["id"], 4000001);
  EXPECT_EQ(blocked.body["ui"]["messages"][0]["text"],
            "The request was submitted too often. Please request another code.");
  EXPECT_TRUE(h_.store.Identities().empty()) << "not even the right code gets through";
  EXPECT_EQ(attempts_.counters.at("code_submissions:" + id).failures, 6);
  EXPECT_EQ(attempts_.expiries.at("code_submissions:" + id), (*h_.store.GetFlow(id))->expires_at)
      << "the counter goes with the flow";

  // A new code does not reset the count (Kratos).
  ASSERT_EQ(h_.Submit(h_.Api(), id,
                      {{"method", "code"},
                       {"resend", "code"},
                       {"traits.email", "ann@example.com"},
                       {"traits.name", "Ann"}})
                .status,
            400);
  EXPECT_EQ(GlobalMessage(Verify(h_.Api(), id, "ann@example.com", CodeSentTo("ann@example.com"))),
            4000001);
}

TEST_F(CodeTest, AnExpiredCodeIsInvalid) {
  const std::string id = SendCode(h_.Api(), "ann@example.com");
  h_.clock.Advance(std::chrono::minutes(10) + std::chrono::seconds(1));
  const flow::Reply reply = Verify(h_.Api(), id, "ann@example.com", CodeSentTo("ann@example.com"));
  EXPECT_EQ(GlobalMessage(reply), 4040003);
  EXPECT_TRUE(h_.store.Identities().empty());
}

TEST_F(CodeTest, ACodeOfAnotherFlowIsInvalid) {
  const std::string first = SendCode(h_.Api(), "ann@example.com");
  const std::string first_code = CodeSentTo("ann@example.com");
  const std::string second = SendCode(h_.Api(), "bob@example.com");
  EXPECT_EQ(GlobalMessage(Verify(h_.Api(), second, "bob@example.com", first_code)), 4040003);
  EXPECT_EQ(
      GlobalMessage(Verify(h_.Api(), first, "ann@example.com", CodeSentTo("bob@example.com"))),
      4040003);
  EXPECT_TRUE(h_.store.Identities().empty());
}

TEST_F(CodeTest, ACodeIsUsedOnce) {
  const std::string id = SendCode(h_.Api(), "ann@example.com");
  const std::string code = CodeSentTo("ann@example.com");
  ASSERT_EQ(Verify(h_.Api(), id, "ann@example.com", code).status, 200);
  const flow::Reply replay = Verify(h_.Api(), id, "ann@example.com", code);
  EXPECT_EQ(GlobalMessage(replay), 4040003);
  EXPECT_EQ(h_.store.Identities().size(), 1u);
}

TEST_F(CodeTest, ResendRetiresTheEarlierCode) {
  const std::string id = SendCode(h_.Api(), "ann@example.com");
  const std::string first = CodeSentTo("ann@example.com");
  const flow::Reply resent = h_.Submit(h_.Api(), id,
                                       {{"method", "code"},
                                        {"resend", "code"},
                                        {"traits.email", "ann@example.com"},
                                        {"traits.name", "Ann"}});
  ASSERT_EQ(resent.status, 400);
  EXPECT_EQ(resent.body["state"], "sent_email");
  EXPECT_EQ(codes_.Messages().size(), 2u);
  EXPECT_EQ(doorbell_.rings, 2);
  const std::string second = CodeSentTo("ann@example.com");
  if (first != second) {
    EXPECT_EQ(GlobalMessage(Verify(h_.Api(), id, "ann@example.com", first)), 4040003);
  }
  EXPECT_EQ(Verify(h_.Api(), id, "ann@example.com", second).status, 200);
}

TEST_F(CodeTest, ResendIsRefusedWith429BeyondThePerFlowLimit) {
  h_.config.code_send_limits.per_flow = 2;
  h_.config.code_send_limits.window = std::chrono::minutes(10);  // within the flow's hour
  const std::string id = SendCode(h_.Api(), "ann@example.com");
  const Form resend = {{"method", "code"}, {"resend", "code"}, {"traits.email", "ann@example.com"}};
  ASSERT_EQ(h_.Submit(h_.Api(), id, resend).status, 400);
  const flow::Reply refused = h_.Submit(h_.Api(), id, resend);
  EXPECT_EQ(refused.kind, flow::Reply::Kind::kError);
  EXPECT_EQ(refused.error.code, ErrorCode::kTooManyRequests);
  EXPECT_EQ(refused.error.id, "self_service_code_throttled");
  EXPECT_EQ(refused.error.retry_after_seconds, 600);
  EXPECT_EQ(codes_.Messages().size(), 2u);

  h_.clock.Advance(std::chrono::minutes(10) + std::chrono::seconds(1));
  EXPECT_EQ(h_.Submit(h_.Api(), id, resend).status, 400) << "the window has passed";
}

TEST_F(CodeTest, SendingIsRefusedWith429BeyondThePerAddressLimit) {
  h_.config.code_send_limits.per_address = 2;
  SendCode(h_.Api(), "ann@example.com");
  SendCode(h_.Api(), "Ann@example.com");
  const auto f = h_.NewFlow(h_.Spa());
  const flow::Reply refused =
      h_.Submit(h_.Spa(), f.id,
                WithCsrf(h_.Spa(), {{"method", "code"}, {"traits.email", "ann@example.com"}}));
  EXPECT_EQ(refused.error.code, ErrorCode::kTooManyRequests);
  EXPECT_EQ(codes_.Messages().size(), 2u);
  EXPECT_EQ(SendCode(h_.Api(), "bob@example.com").size(), 36u) << "other addresses still work";
  EXPECT_EQ(codes_.Messages().size(), 3u);
}

TEST_F(CodeTest, WithoutACodeIdentifierNothingIsSent) {
  h_.config.identity_schemas = {
      {"default", "base64://" + Base64Encode(R"({"type": "object", "properties": {"traits": {
          "type": "object", "properties": {"email": {"type": "string", "format": "email"}}}}})"),
       false}};
  h_.schemas =
      std::move(identity::SchemaRegistry::Load(h_.config.identity_schemas, "default")).value();
  Rebuild();
  const auto f = h_.NewFlow(h_.Api());
  const flow::Reply reply =
      h_.Submit(h_.Api(), f.id, {{"method", "code"}, {"traits.email", "ann@example.com"}});
  EXPECT_EQ(GlobalMessage(reply), 4000009);
  EXPECT_TRUE(codes_.Messages().empty());
}

TEST_F(CodeTest, InvalidTraitsAreShownOnTheirInputs) {
  const auto f = h_.NewFlow(h_.Api());
  const flow::Reply reply =
      h_.Submit(h_.Api(), f.id, {{"method", "code"}, {"traits.email", "not an address"}});
  ASSERT_EQ(reply.status, 400);
  EXPECT_EQ((*Node(reply.body, "traits.email"))["messages"][0]["id"], 4000040);
  EXPECT_EQ(reply.body["state"], "choose_method");
  EXPECT_TRUE(codes_.Messages().empty());
}

TEST_F(CodeTest, ADuplicateAtCommitCreatesNothingAndEndsTheChallenge) {
  const std::string first = SendCode(h_.Api(), "ann@example.com");
  const std::string first_code = CodeSentTo("ann@example.com");
  const std::string second = SendCode(h_.Api(), "ann@example.com");
  const std::string second_code = CodeSentTo("ann@example.com");
  ASSERT_EQ(Verify(h_.Api(), first, "ann@example.com", first_code).status, 200);
  const flow::Reply duplicate = Verify(h_.Api(), second, "ann@example.com", second_code);
  EXPECT_EQ(GlobalMessage(duplicate), 4000007);
  EXPECT_EQ(h_.store.Identities().size(), 1u);
  EXPECT_EQ(h_.store.Sessions().size(), 1u);
  EXPECT_EQ(duplicate.body["state"], "passed_challenge");
  const flow::Reply after = Verify(h_.Api(), second, "ann@example.com", second_code);
  EXPECT_EQ(GlobalMessage(after), 4010003) << "a passed challenge is not offered again";
}

TEST_F(CodeTest, DisabledMethodAnswers404) {
  h_.config.selfservice.methods.code.enabled = false;
  h_.config.selfservice.methods.code.passwordless_enabled = false;
  Rebuild();
  const auto f = h_.NewFlow(h_.Api());
  const flow::Reply reply =
      h_.Submit(h_.Api(), f.id, {{"method", "code"}, {"traits.email", "ann@example.com"}});
  EXPECT_EQ(reply.error.code, ErrorCode::kNotFound);
  EXPECT_TRUE(codes_.Messages().empty());
}

TEST_F(CodeTest, AStoreOutageSendsNothingAndKeepsTheState) {
  codes_.fail_writes = true;
  const auto f = h_.NewFlow(h_.Api());
  const flow::Reply reply =
      h_.Submit(h_.Api(), f.id, {{"method", "code"}, {"traits.email", "ann@example.com"}});
  EXPECT_EQ(reply.error.code, ErrorCode::kUnavailable);
  EXPECT_EQ(doorbell_.rings, 0);
  EXPECT_EQ((*h_.store.GetFlow(f.id))->state, "choose_method");
}

}  // namespace
}  // namespace atrium::strategy

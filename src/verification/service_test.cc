// The verification flow in isolation (docs/wire/verification.md): init, fetch and submit for the
// client kinds, the code's life (sent, wrong, expired, used, throttled) and the after-registration
// hooks, with a real (in-memory SQLite) store and CSRF guard, a manual clock and a composer that
// keeps what it was asked to send.
#include "verification/service.h"

#include <algorithm>
#include <cctype>

#include <gtest/gtest.h>

#include "base/strings.h"
#include "base/time.h"
#include "config/courier.h"
#include "courier/templates.h"
#include "registration/testing/fakes.h"
#include "session/session.h"
#include "store/sqlite/sqlite_store.h"
#include "verification/hooks.h"

namespace atrium::verification {
namespace {

constexpr char kEmail[] = "ann@example.com";

// Renders with the built-in templates and keeps every model (the code is in it).
class RecordingComposer final : public courier::Composer {
 public:
  Result<courier::Message> Compose(std::string_view template_type, courier::MessageType type,
                                   std::string recipient, const Json& data) const override {
    sent.push_back({std::string(recipient), data});
    return templates_->Compose(template_type, type, std::move(recipient), data);
  }
  struct Sent {
    std::string to;
    Json model;
  };
  mutable std::vector<Sent> sent;

 private:
  std::unique_ptr<courier::Templates> templates_ =
      std::move(courier::Templates::Load(config::Courier{})).value();
};

class CountingDoorbell final : public courier::Doorbell {
 public:
  void Ring() override { ++rings; }
  int rings = 0;
};

std::vector<std::string> Keys(const Json& j) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) {
    keys.push_back(k);
  }
  return keys;
}

// "name:type" of each node, in order.
std::vector<std::string> NodeList(const Json& flow) {
  std::vector<std::string> out;
  for (const auto& n : flow["ui"]["nodes"]) {
    const Json& a = n["attributes"];
    out.push_back(a.value("node_type", "") == "a"
                      ? "a:" + a.value("id", "")
                      : a.value("name", "") + ":" + a.value("type", ""));
  }
  return out;
}

int64_t FirstMessageId(const Json& flow) {
  const Json& messages = flow["ui"]["messages"];
  return messages.empty() ? 0 : messages[0].value("id", int64_t{0});
}

class VerificationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = h_.config;
    config_.selfservice.verification.enabled = true;
    config_.selfservice.verification.ui_url = "http://127.0.0.1:4455/verification";
    config_.code_send_limits.per_flow = 3;
    config_.code_send_limits.per_address = 4;
    store_ = std::move(store::SqliteStore::Open("memory", 1)).value();
    ASSERT_TRUE(store_->Migrate().ok());
    csrf_ = std::make_unique<flow::CsrfGuard>(
        flow::CsrfOptions{config_.serve_public.configured_base_url, "/", "", false, "Lax"});
    csrf_cookie_ = *csrf_->Read(std::nullopt, false, true).issued;
    ann_ = AddIdentity(kEmail);
    Rebuild();
  }
  void Rebuild() {
    service_ = std::make_unique<Service>(Dependencies{config_, *store_, *store_, *store_, *store_,
                                                      *store_, digester_, composer_, &doorbell_,
                                                      *csrf_, h_.ids, h_.clock});
  }

  identity::Identity AddIdentity(const std::string& email) {
    identity::Identity id;
    id.id = h_.ids.NewUuid();
    id.schema_id = "default";
    id.state = "active";
    id.traits = {{"email", email}};
    identity::VerifiableAddress a;
    a.id = h_.ids.NewUuid();
    a.value = email;
    id.verifiable_addresses.push_back(a);
    session::Session s;
    s.id = h_.ids.NewUuid();
    s.token_digest = h_.ids.NewUuid();
    s.identity_id = id.id;
    EXPECT_TRUE(store_->CreateIdentityWithSession(id, s).ok());
    return id;
  }
  identity::VerifiableAddress AddressOf(const std::string& email) {
    return (*store_->FindVerifiableAddress("email", email))->address;
  }

  flow::Request Api() const {
    flow::Request r;
    r.url = config_.serve_public.base_url + "self-service/verification/api";
    r.is_json = r.accepts_json = true;
    return r;
  }
  flow::Request Browser() const {
    flow::Request r;
    r.url = config_.serve_public.base_url + "self-service/verification/browser";
    r.csrf = csrf_->Read(csrf_cookie_, true, false);
    r.has_non_cloudflare_cookie = true;
    return r;
  }
  flow::Request Spa() const {
    flow::Request r = Browser();
    r.is_json = r.accepts_json = true;
    return r;
  }
  std::string CsrfToken() const { return csrf_->Read(csrf_cookie_, true, false).masked; }

  Flow NewFlow(const flow::Request& r) {
    const bool api = !r.csrf.has_cookie_header;
    const flow::Reply created = api ? service_->InitApi(r) : service_->InitBrowser(r);
    const std::string id = created.kind == flow::Reply::Kind::kJson
                               ? created.body.value("id", "")
                               : created.location.substr(created.location.find("flow=") + 5);
    return Stored(id);
  }
  Flow Stored(const std::string& id) {
    auto stored = store_->GetVerificationFlow(id);
    EXPECT_TRUE(stored.ok() && stored->has_value()) << id;
    return **stored;
  }
  flow::Reply Submit(const flow::Request& r, const std::string& flow_id,
                     std::vector<std::pair<std::string, std::string>> form) {
    flow::SubmitParams params;
    params.flow_id = flow_id;
    flow::Body body;
    body.form = std::move(form);
    params.body = std::move(body);
    return service_->Submit(r, params);
  }
  flow::Reply SendTo(const flow::Request& r, const std::string& flow_id, const std::string& email) {
    return Submit(r, flow_id, {{"method", "code"}, {"email", email}, {"csrf_token", CsrfToken()}});
  }
  std::string LastCode() const {
    return composer_.sent.empty() ? "" : composer_.sent.back().model.value("VerificationCode", "");
  }

  registration::testing::Harness h_;  // config, clock and ids
  config::Config config_;
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<flow::CsrfGuard> csrf_;
  std::string csrf_cookie_;
  otp::Digester digester_{otp::DeriveKey("test-secret")};
  RecordingComposer composer_;
  CountingDoorbell doorbell_;
  std::unique_ptr<Service> service_;
  identity::Identity ann_;
};

// ---- init and fetch ------------------------------------------------------------------------

TEST_F(VerificationTest, ApiFlowHasKratosKeysAndTheAddressForm) {
  const flow::Reply r = service_->InitApi(Api());
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Keys(r.body), (std::vector<std::string>{"id", "type", "expires_at", "issued_at",
                                                    "request_url", "active", "ui", "state"}));
  EXPECT_EQ(r.body["type"], "api");
  EXPECT_EQ(r.body["active"], "code");
  EXPECT_EQ(r.body["state"], "choose_method");
  EXPECT_EQ(NodeList(r.body), (std::vector<std::string>{"email:email", "method:submit"}))
      << "API flows carry no csrf_token node";
  EXPECT_EQ(r.body["ui"]["nodes"][0]["meta"]["label"]["id"], 1070007);
  EXPECT_EQ(r.body["ui"]["nodes"][1]["meta"]["label"]["id"], 1070009);
  EXPECT_EQ(r.body["ui"]["action"], "http://127.0.0.1:4433/self-service/verification?flow=" +
                                        r.body["id"].get<std::string>());
  EXPECT_EQ(r.body["expires_at"], FormatRfc3339(h_.clock.Now() + std::chrono::hours(1)));
}

TEST_F(VerificationTest, BrowsersAreSentToTheUiAndSpasGetTheFlowWithItsCsrfNodeLast) {
  const flow::Reply browser = service_->InitBrowser(Browser());
  ASSERT_EQ(browser.kind, flow::Reply::Kind::kRedirect);
  EXPECT_TRUE(browser.location.starts_with("http://127.0.0.1:4455/verification?flow="));
  const flow::Reply spa = service_->InitBrowser(Spa());
  ASSERT_EQ(spa.status, 200);
  EXPECT_EQ(NodeList(spa.body),
            (std::vector<std::string>{"email:email", "method:submit", "csrf_token:hidden"}));
}

TEST_F(VerificationTest, DisabledVerificationIsForwarded) {
  config_.selfservice.verification.enabled = false;
  Rebuild();
  for (const flow::Reply& r : {service_->InitApi(Api()), service_->InitBrowser(Browser()),
                               service_->GetFlow(Api(), h_.ids.NewUuid())}) {
    EXPECT_EQ(r.kind, flow::Reply::Kind::kErrorForward);
    EXPECT_EQ(r.error.reason, "Verification is not allowed because it was disabled.");
  }
}

TEST_F(VerificationTest, AForbiddenReturnToIsRefusedAndAnAllowedOneIsShown) {
  flow::Request r = Api();
  r.url += "?return_to=https%3A%2F%2Fevil.example%2F";
  const flow::Reply refused = service_->InitApi(r);
  EXPECT_EQ(refused.kind, flow::Reply::Kind::kError);
  EXPECT_EQ(refused.error.id, "self_service_flow_return_to_forbidden");
  r = Api();
  r.url += "?return_to=http%3A%2F%2F127.0.0.1%3A4455%2Fdone";
  const flow::Reply ok = service_->InitApi(r);
  ASSERT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body["return_to"], "http://127.0.0.1:4455/done");
}

TEST_F(VerificationTest, FetchChecksCsrfForBrowserFlowsAndAnswers410WhenExpired) {
  const Flow browser = NewFlow(Browser());
  EXPECT_EQ(service_->GetFlow(Browser(), browser.id).status, 200);
  const flow::Reply no_cookie = service_->GetFlow(Api(), browser.id);
  EXPECT_EQ(no_cookie.error.id, "security_csrf_violation");
  const Flow api = NewFlow(Api());
  h_.clock.Advance(std::chrono::hours(2));
  const flow::Reply expired = service_->GetFlow(Api(), api.id);
  EXPECT_EQ(expired.error.code, ErrorCode::kGone);
  EXPECT_EQ(expired.error.details["api"], "http://127.0.0.1:4433/self-service/verification/api");
  EXPECT_EQ(service_->GetFlow(Api(), h_.ids.NewUuid()).error.code, ErrorCode::kNotFound);
}

// ---- the code ------------------------------------------------------------------------------

TEST_F(VerificationTest, ACodeIsSentThenVerifiesTheAddress) {
  const Flow f = NewFlow(Api());
  const flow::Reply sent = SendTo(Api(), f.id, "  Ann@Example.com ");
  ASSERT_EQ(sent.status, 200) << DumpJson(sent.body) << sent.error.reason;
  EXPECT_EQ(sent.body["state"], "sent_email");
  EXPECT_EQ(FirstMessageId(sent.body), 1080003);
  EXPECT_EQ(NodeList(sent.body), (std::vector<std::string>{"method:hidden", "code:text",
                                                           "method:submit", "email:submit"}));
  EXPECT_EQ(sent.body["ui"]["nodes"][3]["attributes"]["value"], "  Ann@Example.com ");
  ASSERT_EQ(composer_.sent.size(), 1u);
  EXPECT_EQ(composer_.sent[0].to, kEmail) << "sent to the normalized address";
  EXPECT_EQ(composer_.sent[0].model["ExpiresInMinutes"], 10);
  EXPECT_EQ(composer_.sent[0].model["Identity"]["id"], ann_.id);
  EXPECT_EQ(composer_.sent[0].model["VerificationURL"],
            "http://127.0.0.1:4433/self-service/verification?code=" + LastCode() + "&flow=" + f.id);
  EXPECT_EQ(doorbell_.rings, 1);
  EXPECT_EQ(AddressOf(kEmail).status, "sent");

  const flow::Reply verified = Submit(Api(), f.id, {{"code", LastCode()}});
  ASSERT_EQ(verified.status, 200) << DumpJson(verified.body) << verified.error.reason;
  EXPECT_EQ(verified.body["state"], "passed_challenge");
  EXPECT_EQ(FirstMessageId(verified.body), 1080002);
  EXPECT_EQ(verified.body["ui"]["messages"][0]["type"], "success");
  EXPECT_EQ(verified.body["ui"]["method"], "GET");
  EXPECT_EQ(verified.body["ui"]["action"], config_.selfservice.default_browser_return_url);
  EXPECT_EQ(NodeList(verified.body), (std::vector<std::string>{"csrf_token:hidden", "a:continue"}));
  EXPECT_EQ(verified.body["ui"]["nodes"][1]["attributes"]["href"],
            config_.selfservice.default_browser_return_url);
  const auto address = AddressOf(kEmail);
  EXPECT_TRUE(address.verified);
  EXPECT_EQ(address.status, "completed");
  EXPECT_EQ(address.verified_at, TruncateToMicros(h_.clock.Now()));

  // The same code again: the flow is done, a new one carries the message.
  const flow::Reply replay = Submit(Api(), f.id, {{"code", LastCode()}});
  EXPECT_EQ(replay.error.code, ErrorCode::kGone);
  EXPECT_EQ(replay.error.id, "self_service_flow_replaced");
  const Flow replacement = Stored(replay.error.extra["use_flow_id"]);
  EXPECT_EQ(replacement.ui.messages.at(0).id, 4070002);
}

TEST_F(VerificationTest, TheContinueLinkFollowsAnAllowedReturnToOnly) {
  config_.selfservice.verification.after_default_browser_return_url =
      "http://127.0.0.1:4455/verified";
  Rebuild();
  flow::Request r = Api();
  r.url += "?return_to=http%3A%2F%2F127.0.0.1%3A4455%2Fnext";
  const Flow f = NewFlow(r);
  ASSERT_EQ(SendTo(Api(), f.id, kEmail).status, 200);
  const flow::Reply verified = Submit(Api(), f.id, {{"code", LastCode()}});
  EXPECT_EQ(verified.body["ui"]["action"], "http://127.0.0.1:4455/next");

  const Flow plain = NewFlow(Api());
  ASSERT_EQ(SendTo(Api(), plain.id, kEmail).status, 200);
  EXPECT_EQ(Submit(Api(), plain.id, {{"code", LastCode()}}).body["ui"]["action"],
            "http://127.0.0.1:4455/verified");
}

TEST_F(VerificationTest, AWrongCodeIs4070006UntilMaxSubmissionsReplaceTheFlow) {
  const Flow f = NewFlow(Api());
  ASSERT_EQ(SendTo(Api(), f.id, kEmail).status, 200);
  const std::string wrong = LastCode() == "000000" ? "111111" : "000000";
  for (int i = 0; i < config_.selfservice.methods.code.max_submissions; ++i) {
    const flow::Reply r = Submit(Api(), f.id, {{"code", wrong}});
    ASSERT_EQ(r.status, 200) << i;
    EXPECT_EQ(FirstMessageId(r.body), 4070006);
    EXPECT_EQ(r.body["state"], "sent_email");
  }
  const flow::Reply over = Submit(Api(), f.id, {{"code", LastCode()}});
  EXPECT_EQ(over.error.id, "self_service_flow_replaced") << "even the right code, now";
  const Flow replacement = Stored(over.error.extra["use_flow_id"]);
  EXPECT_EQ(replacement.ui.messages.at(0).id, 4000001);
  EXPECT_FALSE(AddressOf(kEmail).verified);
}

TEST_F(VerificationTest, AnExpiredCodeIsInvalidAndAResendRetiresTheFirst) {
  const Flow f = NewFlow(Api());
  ASSERT_EQ(SendTo(Api(), f.id, kEmail).status, 200);
  const std::string first = LastCode();
  h_.clock.Advance(config_.selfservice.methods.code.lifespan + std::chrono::seconds(1));
  EXPECT_EQ(FirstMessageId(Submit(Api(), f.id, {{"code", first}}).body), 4070006);
  ASSERT_EQ(SendTo(Api(), f.id, kEmail).status, 200);
  const std::string second = LastCode();
  if (second != first) {
    EXPECT_EQ(FirstMessageId(Submit(Api(), f.id, {{"code", first}}).body), 4070006);
  }
  EXPECT_EQ(Submit(Api(), f.id, {{"code", second}}).body["state"], "passed_challenge");
}

TEST_F(VerificationTest, AnUnknownAddressGetsTheSameAnswerAndNothingIsSent) {
  const Flow f = NewFlow(Api());
  const flow::Reply r = SendTo(Api(), f.id, "nobody@example.com");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["state"], "sent_email");
  EXPECT_EQ(FirstMessageId(r.body), 1080003);
  EXPECT_TRUE(composer_.sent.empty());
  EXPECT_EQ(doorbell_.rings, 0);
}

TEST_F(VerificationTest, SendsAreLimitedPerFlowAndPerAddress) {
  const Flow f = NewFlow(Api());
  for (int i = 0; i < config_.code_send_limits.per_flow; ++i) {
    ASSERT_EQ(SendTo(Api(), f.id, "nobody@example.com").status, 200) << i;
  }
  const flow::Reply flow_limit = SendTo(Api(), f.id, "nobody@example.com");
  EXPECT_EQ(flow_limit.error.code, ErrorCode::kTooManyRequests);
  EXPECT_GT(flow_limit.error.retry_after_seconds, 0);

  // Four codes to ann over two flows, then the address is throttled in a third.
  const Flow a = NewFlow(Api());
  const Flow b = NewFlow(Api());
  for (const Flow* target : {&a, &a, &b, &b}) {
    ASSERT_EQ(SendTo(Api(), target->id, kEmail).status, 200);
  }
  const Flow c = NewFlow(Api());
  EXPECT_EQ(SendTo(Api(), c.id, kEmail).error.code, ErrorCode::kTooManyRequests);
}

TEST_F(VerificationTest, AnEmptyAddressIsRequired) {
  const Flow f = NewFlow(Api());
  const flow::Reply r = Submit(Api(), f.id, {{"method", "code"}, {"email", ""}});
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(r.body["state"], "choose_method");
  EXPECT_EQ(r.body["ui"]["nodes"][0]["messages"][0]["id"], 4000002);
}

TEST_F(VerificationTest, AnotherMethodFindsNoStrategy) {
  const Flow f = NewFlow(Api());
  const flow::Reply r = Submit(Api(), f.id, {{"method", "link"}, {"email", kEmail}});
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(FirstMessageId(r.body), 4010006);
}

TEST_F(VerificationTest, BrowserSendsNeedTheCsrfTokenAndGoBackToTheUi) {
  const Flow f = NewFlow(Browser());
  const flow::Reply forged =
      Submit(Browser(), f.id, {{"method", "code"}, {"email", kEmail}, {"csrf_token", "x"}});
  EXPECT_EQ(forged.kind, flow::Reply::Kind::kErrorForward);
  EXPECT_EQ(forged.error.id, "security_csrf_violation");
  EXPECT_TRUE(composer_.sent.empty());
  const flow::Reply sent = SendTo(Browser(), f.id, kEmail);
  ASSERT_EQ(sent.kind, flow::Reply::Kind::kRedirect);
  EXPECT_EQ(sent.location, "http://127.0.0.1:4455/verification?flow=" + f.id);
  const flow::Reply spa = Submit(Spa(), f.id, {{"code", LastCode()}});
  ASSERT_EQ(spa.status, 200);
  EXPECT_EQ(spa.body["state"], "passed_challenge");
}

TEST_F(VerificationTest, TheLinkFillsTheCodeAndSendsTheBrowserToTheUi) {
  const Flow f = NewFlow(Browser());
  ASSERT_EQ(SendTo(Browser(), f.id, kEmail).kind, flow::Reply::Kind::kRedirect);
  flow::SubmitParams params;
  params.flow_id = f.id;
  params.body = flow::Body{flow::Body::Format::kForm, {{"code", LastCode()}, {"flow", f.id}}, {}};
  const flow::Reply r = service_->SubmitByLink(Browser(), params);
  ASSERT_EQ(r.kind, flow::Reply::Kind::kRedirect);
  EXPECT_EQ(r.location, "http://127.0.0.1:4455/verification?flow=" + f.id);
  ASSERT_EQ(r.cookies.size(), 1u) << "a new CSRF token, bound to the flow";
  const Flow stored = Stored(f.id);
  EXPECT_EQ(stored.ui.Find("code")->input.value, LastCode());
  EXPECT_EQ(stored.state, "sent_email") << "nothing is verified by following a link";
}

TEST_F(VerificationTest, AnExpiredFlowIsReplacedWithTheMessage) {
  const Flow api = NewFlow(Api());
  const Flow browser = NewFlow(Browser());
  h_.clock.Advance(std::chrono::hours(2));
  const flow::Reply r = SendTo(Api(), api.id, kEmail);
  ASSERT_EQ(r.kind, flow::Reply::Kind::kRedirect);
  const std::string prefix = "http://127.0.0.1:4433/self-service/verification/flows?id=";
  ASSERT_TRUE(r.location.starts_with(prefix)) << r.location;
  const Flow replacement = Stored(r.location.substr(prefix.size()));
  EXPECT_EQ(replacement.ui.messages.at(0).id, 4070005);
  EXPECT_TRUE(replacement.IsApi());
  const flow::Reply b = SendTo(Browser(), browser.id, kEmail);
  EXPECT_TRUE(b.location.starts_with("http://127.0.0.1:4455/verification?flow="));
  EXPECT_TRUE(composer_.sent.empty());
}

// ---- the link method (use: link, §5.5) -------------------------------------------------------

class LinkVerificationTest : public VerificationTest {
 protected:
  void SetUp() override {
    VerificationTest::SetUp();
    config_.selfservice.verification.use = "link";
    config_.selfservice.methods.link.lifespan = std::chrono::minutes(20);
    config_.selfservice.methods.link.base_url = "https://mail-links.example/";
    Rebuild();
  }
  // The token of the last link sent, from its URL.
  std::string LastToken() const {
    const std::string url =
        composer_.sent.empty() ? "" : composer_.sent.back().model.value("VerificationURL", "");
    const size_t at = url.find("&token=");
    return at == std::string::npos ? "" : url.substr(at + 7);
  }
  flow::Reply Follow(const flow::Request& r, const std::string& flow_id, const std::string& token) {
    flow::SubmitParams params;
    params.flow_id = flow_id;
    params.body = flow::Body{flow::Body::Format::kForm, {{"flow", flow_id}, {"token", token}}, {}};
    return service_->SubmitByLink(r, params);
  }
  // A browser without the CSRF cookie of the flow (the link is opened in the mail client's).
  flow::Request OtherBrowser() const {
    flow::Request r;
    r.url = config_.serve_public.base_url + "self-service/verification?flow=x&token=y";
    r.csrf = csrf_->Read(std::nullopt, false, true);  // the route issues a CSRF cookie
    return r;
  }
  flow::Reply SendLinkTo(const flow::Request& r, const std::string& flow_id,
                         const std::string& email) {
    return Submit(r, flow_id, {{"method", "link"}, {"email", email}, {"csrf_token", CsrfToken()}});
  }
};

TEST_F(LinkVerificationTest, TheFormPutsTheCsrfTokenFirstInGroupLink) {
  const flow::Reply spa = service_->InitBrowser(Spa());
  ASSERT_EQ(spa.status, 200);
  EXPECT_EQ(spa.body["active"], "link");
  EXPECT_EQ(NodeList(spa.body),
            (std::vector<std::string>{"csrf_token:hidden", "email:email", "method:submit"}));
  EXPECT_EQ(spa.body["ui"]["nodes"][1]["group"], "link");
  EXPECT_EQ(spa.body["ui"]["nodes"][2]["attributes"]["value"], "link");
  const flow::Reply api = service_->InitApi(Api());
  EXPECT_EQ(NodeList(api.body), (std::vector<std::string>{"email:email", "method:submit"}));
}

TEST_F(LinkVerificationTest, ALinkIsSentAndFollowingItVerifiesTheAddress) {
  const Flow f = NewFlow(Api());
  const flow::Reply sent = SendLinkTo(Api(), f.id, kEmail);
  ASSERT_EQ(sent.status, 200) << DumpJson(sent.body) << sent.error.reason;
  EXPECT_EQ(sent.body["state"], "sent_email");
  EXPECT_EQ(FirstMessageId(sent.body), 1080001);
  EXPECT_EQ(NodeList(sent.body), (std::vector<std::string>{"email:email", "method:submit"}));
  EXPECT_EQ(sent.body["ui"]["nodes"][0]["attributes"]["value"], kEmail);
  ASSERT_EQ(composer_.sent.size(), 1u);
  const Json& model = composer_.sent[0].model;
  EXPECT_FALSE(model.contains("VerificationCode"));
  EXPECT_EQ(model["ExpiresInMinutes"], 20);
  const std::string token = LastToken();
  ASSERT_EQ(token.size(), 32u);
  EXPECT_TRUE(std::all_of(token.begin(), token.end(), [](char c) { return std::isalnum(c); }));
  EXPECT_EQ(model["VerificationURL"], "https://mail-links.example/self-service/verification?flow=" +
                                          f.id + "&token=" + token);
  EXPECT_EQ(AddressOf(kEmail).status, "sent");

  const flow::Request other = OtherBrowser();
  const flow::Reply followed = Follow(other, f.id, token);
  ASSERT_EQ(followed.kind, flow::Reply::Kind::kRedirect) << followed.error.reason;
  EXPECT_EQ(followed.location, "http://127.0.0.1:4455/verification?flow=" + f.id)
      << "the browser goes to the UI, also for an API flow";
  const Flow done = Stored(f.id);
  EXPECT_EQ(done.state, "passed_challenge");
  EXPECT_EQ(done.ui.messages.at(0).id, 1080002);
  EXPECT_EQ(done.ui.nodes.back().group, "link");
  EXPECT_TRUE(AddressOf(kEmail).verified);
  EXPECT_EQ(AddressOf(kEmail).status, "completed");

  // The same link again: a new browser flow with 4070001.
  const flow::Reply replay = Follow(OtherBrowser(), f.id, token);
  ASSERT_EQ(replay.kind, flow::Reply::Kind::kRedirect);
  const std::string prefix = "http://127.0.0.1:4455/verification?flow=";
  ASSERT_TRUE(replay.location.starts_with(prefix)) << replay.location;
  const Flow replacement = Stored(replay.location.substr(prefix.size()));
  EXPECT_NE(replacement.id, f.id);
  EXPECT_FALSE(replacement.IsApi());
  EXPECT_EQ(replacement.ui.messages.at(0).id, 4070001);
  EXPECT_EQ(replay.cookies.size(), 1u) << "bound to a new CSRF token";
}

TEST_F(LinkVerificationTest, AWrongExpiredOrForeignTokenVerifiesNothing) {
  const Flow f = NewFlow(Api());
  ASSERT_EQ(SendLinkTo(Api(), f.id, kEmail).status, 200);
  const std::string token = LastToken();
  const Flow other = NewFlow(Api());
  const auto message_of = [&](const flow::Reply& r) {
    const std::string prefix = "http://127.0.0.1:4455/verification?flow=";
    EXPECT_TRUE(r.location.starts_with(prefix)) << r.location;
    return Stored(r.location.substr(prefix.size())).ui.messages.at(0).id;
  };
  std::string wrong = token;
  wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
  EXPECT_EQ(message_of(Follow(OtherBrowser(), f.id, wrong)), 4070001);
  EXPECT_EQ(message_of(Follow(OtherBrowser(), other.id, token)), 4070001)
      << "a token answers for its own flow only";
  EXPECT_EQ(message_of(Follow(OtherBrowser(), f.id, token + "x")), 4070001);
  // A code submission is not the link method's.
  EXPECT_EQ(FirstMessageId(Submit(Api(), f.id, {{"code", "123456"}}).body), 4010006);
  h_.clock.Advance(std::chrono::minutes(21));
  EXPECT_EQ(message_of(Follow(OtherBrowser(), f.id, token)), 4070005);
  EXPECT_FALSE(AddressOf(kEmail).verified);
}

TEST_F(LinkVerificationTest, TheCodeMethodAndADisabledLinkMethodFindNoStrategy) {
  const Flow f = NewFlow(Api());
  EXPECT_EQ(FirstMessageId(Submit(Api(), f.id, {{"method", "code"}, {"email", kEmail}}).body),
            4010006);
  config_.selfservice.methods.link.enabled = false;
  Rebuild();
  EXPECT_EQ(FirstMessageId(SendLinkTo(Api(), f.id, kEmail).body), 4010006);
  EXPECT_TRUE(composer_.sent.empty());
}

TEST_F(LinkVerificationTest, TheHookSendsALinkWithKratosResendNode) {
  const VerificationHook hook(*service_, *csrf_);
  registration::Flow reg;
  reg.id = h_.ids.NewUuid();
  reg.type = registration::FlowType::kBrowser;
  reg.request_url = "http://127.0.0.1:4433/self-service/registration/browser";
  identity::Identity who = ann_;
  registration::HookEffects effects;
  ASSERT_TRUE(hook.Run(Browser(), reg, who, effects).ok());
  const Flow f = Stored(reg.internal_context[kVerificationFlowContextKey]["id"]);
  EXPECT_EQ(f.state, "sent_email");
  EXPECT_EQ(NodeList(f.ToJson()), (std::vector<std::string>{"csrf_token:hidden", "email:email",
                                                            "method:submit", "email:submit"}));
  EXPECT_EQ(f.ui.nodes.back().group, "code") << "as Kratos does, whatever the method";
  EXPECT_TRUE(f.ui.messages.empty());
  ASSERT_EQ(composer_.sent.size(), 1u);
  const flow::Request other = OtherBrowser();
  ASSERT_EQ(Follow(other, f.id, LastToken()).kind, flow::Reply::Kind::kRedirect);
  EXPECT_TRUE(AddressOf(kEmail).verified);
  flow::Request fetch = Browser();
  fetch.csrf = csrf_->Read(*other.csrf.issued, true, false);
  EXPECT_EQ(service_->GetFlow(fetch, f.id).status, 200)
      << "the UI of the browser that followed the link can show the flow";
}

// ---- the after-registration hooks (§9) ------------------------------------------------------

TEST_F(VerificationTest, TheHookStartsASentFlowForTheFirstUnverifiedAddress) {
  const VerificationHook hook(*service_, *csrf_);
  registration::Flow reg;
  reg.id = h_.ids.NewUuid();
  reg.type = registration::FlowType::kBrowser;
  reg.request_url =
      "http://127.0.0.1:4433/self-service/registration/browser?return_to=http%3A%2F%2F127.0.0.1%"
      "3A4455%2Fa&after_verification_return_to=http%3A%2F%2F127.0.0.1%3A4455%2Fb";
  identity::Identity who = ann_;
  registration::HookEffects effects;
  ASSERT_TRUE(hook.Run(Browser(), reg, who, effects).ok());
  EXPECT_EQ(who.verifiable_addresses[0].status, "sent") << "the answer shows it";
  EXPECT_EQ(AddressOf(kEmail).status, "sent");
  ASSERT_EQ(effects.cookies.size(), 1u);
  EXPECT_TRUE(effects.csrf_rotated);
  EXPECT_TRUE(effects.continue_with.empty()) << "the hook adds no item itself";
  const Json& ref = reg.internal_context[kVerificationFlowContextKey];
  const Flow f = Stored(ref["id"]);
  EXPECT_EQ(ref["verifiable_address"], kEmail);
  EXPECT_EQ(ref["url"], "http://127.0.0.1:4455/verification?flow=" + f.id);
  EXPECT_EQ(f.state, "sent_email");
  EXPECT_EQ(f.ReturnTo(), "http://127.0.0.1:4455/b");
  EXPECT_EQ(f.request_url,
            "http://127.0.0.1:4433/self-service/registration/"
            "browser?return_to=http%3A%2F%2F127.0.0.1%3A4455%2Fb");
  const flow::Request with_new_cookie = [&] {
    flow::Request r = Browser();
    r.csrf = csrf_->Read(effects.cookies[0].value, true, false);
    return r;
  }();
  EXPECT_EQ(service_->GetFlow(with_new_cookie, f.id).status, 200)
      << "the flow is bound to the new CSRF cookie";
  ASSERT_EQ(composer_.sent.size(), 1u);
  EXPECT_EQ(Submit(Api(), f.id, {{"code", LastCode()}}).body["state"], "passed_challenge");

  // Verified now: the hook has nothing to do.
  registration::Flow again = reg;
  again.internal_context = Json::object();
  who = **store_->GetIdentity(ann_.id);
  effects = {};
  ASSERT_TRUE(hook.Run(Browser(), again, who, effects).ok());
  EXPECT_FALSE(again.internal_context.contains(kVerificationFlowContextKey));
}

TEST_F(VerificationTest, ShowVerificationUiAddsTheItemAndSendsBrowsersToTheUi) {
  const VerificationHook hook(*service_, *csrf_);
  const ShowVerificationUiHook show;
  for (const bool api : {true, false}) {
    registration::Flow reg;
    reg.id = h_.ids.NewUuid();
    reg.type = api ? registration::FlowType::kApi : registration::FlowType::kBrowser;
    reg.request_url = "http://127.0.0.1:4433/self-service/registration/api";
    identity::Identity who = AddIdentity(api ? "api@example.com" : "browser@example.com");
    registration::HookEffects effects;
    const flow::Request request = api ? Api() : Browser();
    ASSERT_TRUE(hook.Run(request, reg, who, effects).ok());
    ASSERT_TRUE(show.Run(request, reg, who, effects).ok());
    ASSERT_EQ(effects.continue_with.size(), 1u);
    const Json& item = effects.continue_with[0];
    EXPECT_EQ(Keys(item), (std::vector<std::string>{"action", "flow"}));
    EXPECT_EQ(item["action"], "show_verification_ui");
    EXPECT_EQ(item["flow"]["verifiable_address"], who.verifiable_addresses[0].value);
    if (api) {
      EXPECT_EQ(Keys(item["flow"]), (std::vector<std::string>{"id", "verifiable_address"}));
      EXPECT_TRUE(effects.browser_redirect.empty());
      EXPECT_TRUE(effects.cookies.empty());
    } else {
      EXPECT_EQ(effects.browser_redirect, item["flow"]["url"]);
    }
  }
  registration::Flow nothing;
  registration::HookEffects effects;
  ASSERT_TRUE(show.Run(Api(), nothing, ann_, effects).ok());
  EXPECT_TRUE(effects.continue_with.empty()) << "no verification flow, no item";
}

}  // namespace
}  // namespace atrium::verification

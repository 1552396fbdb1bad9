// The login core in isolation: init, fetch and submit for the three client kinds, with a real
// (in-memory SQLite) store, the real session manager and CSRF guard, a manual clock, a recording
// throttle and a scripted method.
#include "login/service.h"

#include <functional>

#include <gtest/gtest.h>

#include "base/random.h"
#include "base/strings.h"
#include "base/time.h"
#include "registration/testing/fakes.h"
#include "session/cookie.h"
#include "store/sqlite/sqlite_store.h"
#include "text/messages.h"

namespace atrium::login {
namespace {

constexpr char kEmail[] = "ann@example.com";

// Counts what the service reports to the throttle, and refuses when told to.
class RecordingThrottle final : public Throttle {
 public:
  Result<std::optional<Duration>> RetryAfter(const std::vector<std::string>& keys) override {
    asked = keys;
    return refuse;
  }
  Status Failed(const std::vector<std::string>& keys) override {
    failed.push_back(keys);
    return OkStatus();
  }
  Status Succeeded(const std::vector<std::string>& keys) override {
    succeeded.push_back(keys);
    return OkStatus();
  }
  std::optional<Duration> refuse;
  std::vector<std::string> asked;
  std::vector<std::vector<std::string>> failed;
  std::vector<std::vector<std::string>> succeeded;
};

// Responsible for method=scripted; answers what the test says.
class ScriptedLogin final : public Strategy {
 public:
  std::string_view Id() const override { return "scripted"; }
  bool Enabled() const override { return true; }
  bool Populate(Flow& flow, const identity::IdentitySchema&, FormStep step,
                const identity::Identity* identity) const override {
    steps.push_back(step);
    ui::Node submit = ui::Node::Input("method", "submit", "password");
    submit.input.value = identity == nullptr ? "scripted" : "scripted:" + identity->id;
    flow.ui.nodes.push_back(std::move(submit));
    return true;
  }
  Outcome Login(SubmitContext& ctx) const override {
    if (flow::PeekField(ctx.body, "method") != "scripted") {
      return NotResponsible{};
    }
    ctx.decoded = {{"identifier", flow::PeekField(ctx.body, "identifier")}};
    return answer(ctx);
  }
  std::function<Outcome(SubmitContext&)> answer;
  mutable std::vector<FormStep> steps;
};

class LoginServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = h_.config;
    config_.selfservice.login.ui_url = "http://127.0.0.1:4455/login";
    store_ = std::move(store::SqliteStore::Open("memory", 1)).value();
    ASSERT_TRUE(store_->Migrate().ok());
    csrf_ = std::make_unique<flow::CsrfGuard>(
        flow::CsrfOptions{config_.serve_public.configured_base_url, "/", "", false, "Lax"});
    csrf_cookie_ = *csrf_->Read(std::nullopt, false, true).issued;
    cookies_ = std::make_unique<session::CookieCodec>(config_.secrets.cookie);
    session::ManagerOptions options;
    options.public_base_url = config_.serve_public.base_url;
    options.secure = false;
    options.secrets = config_.secrets.cookie;
    sessions_ = std::make_unique<session::Manager>(options, *store_, *cookies_, h_.ids, h_.clock);
    ann_ = AddIdentity(kEmail);
    strategy_.answer = [this](SubmitContext&) -> Outcome { return Authenticated{ann_}; };
    Rebuild();
  }
  void Rebuild() {
    service_ = std::make_unique<Service>(Dependencies{config_,
                                                      *h_.schemas,
                                                      *store_,
                                                      *store_,
                                                      *sessions_,
                                                      *csrf_,
                                                      throttle_,
                                                      {&strategy_},
                                                      h_.ids,
                                                      h_.clock});
  }

  identity::Identity AddIdentity(const std::string& email) {
    identity::Identity id;
    id.id = h_.ids.NewUuid();
    id.schema_id = "default";
    id.state = "active";
    id.traits = {{"email", email}};
    identity::Credential c;
    c.type = "password";
    c.identifiers = {email};
    c.config = {{"hashed_password", "$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA"}};
    id.credentials["password"] = c;
    const session::Session s = sessions_->Issue(id, "password", {});
    EXPECT_TRUE(store_->CreateIdentityWithSession(id, s).ok());
    return id;
  }

  flow::Request Api() const {
    flow::Request r;
    r.url = config_.serve_public.base_url + "self-service/login/api";
    r.is_json = r.accepts_json = true;
    r.device.ip_address = "192.0.2.1";
    return r;
  }
  flow::Request Browser() const {
    flow::Request r;
    r.url = config_.serve_public.base_url + "self-service/login/browser";
    r.csrf = csrf_->Read(csrf_cookie_, true, false);
    r.has_non_cloudflare_cookie = true;
    r.device.ip_address = "192.0.2.1";
    return r;
  }
  flow::Request Spa() const {
    flow::Request r = Browser();
    r.is_json = r.accepts_json = true;
    return r;
  }
  // `r` signed in with a fresh session of `who`.
  flow::Request SignedIn(flow::Request r, const identity::Identity& who) {
    session::Session s = sessions_->Issue(who, "password", {});
    EXPECT_TRUE(sessions_->Save(s).ok());
    r.session = *std::move(sessions_->FindByToken(s.token)).value();
    return r;
  }

  Flow NewFlow(const flow::Request& r, const InitParams& params = {}) {
    const bool api = !r.csrf.has_cookie_header;
    flow::Reply created = api ? service_->InitApi(r, params) : service_->InitBrowser(r, params);
    std::string id = created.kind == flow::Reply::Kind::kJson
                         ? created.body.value("id", "")
                         : created.location.substr(created.location.find("flow=") + 5);
    auto stored = store_->GetLoginFlow(id);
    EXPECT_TRUE(stored.ok() && stored->has_value()) << DumpJson(created.body);
    return **stored;
  }
  flow::Reply Submit(const flow::Request& r, const Flow& f,
                     std::vector<std::pair<std::string, std::string>> form) {
    SubmitParams params;
    params.flow_id = f.id;
    flow::Body body;
    body.form = std::move(form);
    params.body = std::move(body);
    return service_->Submit(r, params);
  }
  flow::Reply SubmitScripted(const flow::Request& r, const Flow& f) {
    return Submit(r, f,
                  {{"method", "scripted"},
                   {"identifier", kEmail},
                   {"csrf_token", csrf_->Read(csrf_cookie_, true, false).masked}});
  }

  registration::testing::Harness h_;  // config, schemas, clock and ids
  config::Config config_;
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<flow::CsrfGuard> csrf_;
  std::string csrf_cookie_;
  std::unique_ptr<session::CookieCodec> cookies_;
  std::unique_ptr<session::Manager> sessions_;
  RecordingThrottle throttle_;
  ScriptedLogin strategy_;
  std::unique_ptr<Service> service_;
  identity::Identity ann_;
};

TEST_F(LoginServiceTest, ApiFlowHasKratosKeysAndAnEmptyCsrfNode) {
  const flow::Reply r = service_->InitApi(Api(), {});
  ASSERT_EQ(r.status, 200);
  std::vector<std::string> keys;
  for (const auto& [k, v] : r.body.items()) {
    keys.push_back(k);
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"id", "organization_id", "type", "expires_at",
                                            "issued_at", "request_url", "ui", "created_at",
                                            "updated_at", "refresh", "requested_aal", "state"}));
  EXPECT_EQ(r.body["ui"]["nodes"][0]["attributes"]["name"], "csrf_token");
  EXPECT_EQ(r.body["ui"]["nodes"][0]["attributes"]["value"], "");
  EXPECT_EQ(r.body["ui"]["action"],
            "http://127.0.0.1:4433/self-service/login?flow=" + r.body["id"].get<std::string>());
  EXPECT_EQ(strategy_.steps.back(), FormStep::kFirstFactor);
}

TEST_F(LoginServiceTest, SignedInInitIsRefusedAndNotStoredUnlessRefreshing) {
  const flow::Reply api = service_->InitApi(SignedIn(Api(), ann_), {});
  EXPECT_EQ(api.kind, flow::Reply::Kind::kError);
  EXPECT_EQ(api.error.id, "session_already_available");
  const flow::Reply browser = service_->InitBrowser(SignedIn(Browser(), ann_), {});
  EXPECT_EQ(browser.kind, flow::Reply::Kind::kRedirect);
  EXPECT_EQ(browser.location, config_.selfservice.default_browser_return_url);

  InitParams refresh;
  refresh.refresh = "True";  // Go's ParseBool
  const flow::Reply again = service_->InitApi(SignedIn(Api(), ann_), refresh);
  ASSERT_EQ(again.status, 200) << DumpJson(again.body);
  EXPECT_EQ(again.body["refresh"], true);
  EXPECT_EQ(again.body["ui"]["messages"][0]["id"], 1010003);
  EXPECT_EQ(strategy_.steps.back(), FormStep::kRefresh);
  EXPECT_EQ(again.body["ui"]["nodes"][1]["attributes"]["value"], "scripted:" + ann_.id)
      << "the method saw the signed-in identity, with its credentials";
}

TEST_F(LoginServiceTest, RefreshWithoutSessionIsAPlainFlowAndAalIsChecked) {
  InitParams refresh;
  refresh.refresh = "yes";  // not a Go bool: false
  EXPECT_EQ(service_->InitApi(Api(), refresh).body["refresh"], false);
  InitParams aal2;
  aal2.aal = "AAL2";
  EXPECT_EQ(service_->InitApi(Api(), aal2).error.id, "session_aal1_required");
  InitParams aal0;
  aal0.aal = "aal0";
  const flow::Reply bad = service_->InitApi(Api(), aal0);
  EXPECT_EQ(bad.error.code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error.reason,
            "Unable to parse AuthenticationMethod Assurance Level (AAL): expected one of [aal1, "
            "aal2] but got aal0");
}

TEST_F(LoginServiceTest, SuccessAnswersEachClientKind) {
  const flow::Reply api = SubmitScripted(Api(), NewFlow(Api()));
  ASSERT_EQ(api.status, 200) << DumpJson(api.body);
  EXPECT_TRUE(api.body["session_token"].get<std::string>().starts_with("ory_st_"));
  EXPECT_EQ(api.body["session"]["identity"]["id"], ann_.id);
  EXPECT_TRUE(api.body["continue_with"].is_null());
  EXPECT_TRUE(api.cookies.empty());

  const flow::Reply spa = SubmitScripted(Spa(), NewFlow(Spa()));
  ASSERT_EQ(spa.status, 200);
  EXPECT_FALSE(spa.body.contains("session_token"));
  EXPECT_EQ(spa.body["continue_with"][0]["redirect_browser_to"],
            config_.selfservice.default_browser_return_url);
  ASSERT_EQ(spa.cookies.size(), 2u);
  EXPECT_EQ(spa.cookies[0].name, "ory_kratos_session");
  EXPECT_TRUE(spa.cookies[1].name.starts_with("csrf_token_")) << "a new principal, a new token";

  const flow::Reply classic = SubmitScripted(Browser(), NewFlow(Browser()));
  EXPECT_EQ(classic.status, 303);
  EXPECT_EQ(classic.location, config_.selfservice.default_browser_return_url);
  EXPECT_EQ(throttle_.succeeded.size(), 3u);
  EXPECT_EQ(throttle_.succeeded.back(), (std::vector<std::string>{"identifier:ann@example.com"}));
}

TEST_F(LoginServiceTest, RejectionsAreCountedAndShownOnTheForm) {
  strategy_.answer = [](SubmitContext&) -> Outcome {
    return Rejected{{flow::FieldMessage{"", text::InvalidCredentials()}}};
  };
  const Flow f = NewFlow(Browser());
  const flow::Reply classic =
      Submit(Browser(), f,
             {{"method", "scripted"},
              {"identifier", " Ann@Example.com"},
              {"csrf_token", csrf_->Read(csrf_cookie_, true, false).masked}});
  EXPECT_EQ(classic.status, 303) << "login flow errors redirect with 303";
  EXPECT_EQ(classic.location, "http://127.0.0.1:4455/login?flow=" + f.id);
  ASSERT_EQ(throttle_.failed.size(), 1u);
  EXPECT_EQ(throttle_.failed[0],
            (std::vector<std::string>{"identifier:ann@example.com", "ip:192.0.2.1"}));
  const Flow stored = **store_->GetLoginFlow(f.id);
  ASSERT_EQ(stored.ui.messages.size(), 1u);
  EXPECT_EQ(stored.ui.messages[0].id, 4000006);

  const flow::Reply api = SubmitScripted(Api(), NewFlow(Api()));
  EXPECT_EQ(api.status, 400);
  EXPECT_EQ(api.body["ui"]["messages"][0]["id"], 4000006);
}

TEST_F(LoginServiceTest, AThrottledAttemptNeverReachesTheMethod) {
  int called = 0;
  strategy_.answer = [&](SubmitContext&) -> Outcome {
    ++called;
    return Authenticated{ann_};
  };
  throttle_.refuse = std::chrono::seconds(61);
  const flow::Reply r = SubmitScripted(Api(), NewFlow(Api()));
  EXPECT_EQ(called, 0);
  EXPECT_EQ(r.error.code, ErrorCode::kTooManyRequests);
  EXPECT_EQ(r.error.retry_after_seconds, 61);
  EXPECT_EQ(throttle_.asked,
            (std::vector<std::string>{"identifier:ann@example.com", "ip:192.0.2.1"}));
}

TEST_F(LoginServiceTest, SubmitWhileSignedInIsAFormMessageOrARedirect) {
  const flow::Reply api = SubmitScripted(SignedIn(Api(), ann_), NewFlow(Api()));
  EXPECT_EQ(api.status, 400);
  EXPECT_EQ(api.body["ui"]["messages"][0]["id"], 4000001);
  EXPECT_EQ(api.body["ui"]["messages"][0]["text"],
            "A valid session was detected and thus login is not possible. Did you forget to set "
            "`?refresh=true`?");
  const flow::Reply classic = SubmitScripted(SignedIn(Browser(), ann_), NewFlow(Browser()));
  EXPECT_EQ(classic.status, 303);
  EXPECT_EQ(classic.location, config_.selfservice.default_browser_return_url);
}

TEST_F(LoginServiceTest, RefreshBySameIdentityKeepsTheSessionAnotherGetsANewOne) {
  InitParams refresh;
  refresh.refresh = "true";
  const flow::Request signed_in = SignedIn(Api(), ann_);
  const Flow f = NewFlow(signed_in, refresh);
  const flow::Reply same = SubmitScripted(signed_in, f);
  ASSERT_EQ(same.status, 200) << DumpJson(same.body);
  EXPECT_EQ(same.body["session"]["id"], signed_in.session->id);
  EXPECT_EQ(same.body["session_token"], signed_in.session->token);
  EXPECT_EQ(same.body["session"]["authentication_methods"].size(), 2u);

  const identity::Identity bob = AddIdentity("bob@example.com");
  strategy_.answer = [&](SubmitContext&) -> Outcome { return Authenticated{bob}; };
  const flow::Reply other = SubmitScripted(signed_in, NewFlow(signed_in, refresh));
  ASSERT_EQ(other.status, 200);
  EXPECT_NE(other.body["session"]["id"], signed_in.session->id);
  EXPECT_EQ(other.body["session"]["identity"]["id"], bob.id);
}

TEST_F(LoginServiceTest, RevokeActiveSessionsHookEndsEveryOlderSession) {
  config_.selfservice.login.after_methods["scripted"].hooks = {{"revoke_active_sessions", nullptr}};
  Rebuild();
  const flow::Request old = SignedIn(Api(), ann_);
  const flow::Reply r = SubmitScripted(Api(), NewFlow(Api()));
  ASSERT_EQ(r.status, 200);
  EXPECT_FALSE((*sessions_->FindByToken(old.session->token))->active);
  EXPECT_TRUE((*sessions_->FindByToken(r.body["session_token"].get<std::string>()))->active);
}

TEST_F(LoginServiceTest, DisabledIdentityGetsNoSession) {
  ann_.state = "inactive";
  const flow::Reply r = SubmitScripted(Api(), NewFlow(Api()));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["ui"]["messages"][0]["id"], 4010011);
  EXPECT_FALSE(r.body.contains("session_token"));
}

TEST_F(LoginServiceTest, NoMethodResponsibleIs4010002) {
  const flow::Reply r = Submit(Api(), NewFlow(Api()), {{"method", "nope"}, {"identifier", kEmail}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["ui"]["messages"][0]["id"], 4010002);
}

TEST_F(LoginServiceTest, ExpiredFlowsAreReplaced) {
  const Flow api = NewFlow(Api());
  const Flow classic = NewFlow(Browser());
  h_.clock.Advance(std::chrono::hours(1) + std::chrono::minutes(1));
  const flow::Reply gone = SubmitScripted(Api(), api);
  EXPECT_EQ(gone.error.code, ErrorCode::kGone);
  const std::string replacement = gone.error.extra.value("use_flow_id", "");
  ASSERT_TRUE(IsUuid(replacement)) << DumpJson(gone.error.extra);
  const Flow fresh = **store_->GetLoginFlow(replacement);
  EXPECT_EQ(fresh.ui.messages[0].id, 4010001);
  EXPECT_EQ(fresh.ui.messages[0].text,
            "The login flow expired 1.00 minutes ago, please try again.");

  const flow::Reply redirect = SubmitScripted(Browser(), classic);
  EXPECT_EQ(redirect.status, 303);
  EXPECT_TRUE(redirect.location.starts_with("http://127.0.0.1:4455/login?flow="));

  const flow::Reply fetched = service_->GetFlow(Api(), api.id);
  EXPECT_EQ(fetched.error.code, ErrorCode::kGone);
  EXPECT_EQ(fetched.error.details["api"], "http://127.0.0.1:4433/self-service/login/api");
}

}  // namespace
}  // namespace atrium::login

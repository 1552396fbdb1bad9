// The registration core in isolation: every outcome of Submit (and of callbacks) for the three
// client kinds, with in-memory stores, a manual clock, predictable ids and a scripted method.
#include "registration/service.h"

#include <gtest/gtest.h>

#include "base/strings.h"
#include "registration/testing/fakes.h"
#include "session/session.h"
#include "text/messages.h"

namespace atrium::registration {
namespace {

using testing::Harness;
using testing::ScriptedStrategy;

constexpr char kEmail[] = "ann@example.com";

// An identity as a password method would hand it over: traits, one identifier, one address.
identity::Identity NewIdentity(const std::string& email) {
  identity::Identity id;
  id.traits = {{"email", email}};
  identity::Credential c;
  c.type = "password";
  c.identifiers = {email};
  c.config = {{"hashed_password", "$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA"}};
  id.credentials["password"] = c;
  identity::VerifiableAddress a;
  a.value = email;
  id.verifiable_addresses.push_back(a);
  return id;
}

std::vector<std::string> CookieNames(const flow::Reply& r) {
  std::vector<std::string> out;
  for (const auto& c : r.cookies) {
    out.push_back(c.name.starts_with("csrf_token_") ? "csrf_token_*" : c.name);
  }
  return out;
}

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    profile_.trait_inputs = true;
    password_.answer = [](SubmitContext& ctx) -> Outcome {
      ctx.decoded = {{"traits", {{"email", kEmail}}}};
      return Created{NewIdentity(kEmail)};
    };
    Rebuild();
  }
  void Rebuild() { h_.Build({&profile_, &password_}); }
  std::optional<flow::Reply> FetchNow(const flow::Request& request, std::string_view id) {
    return h_.service().GetFlowNow([&request]() -> const flow::Request& { return request; }, id);
  }
  void SessionHook() {
    h_.config.selfservice.registration.after_methods["password"].hooks = {{"session", nullptr}};
  }
  flow::Reply SubmitPassword(const flow::Request& r, const Flow& f) {
    return h_.Submit(r, f.id, {{"method", "password"}, {"csrf_token", h_.CsrfToken()}});
  }

  Harness h_;
  ScriptedStrategy profile_{"profile"};
  ScriptedStrategy password_{"password"};
};

// ---- success, per client kind and session hook --------------------------------------------

struct SuccessCase {
  const char* name;
  enum { kApi, kSpa, kBrowser } client;
  bool session_hook;
  int status;
  std::vector<std::string> body_keys;  // empty for redirects
  std::vector<std::string> cookies;
  std::vector<std::string> continue_with;  // actions
};

void PrintTo(const SuccessCase& c, std::ostream* os) { *os << c.name; }

class SuccessTest : public ServiceTest, public ::testing::WithParamInterface<SuccessCase> {};

TEST_P(SuccessTest, AnswersAsKratosDoes) {
  const SuccessCase& c = GetParam();
  if (c.session_hook) {
    SessionHook();
    Rebuild();
  }
  const flow::Request r = c.client == SuccessCase::kApi   ? h_.Api()
                          : c.client == SuccessCase::kSpa ? h_.Spa()
                                                          : h_.Browser();
  const Flow f = h_.NewFlow(r);
  const flow::Reply reply = SubmitPassword(r, f);
  EXPECT_EQ(reply.status, c.status) << DumpJson(reply.body) << reply.error.reason;
  std::vector<std::string> keys;
  for (const auto& [k, v] : reply.body.items()) {
    keys.push_back(k);
  }
  EXPECT_EQ(keys, c.body_keys);
  EXPECT_EQ(CookieNames(reply), c.cookies);
  std::vector<std::string> actions;
  if (reply.body.contains("continue_with") && reply.body["continue_with"].is_array()) {
    for (const auto& item : reply.body["continue_with"]) {
      actions.push_back(item.value("action", ""));
    }
  }
  EXPECT_EQ(actions, c.continue_with);
  if (c.client == SuccessCase::kBrowser) {
    EXPECT_EQ(reply.kind, flow::Reply::Kind::kRedirect);
    EXPECT_EQ(reply.location, h_.config.selfservice.default_browser_return_url);
  }
  // One identity and one session are written either way; the hook only hands the session out.
  const auto identities = h_.store.Identities();
  const auto sessions = h_.store.Sessions();
  ASSERT_EQ(identities.size(), 1u);
  ASSERT_EQ(sessions.size(), 1u);
  const auto& identity = identities[0];
  EXPECT_EQ(identity.id, "00000000-0000-4000-8000-000000000002") << "ids come from the generator";
  EXPECT_EQ(identity.verifiable_addresses[0].id.size(), 36u) << "address ids are assigned";
  EXPECT_EQ(identity.created_at, h_.clock.Now());
  const auto& session = sessions[0];
  EXPECT_EQ(session.identity_id, identity.id);
  EXPECT_EQ(session.token_digest, session::TokenDigest(session.token));
  EXPECT_EQ(session.expires_at, h_.clock.Now() + h_.config.session.lifespan);
  if (c.session_hook && c.client == SuccessCase::kApi) {
    EXPECT_EQ(reply.body["session_token"], session.token);
    EXPECT_EQ(reply.body["continue_with"][0]["ory_session_token"], session.token);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Submit, SuccessTest,
    ::testing::Values(
        SuccessCase{"ApiWithSessionHook",
                    SuccessCase::kApi,
                    true,
                    200,
                    {"session_token", "session", "identity", "continue_with"},
                    {},
                    {"set_ory_session_token"}},
        SuccessCase{
            "ApiWithoutHook", SuccessCase::kApi, false, 200, {"identity", "continue_with"}, {}, {}},
        SuccessCase{"SpaWithSessionHook",
                    SuccessCase::kSpa,
                    true,
                    200,
                    {"session", "identity", "continue_with"},
                    {"ory_kratos_session", "csrf_token_*"},
                    {"redirect_browser_to"}},
        SuccessCase{"SpaWithoutHook",
                    SuccessCase::kSpa,
                    false,
                    200,
                    {"identity", "continue_with"},
                    {},
                    {"redirect_browser_to"}},
        SuccessCase{"BrowserWithSessionHook",
                    SuccessCase::kBrowser,
                    true,
                    303,
                    {},
                    {"ory_kratos_session", "csrf_token_*"},
                    {}},
        SuccessCase{"BrowserWithoutHook", SuccessCase::kBrowser, false, 303, {}, {}, {}}),
    [](const auto& test) { return std::string(test.param.name); });

TEST_F(ServiceTest, ApiWithoutHookAnswersNullContinueWith) {
  const flow::Reply reply = SubmitPassword(h_.Api(), h_.NewFlow(h_.Api()));
  ASSERT_EQ(reply.status, 200);
  EXPECT_TRUE(reply.body["continue_with"].is_null());
}

TEST_F(ServiceTest, TheGlobalHookListAppliesWhenTheMethodHasNone) {
  h_.config.selfservice.registration.after_hooks = {{"session", nullptr}};
  Rebuild();
  EXPECT_TRUE(SubmitPassword(h_.Api(), h_.NewFlow(h_.Api())).body.contains("session_token"));
}

// ---- the return URL -------------------------------------------------------------------------

TEST_F(ServiceTest, AForbiddenReturnUrlIsRefusedBeforeAnythingIsWritten) {
  flow::Request r = h_.Browser();
  r.url += "?return_to=https://evil.example/";
  InitParams params;
  params.return_to = "https://evil.example/";
  const flow::Reply init = h_.service().InitBrowser(r, params);
  EXPECT_EQ(init.kind, flow::Reply::Kind::kErrorForward);
  EXPECT_EQ(init.error.id, "self_service_flow_return_to_forbidden");
  EXPECT_EQ(h_.store.FlowCount(), 0u);

  // A flow whose request URL carries a return_to that is no longer allowed at completion.
  Flow f = h_.NewFlow(h_.Browser());
  f.request_url = h_.config.serve_public.base_url +
                  "self-service/registration/browser?return_to=https%3A%2F%2Fevil.example%2F";
  ASSERT_TRUE(h_.store.UpdateFlow(f).ok());
  const flow::Reply reply = SubmitPassword(h_.Browser(), f);
  EXPECT_EQ(reply.status, 302) << "a 400 becomes a message on the form (§7.2)";
  const auto stored = *h_.store.GetFlow(f.id);
  EXPECT_EQ(stored->ui.messages.at(0).id, 4000001);
  EXPECT_EQ(stored->ui.messages.at(0).text,
            "Requested return_to URL \"https://evil.example/\" is not allowed.");
  EXPECT_TRUE(h_.store.Identities().empty()) << "nothing is created";
}

TEST_F(ServiceTest, AnAllowedReturnUrlIsWhereTheBrowserGoes) {
  Flow f = h_.NewFlow(h_.Browser());
  f.request_url =
      h_.config.serve_public.base_url +
      "self-service/registration/browser?return_to=http%3A%2F%2F127.0.0.1%3A4455%2Fnext";
  ASSERT_TRUE(h_.store.UpdateFlow(f).ok());
  const flow::Reply reply = SubmitPassword(h_.Browser(), f);
  EXPECT_EQ(reply.location, "http://127.0.0.1:4455/next");
}

// ---- form errors and failures -------------------------------------------------------------

TEST_F(ServiceTest, FormErrorsShowTheFlowAgainWithMessagesAndTheSubmittedTraits) {
  password_.answer = [](SubmitContext& ctx) -> Outcome {
    ctx.decoded = {{"traits", {{"email", "typed@example.com"}}}};
    return FormErrors{{{"password", text::PasswordLabel()}, {"", text::NoStrategy()}}};
  };
  Rebuild();
  const flow::Reply api = SubmitPassword(h_.Api(), h_.NewFlow(h_.Api()));
  ASSERT_EQ(api.status, 400);
  EXPECT_EQ(api.body["ui"]["messages"][0]["id"], 4010003);
  bool email_kept = false;
  bool message_on_password = false;
  for (const auto& n : api.body["ui"]["nodes"]) {
    email_kept = email_kept || (n["attributes"]["name"] == "traits.email" &&
                                n["attributes"]["value"] == "typed@example.com");
    message_on_password =
        message_on_password || (n["attributes"]["name"] == "password" && !n["messages"].empty());
  }
  EXPECT_TRUE(email_kept);
  EXPECT_TRUE(message_on_password) << "a message for an unknown node creates it";

  const Flow f = h_.NewFlow(h_.Browser());
  const flow::Reply browser = SubmitPassword(h_.Browser(), f);
  EXPECT_EQ(browser.status, 302) << "registration answers 302 (not 303) to classic browsers";
  EXPECT_EQ(browser.location, h_.config.selfservice.registration.ui_url + "?flow=" + f.id);
  EXPECT_EQ((*h_.store.GetFlow(f.id))->ui.messages.size(), 1u) << "the flow is stored";
  EXPECT_TRUE(h_.store.Identities().empty());
}

TEST_F(ServiceTest, SystemErrorsAreForwardedForBrowsersAndEnvelopedForApiFlows) {
  password_.answer = [](SubmitContext&) -> Outcome {
    return Failed{flow::CsrfGuard::ViolationError(flow::CsrfViolation::kMismatch, false)};
  };
  Rebuild();
  const flow::Reply browser = SubmitPassword(h_.Browser(), h_.NewFlow(h_.Browser()));
  EXPECT_EQ(browser.kind, flow::Reply::Kind::kErrorForward);
  EXPECT_EQ(browser.error.id, "security_csrf_violation");
  const flow::Reply api = SubmitPassword(h_.Api(), h_.NewFlow(h_.Api()));
  EXPECT_EQ(api.kind, flow::Reply::Kind::kError);
}

TEST_F(ServiceTest, ArgumentErrorsWithoutAnIdBecomeFormMessages) {
  password_.answer = [](SubmitContext&) -> Outcome {
    return Failed{Error::InvalidArgument("Unable to decode form as JSON.")};
  };
  Rebuild();
  const flow::Reply reply = SubmitPassword(h_.Api(), h_.NewFlow(h_.Api()));
  ASSERT_EQ(reply.status, 400);
  EXPECT_EQ(reply.body["ui"]["messages"][0]["id"], 4000001);
  EXPECT_EQ(reply.body["ui"]["messages"][0]["text"], "Unable to decode form as JSON.");
}

struct DuplicateCase {
  const char* name;
  bool login_hints;
  int64_t message_id;
};

void PrintTo(const DuplicateCase& c, std::ostream* os) { *os << c.name; }

class DuplicateTest : public ServiceTest, public ::testing::WithParamInterface<DuplicateCase> {};

TEST_P(DuplicateTest, ASecondAccountWithTheSameIdentifierIsAFormMessage) {
  h_.config.selfservice.registration.login_hints = GetParam().login_hints;
  Rebuild();
  ASSERT_EQ(SubmitPassword(h_.Api(), h_.NewFlow(h_.Api())).status, 200);
  const flow::Reply again = SubmitPassword(h_.Api(), h_.NewFlow(h_.Api()));
  ASSERT_EQ(again.status, 400);
  EXPECT_EQ(again.body["ui"]["messages"][0]["id"], GetParam().message_id);
  EXPECT_EQ(h_.store.Identities().size(), 1u);
  EXPECT_EQ(h_.store.Sessions().size(), 1u) << "the failed sign-up wrote no session either";
}

TEST_F(ServiceTest, LoginHintsNameTheCredentialsOfTheExistingAccount) {
  h_.config.selfservice.registration.login_hints = true;
  Rebuild();
  ASSERT_EQ(SubmitPassword(h_.Api(), h_.NewFlow(h_.Api())).status, 200);
  // Another identifier, but the same (verifiable) address: the owner signs in with a password.
  password_.answer = [](SubmitContext&) -> Outcome {
    identity::Identity other = NewIdentity("other@example.com");
    other.verifiable_addresses[0].value = kEmail;
    return Created{other};
  };
  const flow::Reply reply = SubmitPassword(h_.Api(), h_.NewFlow(h_.Api()));
  ASSERT_EQ(reply.status, 400);
  const Json& m = reply.body["ui"]["messages"][0];
  EXPECT_EQ(m["id"], 4000028);
  EXPECT_EQ(m["context"]["available_credential_types"], Json::array({"password"}));
  EXPECT_EQ(m["context"]["credential_identifier_hint"], kEmail);
}

INSTANTIATE_TEST_SUITE_P(Submit, DuplicateTest,
                         ::testing::Values(DuplicateCase{"WithoutLoginHints", false, 4000007},
                                           DuplicateCase{"WithLoginHints", true, 4000028}),
                         [](const auto& test) { return std::string(test.param.name); });

TEST_F(ServiceTest, AStoreThatCannotWriteIsAForwardedUnavailableError) {
  const Flow f = h_.NewFlow(h_.Browser());
  h_.store.fail_writes = true;
  const flow::Reply reply = SubmitPassword(h_.Browser(), f);
  EXPECT_EQ(reply.kind, flow::Reply::Kind::kErrorForward);
  EXPECT_EQ(reply.error.code, ErrorCode::kUnavailable);
}

// ---- what comes before the method ----------------------------------------------------------

TEST_F(ServiceTest, SignedInCallersCannotRegister) {
  flow::Request api = h_.Api();
  const Flow f = h_.NewFlow(api);
  api.session = session::Session{};
  EXPECT_EQ(SubmitPassword(api, f).error.id, "session_already_available");
  EXPECT_EQ(h_.service().InitApi(api, InitParams{}).error.id, "session_already_available");
  flow::Request browser = h_.Browser();
  browser.session = session::Session{};
  const flow::Reply redirect = SubmitPassword(browser, f);
  EXPECT_EQ(redirect.status, 302);
  EXPECT_EQ(redirect.location, h_.config.selfservice.default_browser_return_url);
  // A return_to under <public>/self-service is honoured, any other ignored (Kratos).
  const std::string self_service = h_.config.serve_public.base_url + "self-service/login/browser";
  browser.url = h_.config.serve_public.base_url + "self-service/registration?flow=" + f.id +
                "&return_to=" + QueryEscape(self_service);
  EXPECT_EQ(SubmitPassword(browser, f).location, self_service);
  browser.url = h_.config.serve_public.base_url + "self-service/registration?flow=" + f.id +
                "&return_to=" + QueryEscape("http://127.0.0.1:4455/next");
  EXPECT_EQ(SubmitPassword(browser, f).location, h_.config.selfservice.default_browser_return_url);
  EXPECT_EQ(password_.registers, 0) << "the method never ran";
}

TEST_F(ServiceTest, UnknownAndMalformedFlowIds) {
  EXPECT_EQ(h_.Submit(h_.Api(), "00000000-0000-4000-8000-00000000ffff", {}).error.code,
            ErrorCode::kNotFound);
  const flow::Reply malformed = h_.Submit(h_.Api(), "nope", {});
  EXPECT_EQ(malformed.error.code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(malformed.kind, flow::Reply::Kind::kError);
  EXPECT_EQ(h_.Submit(h_.Browser(), "nope", {}).kind, flow::Reply::Kind::kErrorForward);
}

TEST_F(ServiceTest, AnExpiredFlowIsReplacedAndTheClientToldWhichToUse) {
  const Flow api = h_.NewFlow(h_.Api());
  const Flow browser = h_.NewFlow(h_.Browser());
  h_.clock.Advance(h_.config.selfservice.registration.lifespan + std::chrono::seconds(1));
  const flow::Reply gone = SubmitPassword(h_.Api(), api);
  ASSERT_EQ(gone.error.code, ErrorCode::kGone);
  const std::string replacement = gone.error.extra.value("use_flow_id", "");
  ASSERT_FALSE(replacement.empty());
  const auto stored = *h_.store.GetFlow(replacement);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->ui.messages.at(0).id, 4040001);
  EXPECT_TRUE(stored->IsApi());
  const flow::Reply redirect = SubmitPassword(h_.Browser(), browser);
  EXPECT_EQ(redirect.status, 303);
  EXPECT_TRUE(redirect.location.starts_with(h_.config.selfservice.registration.ui_url));
  EXPECT_EQ(password_.registers, 0);
}

TEST_F(ServiceTest, NoResponsibleMethodIs4010003) {
  const flow::Reply reply = h_.Submit(h_.Api(), h_.NewFlow(h_.Api()).id, {{"method", "carrier"}});
  ASSERT_EQ(reply.status, 400);
  EXPECT_EQ(reply.body["ui"]["messages"][0]["id"], 4010003);
}

TEST_F(ServiceTest, AnUndecodableBodyIsAFormMessage) {
  SubmitParams params;
  params.flow_id = h_.NewFlow(h_.Api()).id;
  params.body_error = Error::InvalidArgument("Unable to decode form as JSON.");
  const flow::Reply reply = h_.service().Submit(h_.Api(), params);
  ASSERT_EQ(reply.status, 400);
  EXPECT_EQ(reply.body["ui"]["messages"][0]["text"], "Unable to decode form as JSON.");
}

// ---- next steps, redirects, sign-ins, callbacks -------------------------------------------

TEST_F(ServiceTest, ANextStepStoresTheChangedFormAndShowsIt) {
  password_.answer = [](SubmitContext& ctx) -> Outcome {
    ctx.flow.state = "sent_email";
    return NextStep{};
  };
  Rebuild();
  const Flow f = h_.NewFlow(h_.Spa());
  const flow::Reply spa = SubmitPassword(h_.Spa(), f);
  EXPECT_EQ(spa.status, 400);
  EXPECT_EQ(spa.body["state"], "sent_email");
  EXPECT_EQ((*h_.store.GetFlow(f.id))->state, "sent_email");
  const flow::Reply browser = SubmitPassword(h_.Browser(), h_.NewFlow(h_.Browser()));
  EXPECT_EQ(browser.status, 303);
}

TEST_F(ServiceTest, ARedirectIs422ForJsonAnd303ForBrowsersWithItsCookies) {
  password_.answer = [](SubmitContext&) -> Outcome {
    return Redirect{"https://provider.example/auth?state=x",
                    {SetCookie{"continuity", "v", "/", "", 600, true, false, "Lax", false}}};
  };
  Rebuild();
  const flow::Reply spa = SubmitPassword(h_.Spa(), h_.NewFlow(h_.Spa()));
  EXPECT_EQ(spa.error.code, ErrorCode::kUnprocessable);
  EXPECT_EQ(spa.error.id, "browser_location_change_required");
  EXPECT_EQ(spa.error.extra["redirect_browser_to"], "https://provider.example/auth?state=x");
  EXPECT_EQ(CookieNames(spa), std::vector<std::string>{"continuity"});
  const flow::Reply browser = SubmitPassword(h_.Browser(), h_.NewFlow(h_.Browser()));
  EXPECT_EQ(browser.status, 303);
  EXPECT_EQ(browser.location, "https://provider.example/auth?state=x");
}

TEST_F(ServiceTest, ASignInOfAnExistingIdentityIssuesASessionAndCreatesNothing) {
  identity::Identity existing = NewIdentity(kEmail);
  existing.id = "11111111-1111-4111-8111-111111111111";
  password_.answer = [existing](SubmitContext&) -> Outcome { return SignIn{existing}; };
  Rebuild();
  const flow::Reply reply = SubmitPassword(h_.Api(), h_.NewFlow(h_.Api()));
  ASSERT_EQ(reply.status, 200) << reply.error.reason;
  EXPECT_EQ(reply.body["identity"]["id"], existing.id);
  EXPECT_TRUE(reply.body.contains("session_token"));
  EXPECT_TRUE(h_.store.Identities().empty());
  ASSERT_EQ(h_.store.Sessions().size(), 1u);
  EXPECT_EQ(h_.store.Sessions()[0].identity_id, existing.id);

  existing.state = "inactive";
  password_.answer = [existing](SubmitContext&) -> Outcome { return SignIn{existing}; };
  const flow::Reply disabled = SubmitPassword(h_.Api(), h_.NewFlow(h_.Api()));
  EXPECT_EQ(disabled.status, 400);
  EXPECT_EQ(h_.store.Sessions().size(), 1u) << "no session for a disabled identity";
}

TEST_F(ServiceTest, CallbacksResumeTheFlowTheirStateNames) {
  const Flow f = h_.NewFlow(h_.Api());
  const flow::Request r = h_.Api();
  CallbackRequest callback{r, "provider", {{"state", f.id}, {"code", "c"}}, {}};
  password_.answer = [](SubmitContext& ctx) -> Outcome {
    EXPECT_EQ(flow::PeekField(ctx.body, "code"), "c") << "the parameters arrive as the body";
    EXPECT_TRUE(ctx.from_callback);
    return Created{NewIdentity(kEmail)};
  };
  EXPECT_EQ(h_.service().Callback(callback, "password").status, 200);
  EXPECT_EQ(h_.store.Identities().size(), 1u);

  EXPECT_EQ(h_.service().Callback(callback, "nope").error.code, ErrorCode::kNotFound);
  CallbackRequest stateless{r, "provider", {{"code", "c"}}, {}};
  EXPECT_EQ(h_.service().Callback(stateless, "password").error.code, ErrorCode::kInvalidArgument);
  CallbackRequest unknown{r, "provider", {{"state", "00000000-0000-4000-8000-00000000ffff"}}, {}};
  EXPECT_EQ(h_.service().Callback(unknown, "password").error.code, ErrorCode::kNotFound);
  password_.enabled = false;
  EXPECT_EQ(h_.service().Callback(callback, "password").error.code, ErrorCode::kNotFound);
}

TEST_F(ServiceTest, ScriptsOfEveryMethodEvenDisabledOnes) {
  EXPECT_TRUE(h_.service().Scripts().empty());
  password_.scripts = {Script{"/.well-known/ory/webauthn.js", "text/javascript", "x"}};
  EXPECT_EQ(h_.service().Scripts().size(), 1u);
  password_.enabled = false;
  EXPECT_EQ(h_.service().Scripts().size(), 1u) << "the reference UI loads it on every page";
}

// ---- flow creation and fetching ------------------------------------------------------------

TEST_F(ServiceTest, FlowsCarryTheMethodsNodesAndTheCsrfTokenOfBrowsersOnly) {
  const Flow api = h_.NewFlow(h_.Api());
  EXPECT_EQ(api.ui.Find("csrf_token")->input.value, "");
  EXPECT_NE(api.ui.Find("method", "password"), nullptr);
  EXPECT_EQ(api.expires_at, h_.clock.Now() + h_.config.selfservice.registration.lifespan);
  const Flow browser = h_.NewFlow(h_.Browser());
  EXPECT_EQ(browser.ui.Find("csrf_token")->input.value.get<std::string>().size(), 88u);
  EXPECT_EQ(browser.csrf_token, browser.ui.Find("csrf_token")->input.value.get<std::string>());
}

TEST_F(ServiceTest, GetFlowChecksTheBrowsersCookieAndExpiry) {
  const Flow browser = h_.NewFlow(h_.Browser());
  EXPECT_EQ(h_.service().GetFlow(h_.Browser(), browser.id).status, 200);
  flow::Request stranger = h_.Browser();
  stranger.csrf = flow::CsrfState{};
  EXPECT_EQ(h_.service().GetFlow(stranger, browser.id).error.id, "security_csrf_violation");
  EXPECT_EQ(h_.service().GetFlow(h_.Api(), "nope").error.code, ErrorCode::kNotFound);
  h_.clock.Advance(h_.config.selfservice.registration.lifespan + std::chrono::seconds(1));
  EXPECT_EQ(h_.service().GetFlow(h_.Browser(), browser.id).error.code, ErrorCode::kGone);
}

// A fetch is answered with the flow as stored: the document the decoded flow gives. Whatever
// else (a stranger's cookie, expiry, an unknown id) is decided on the decoded flow as before.
TEST_F(ServiceTest, FetchesSendTheStoredAnswer) {
  const Flow api = h_.NewFlow(h_.Api());
  const flow::Reply r = h_.service().GetFlow(h_.Api(), api.id);
  ASSERT_EQ(r.status, 200);
  ASSERT_FALSE(r.text.empty());
  EXPECT_EQ(Json::parse(r.text), (*h_.store.GetFlow(api.id))->ToJson());
  EXPECT_EQ(Json::parse(r.text)["ui"], api.ToJson()["ui"]);

  // Without waiting: only what a store can read at once, and only the plain 200s.
  EXPECT_FALSE(FetchNow(h_.Api(), api.id).has_value());
  h_.store.answers_now = true;
  const auto now = FetchNow(h_.Api(), api.id);
  ASSERT_TRUE(now.has_value());
  EXPECT_EQ(now->text, r.text);
  const Flow browser = h_.NewFlow(h_.Browser());
  EXPECT_TRUE(FetchNow(h_.Browser(), browser.id).has_value());
  flow::Request stranger = h_.Browser();
  stranger.csrf = flow::CsrfState{};
  EXPECT_FALSE(FetchNow(stranger, browser.id).has_value());
  EXPECT_FALSE(FetchNow(h_.Api(), "00000000-0000-4000-8000-000000000000"));
  EXPECT_FALSE(FetchNow(h_.Api(), "nope").has_value());
  h_.clock.Advance(h_.config.selfservice.registration.lifespan + std::chrono::seconds(1));
  EXPECT_FALSE(FetchNow(h_.Api(), api.id).has_value());
  EXPECT_EQ(h_.service().GetFlow(h_.Api(), api.id).error.code, ErrorCode::kGone);
}

// A store that reads later answers the plain 200s with the stored answer and hands everything
// else (nullopt) back for GetFlow, which decodes the flow.
TEST_F(ServiceTest, FetchesReadLaterSendTheStoredAnswerOrHandBack) {
  const Flow api = h_.NewFlow(h_.Api());
  const Flow browser = h_.NewFlow(h_.Browser());
  const flow::Reply ordinary = h_.service().GetFlow(h_.Api(), api.id);
  int calls = 0;
  std::optional<flow::Reply> got;
  const auto keep = [&](std::optional<flow::Reply> r) {
    ++calls;
    got = std::move(r);
  };
  EXPECT_FALSE(h_.service().GetFlowLater(h_.Api(), api.id, keep));
  h_.store.answers_later = true;
  ASSERT_TRUE(h_.service().GetFlowLater(h_.Api(), api.id, keep));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->text, ordinary.text);
  ASSERT_TRUE(h_.service().GetFlowLater(h_.Browser(), browser.id, keep));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->status, 200);

  flow::Request stranger = h_.Browser();
  stranger.csrf = flow::CsrfState{};
  ASSERT_TRUE(h_.service().GetFlowLater(stranger, browser.id, keep));
  EXPECT_FALSE(got.has_value());
  ASSERT_TRUE(h_.service().GetFlowLater(h_.Api(), "00000000-0000-4000-8000-000000000000", keep));
  EXPECT_FALSE(got.has_value());
  // Ids that cannot name a flow are not looked up at all.
  EXPECT_FALSE(h_.service().GetFlowLater(h_.Api(), "nope", keep));
  h_.store.fail_answer_reads = true;  // the ordinary path reports the failure
  ASSERT_TRUE(h_.service().GetFlowLater(h_.Api(), api.id, keep));
  EXPECT_FALSE(got.has_value());
  h_.store.fail_answer_reads = false;
  h_.clock.Advance(h_.config.selfservice.registration.lifespan + std::chrono::seconds(1));
  ASSERT_TRUE(h_.service().GetFlowLater(h_.Api(), api.id, keep));
  EXPECT_FALSE(got.has_value());
  EXPECT_EQ(calls, 6);
}

// An API flow started without waiting is answered once stored, with what InitApi answers; what
// may wait (a session, an exchange code, before hooks) is left to InitApi.
TEST_F(ServiceTest, ApiFlowsStartedLaterAreAnsweredOnceStored) {
  std::optional<flow::Reply> got;
  const auto keep = [&got](flow::Reply r) { got = std::move(r); };
  EXPECT_FALSE(h_.service().InitApiLater(h_.Api(), InitParams{}, keep));
  h_.store.writes_later = true;
  ASSERT_TRUE(h_.service().InitApiLater(h_.Api(), InitParams{}, keep));
  ASSERT_TRUE(got.has_value());
  ASSERT_EQ(got->status, 200);
  const Json created = Json::parse(got->text);
  ASSERT_EQ(h_.store.FlowCount(), 1u);
  EXPECT_EQ(created, (*h_.store.GetFlow(created["id"].get<std::string>()))->ToJson());
  const flow::Reply ordinary = h_.service().InitApi(h_.Api(), InitParams{});
  Json a = created;
  Json b = ordinary.Document();
  for (Json* j : {&a, &b}) {
    for (const char* k : {"id", "expires_at", "issued_at"}) {
      j->erase(k);
    }
    j->at("ui").erase("action");
  }
  EXPECT_EQ(a, b);

  got.reset();
  InitParams exchange;
  exchange.return_session_token_exchange_code = true;
  EXPECT_FALSE(h_.service().InitApiLater(h_.Api(), exchange, keep));
  flow::Request signed_in = h_.Api();
  signed_in.session = session::Session{};
  EXPECT_FALSE(h_.service().InitApiLater(signed_in, InitParams{}, keep));
  EXPECT_FALSE(got.has_value());

  InitParams foreign;
  foreign.return_to = "https://evil.example/";
  ASSERT_TRUE(h_.service().InitApiLater(h_.Api(), foreign, keep));
  EXPECT_EQ(got->kind, flow::Reply::Kind::kError);
  h_.store.fail_writes = true;
  ASSERT_TRUE(h_.service().InitApiLater(h_.Api(), InitParams{}, keep));
  EXPECT_EQ(got->error.code, ErrorCode::kUnavailable);
  EXPECT_EQ(h_.store.FlowCount(), 2u);
}

TEST_F(ServiceTest, DisabledRegistrationCreatesNoFlows) {
  h_.config.selfservice.registration.enabled = false;
  Rebuild();
  EXPECT_EQ(h_.service().InitApi(h_.Api(), InitParams{}).error.id, "self_service_flow_disabled");
  EXPECT_EQ(h_.store.FlowCount(), 0u);
}

// ---- post-persist hooks (§18 step 7) ------------------------------------------------------

// Records that it ran (into a shared log), and adds what the test tells it to.
class RecordingHook final : public PostPersistHook {
 public:
  RecordingHook(std::string name, std::vector<std::string>& log)
      : name_(std::move(name)), log_(log) {}
  std::string_view Name() const override { return name_; }
  Status Run(const flow::Request&, Flow& flow, identity::Identity& identity,
             HookEffects& effects) const override {
    log_.push_back(name_);
    if (fail) {
      return Error::Unavailable("hook " + name_ + " failed");
    }
    flow.internal_context["ran_" + name_] = identity.id;
    if (!item.empty()) {
      effects.continue_with.push_back({{"action", item}});
    }
    if (!redirect.empty()) {
      effects.browser_redirect = redirect;
    }
    if (rotate) {
      SetCookie cookie;
      cookie.name = "csrf_token_by_hook";
      effects.cookies.push_back(std::move(cookie));
      effects.csrf_rotated = true;
    }
    return OkStatus();
  }
  std::string item;
  std::string redirect;
  bool rotate = false;
  bool fail = false;

 private:
  std::string name_;
  std::vector<std::string>& log_;
};

class HookTest : public ServiceTest {
 protected:
  void RebuildWithHooks() { h_.Build({&profile_, &password_}, {&show_, &verify_}); }
  std::vector<std::string> log_;
  RecordingHook verify_{"verification", log_};
  RecordingHook show_{"show_verification_ui", log_};
};

TEST_F(HookTest, VerificationRunsFirstOnlyWhenEnabledAndSessionIsHandedOutLast) {
  h_.config.selfservice.registration.after_methods["password"].hooks = {
      {"session", nullptr}, {"show_verification_ui", nullptr}, {"not_implemented", nullptr}};
  show_.item = "show_verification_ui";
  RebuildWithHooks();
  flow::Reply reply = SubmitPassword(h_.Api(), h_.NewFlow(h_.Api()));
  ASSERT_EQ(reply.status, 200) << reply.error.reason;
  EXPECT_EQ(log_, (std::vector<std::string>{"show_verification_ui"})) << "verification disabled";
  ASSERT_EQ(reply.body["continue_with"].size(), 2u);
  EXPECT_EQ(reply.body["continue_with"][0]["action"], "show_verification_ui");
  EXPECT_EQ(reply.body["continue_with"][1]["action"], "set_ory_session_token")
      << "the session comes last, wherever it is listed";

  log_.clear();
  h_.config.selfservice.verification.enabled = true;
  password_.answer = [](SubmitContext&) -> Outcome { return Created{NewIdentity("bob@x.org")}; };
  RebuildWithHooks();
  reply = SubmitPassword(h_.Api(), h_.NewFlow(h_.Api()));
  ASSERT_EQ(reply.status, 200) << reply.error.reason;
  EXPECT_EQ(log_, (std::vector<std::string>{"verification", "show_verification_ui"}));
}

TEST_F(HookTest, SpaItemsFollowRedirectBrowserToAndAHookRotationReplacesTheSessionOne) {
  h_.config.selfservice.verification.enabled = true;
  SessionHook();
  h_.config.selfservice.registration.after_methods["password"].hooks.push_back(
      {"show_verification_ui", nullptr});
  show_.item = "show_verification_ui";
  verify_.rotate = true;
  RebuildWithHooks();
  const flow::Reply reply = SubmitPassword(h_.Spa(), h_.NewFlow(h_.Spa()));
  ASSERT_EQ(reply.status, 200) << reply.error.reason;
  ASSERT_EQ(reply.body["continue_with"].size(), 2u);
  EXPECT_EQ(reply.body["continue_with"][0]["action"], "redirect_browser_to");
  EXPECT_EQ(reply.body["continue_with"][1]["action"], "show_verification_ui");
  std::vector<std::string> names;
  for (const auto& c : reply.cookies) {
    names.push_back(c.name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"csrf_token_by_hook", "ory_kratos_session"}))
      << "one CSRF cookie: the one the hook's flow is bound to";
}

TEST_F(HookTest, ABrowserGoesWhereAHookSendsIt) {
  SessionHook();
  h_.config.selfservice.registration.after_methods["password"].hooks.push_back(
      {"show_verification_ui", nullptr});
  show_.redirect = "http://127.0.0.1:4455/verification?flow=x";
  RebuildWithHooks();
  const flow::Reply reply = SubmitPassword(h_.Browser(), h_.NewFlow(h_.Browser()));
  ASSERT_EQ(reply.kind, flow::Reply::Kind::kRedirect);
  EXPECT_EQ(reply.location, "http://127.0.0.1:4455/verification?flow=x");
}

TEST_F(HookTest, AFailingHookIsAFlowErrorAndTheIdentityStays) {
  h_.config.selfservice.verification.enabled = true;
  verify_.fail = true;
  RebuildWithHooks();
  const flow::Reply reply = SubmitPassword(h_.Api(), h_.NewFlow(h_.Api()));
  EXPECT_EQ(reply.kind, flow::Reply::Kind::kError);
  EXPECT_EQ(reply.error.code, ErrorCode::kUnavailable);
  EXPECT_EQ(h_.store.Identities().size(), 1u);
}

TEST_F(HookTest, AForbiddenAfterVerificationReturnToIsRefusedAtInit) {
  InitParams params;
  params.after_verification_return_to = "https://evil.example/";
  const flow::Reply refused = h_.service().InitApi(h_.Api(), params);
  EXPECT_EQ(refused.kind, flow::Reply::Kind::kError);
  EXPECT_EQ(refused.error.id, "self_service_flow_return_to_forbidden");
  params.after_verification_return_to = "http://127.0.0.1:4455/verified";
  EXPECT_EQ(h_.service().InitApi(h_.Api(), params).status, 200);
}

// ---- hooks with a configuration (web_hook) ----------------------------------------------------

// A scripted configured hook: the entry's config says what kind it is ({"pre": true}); what it
// answers is scripted per test.
class ScriptedHook final : public ConfiguredHook {
 public:
  std::string_view Name() const override { return "web_hook"; }
  Result<bool> IsPrePersist(const Json& config) const override {
    return config.value("pre", false);
  }
  Status RunBefore(const Json& /*config*/, const flow::Request& /*request*/,
                   const Flow& /*flow*/) const override {
    ++befores;
    return before;
  }
  Result<std::vector<flow::FieldMessage>> RunPrePersist(
      const Json& /*config*/, const flow::Request& /*request*/, const Flow& /*flow*/,
      identity::Identity& identity) const override {
    seen_id = identity.id;
    return pre(identity);
  }
  Result<std::optional<courier::Message>> Notification(
      const Json& /*config*/, const flow::Request& /*request*/, const Flow& /*flow*/,
      const identity::Identity& identity) const override {
    if (!notify.ok()) {
      return notify.error();
    }
    courier::Message m;
    m.type = courier::MessageType::kWebhook;
    m.body = identity.id;
    return std::optional<courier::Message>(m);
  }

  std::function<Result<std::vector<flow::FieldMessage>>(identity::Identity&)> pre =
      [](identity::Identity&) { return std::vector<flow::FieldMessage>(); };
  Status before = OkStatus();
  Status notify = OkStatus();
  mutable int befores = 0;
  mutable std::string seen_id = "unset";
};

class ConfiguredHookTest : public ServiceTest {
 protected:
  void Use(std::vector<config::Hook> hooks) {
    hooks.push_back({"session", nullptr});
    h_.config.selfservice.registration.after_methods["password"].hooks = std::move(hooks);
    h_.Build({&profile_, &password_}, {}, {&hook_});
  }
  ScriptedHook hook_;
};

TEST_F(ConfiguredHookTest, APrePersistVetoCreatesNothingAndShowsTheMessages) {
  Use({{"web_hook", {{"pre", true}}}, {"web_hook", {{"pre", false}}}});
  hook_.pre = [](identity::Identity&) {
    text::Message m;
    m.id = 4711;
    m.text = "no";
    m.type = text::MessageType::kError;
    return std::vector<flow::FieldMessage>{{"traits.email", m}, {"", m}};
  };
  const flow::Reply reply = SubmitPassword(h_.Api(), h_.NewFlow(h_.Api()));
  ASSERT_EQ(reply.status, 400);
  EXPECT_EQ(reply.body["ui"]["messages"][0]["id"], 4711);
  EXPECT_TRUE(h_.store.Identities().empty());
  EXPECT_TRUE(h_.store.Sessions().empty());
  EXPECT_TRUE(h_.store.HookMessages().empty());
  EXPECT_EQ(hook_.seen_id, "") << "pre-persist hooks run before the identity has an id";
}

TEST_F(ConfiguredHookTest, APrePersistFailureCreatesNothing) {
  Use({{"web_hook", {{"pre", true}}}, {"web_hook", {{"pre", false}}}});
  hook_.pre = [](identity::Identity&) -> Result<std::vector<flow::FieldMessage>> {
    return Error::GatewayTimeout("A third-party upstream service could not be reached.");
  };
  const flow::Reply reply = SubmitPassword(h_.Api(), h_.NewFlow(h_.Api()));
  EXPECT_EQ(reply.kind, flow::Reply::Kind::kError);
  EXPECT_EQ(reply.error.code, ErrorCode::kGatewayTimeout);
  EXPECT_TRUE(h_.store.Identities().empty());
  EXPECT_TRUE(h_.store.HookMessages().empty());
}

TEST_F(ConfiguredHookTest, ChangedTraitsAreValidatedAgainAndIdentifiersFollow) {
  Use({{"web_hook", {{"pre", true}}}});
  hook_.pre = [](identity::Identity& id) {
    id.traits["email"] = "bob@example.com";
    return std::vector<flow::FieldMessage>();
  };
  ASSERT_EQ(SubmitPassword(h_.Api(), h_.NewFlow(h_.Api())).status, 200);
  ASSERT_EQ(h_.store.Identities().size(), 1U);
  const auto stored = h_.store.Identities()[0];
  EXPECT_EQ(stored.traits["email"], "bob@example.com");
  EXPECT_EQ(stored.credentials.at("password").identifiers,
            std::vector<std::string>{"bob@example.com"});
  ASSERT_EQ(stored.verifiable_addresses.size(), 1U);
  EXPECT_EQ(stored.verifiable_addresses[0].value, "bob@example.com");

  hook_.pre = [](identity::Identity& id) {
    id.traits["email"] = "not an address";
    return std::vector<flow::FieldMessage>();
  };
  const flow::Reply refused = SubmitPassword(h_.Api(), h_.NewFlow(h_.Api()));
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(h_.store.Identities().size(), 1U);
}

TEST_F(ConfiguredHookTest, NotificationsAreStoredWithTheIdentityAndTheSenderIsRung) {
  Use({{"web_hook", {{"pre", false}}}, {"web_hook", {{"pre", false}}}});
  const flow::Reply reply = SubmitPassword(h_.Api(), h_.NewFlow(h_.Api()));
  ASSERT_EQ(reply.status, 200);
  const auto messages = h_.store.HookMessages();
  ASSERT_EQ(messages.size(), 2U);
  EXPECT_EQ(messages[0].body, h_.store.Identities().at(0).id) << "rendered for the new identity";
  EXPECT_FALSE(messages[0].id.empty());
  EXPECT_NE(messages[0].id, messages[1].id);
  EXPECT_EQ(h_.doorbell.rings, 1);
}

TEST_F(ConfiguredHookTest, ANotificationThatCannotBeRenderedCreatesNothing) {
  Use({{"web_hook", {{"pre", false}}}});
  hook_.notify = Error::Internal("the web hook's body template failed");
  const flow::Reply reply = SubmitPassword(h_.Api(), h_.NewFlow(h_.Api()));
  EXPECT_EQ(reply.error.code, ErrorCode::kInternal);
  EXPECT_TRUE(h_.store.Identities().empty());
  EXPECT_EQ(h_.doorbell.rings, 0);
}

TEST_F(ConfiguredHookTest, BeforeHooksRunAtFlowCreationAndTheirFailureAbortsIt) {
  h_.config.selfservice.registration.before_hooks = {{"web_hook", Json::object()}};
  Use({});
  h_.NewFlow(h_.Api());
  EXPECT_EQ(hook_.befores, 1);
  hook_.before = Error::BadGateway("A third-party upstream service responded improperly.");
  const size_t flows = h_.store.FlowCount();
  const flow::Reply init = h_.service().InitApi(h_.Api(), InitParams{});
  EXPECT_EQ(init.error.code, ErrorCode::kBadGateway);
  EXPECT_EQ(h_.store.FlowCount(), flows);
}

}  // namespace
}  // namespace atrium::registration

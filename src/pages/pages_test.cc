#include "pages/pages.h"

#include <string>

#include <gtest/gtest.h>

#include "base/json.h"
#include "config/config.h"
#include "http/http.h"
#include "pages/i18n.h"
#include "pages/render.h"

namespace atrium::pages {
namespace {

Json Parse(std::string_view text) {
  auto parsed = ParseJson(text);
  EXPECT_TRUE(parsed.ok()) << text;
  return parsed.ok() ? std::move(parsed).value() : Json();
}

constexpr char kCsrf[] =
    R"({"type":"input","group":"default","attributes":{"name":"csrf_token","type":"hidden",)"
    R"("value":"tok&en","required":true,"disabled":false,"node_type":"input"},"messages":[],"meta":{}})";
constexpr char kPassword[] =
    R"({"type":"input","group":"password","attributes":{"name":"password","type":"password",)"
    R"("value":"l3f9toh1uaf81n21","required":true,"autocomplete":"current-password",)"
    R"("disabled":false,"node_type":"input"},"messages":[],)"
    R"("meta":{"label":{"id":1070001,"text":"Password","type":"info"}}})";
constexpr char kSubmit[] =
    R"({"type":"input","group":"password","attributes":{"name":"method","type":"submit",)"
    R"("value":"password","disabled":false,"node_type":"input"},"messages":[],)"
    R"("meta":{"label":{"id":1010022,"text":"Sign in with password","type":"info"}}})";

// A browser login flow (docs/wire/login.md §5.1) with the given identifier node and extras.
Json LoginFlow(const std::string& identifier_node, const std::string& extra = "") {
  return Parse(R"({"id":"3f1d2c7a-64b9-4e4f-9b61-2f0e8a1c5d10","type":"browser",)"
               R"("ui":{"action":"http://127.0.0.1:4433/self-service/login?flow=3f1d",)"
               R"("method":"POST","nodes":[)" +
               std::string(kCsrf) + "," + identifier_node + "," + kPassword + "," + kSubmit + "]" +
               extra + R"(},"refresh":false,"requested_aal":"aal1"})");
}

constexpr char kVisibleIdentifier[] =
    R"({"type":"input","group":"default","attributes":{"name":"identifier","type":"text",)"
    R"("value":"","required":true,"disabled":false,"node_type":"input"},"messages":[],)"
    R"("meta":{"label":{"id":1070002,"text":"E-Mail","type":"info"}}})";

std::string HiddenIdentifier(const std::string& value) {
  return R"({"type":"input","group":"identifier_first","attributes":{"name":"identifier",)"
         R"("type":"hidden","value":")" +
         value +
         R"(","required":true,"disabled":false,"node_type":"input"},"messages":[],)"
         R"("meta":{}})";
}

const FlowLinks kLinks{"http://127.0.0.1:4433/self-service/registration/browser",
                       "http://127.0.0.1:4433/self-service/login/browser"};

bool Has(const std::string& html, std::string_view part) {
  return html.find(part) != std::string::npos;
}

TEST(RenderLogin, PostsTheFormToTheApiWithTheCsrfTokenAndLinksToSignUp) {
  const std::string html =
      RenderLogin(LoginFlow(kVisibleIdentifier), Language::kEnglish, kLinks).html;
  EXPECT_TRUE(Has(html, "<title>Sign in · Atrium</title>"));
  EXPECT_TRUE(Has(
      html, R"(<form action="http://127.0.0.1:4433/self-service/login?flow=3f1d" method="POST">)"));
  EXPECT_TRUE(Has(html, R"(<input type="hidden" name="csrf_token" value="tok&amp;en">)"));
  EXPECT_TRUE(Has(html, R"(type="text" name="identifier")"));
  EXPECT_TRUE(Has(
      html,
      R"(<button type="submit" name="method" value="password">Sign in with password</button>)"));
  EXPECT_TRUE(Has(
      html,
      R"(No account yet? <a href="http://127.0.0.1:4433/self-service/registration/browser">Sign up</a>)"));
  EXPECT_FALSE(Has(html, "signing-in-as"));
}

TEST(RenderLogin, NeverPutsAPasswordBackIntoThePage) {
  const std::string html =
      RenderLogin(LoginFlow(kVisibleIdentifier), Language::kEnglish, kLinks).html;
  EXPECT_FALSE(Has(html, "l3f9toh1uaf81n21"));
  EXPECT_TRUE(
      Has(html, R"(type="password" name="password" required autocomplete="current-password")"));
}

TEST(RenderLogin, ShowsFlowAndNodeMessages) {
  std::string identifier = kVisibleIdentifier;
  identifier.replace(identifier.find(R"("messages":[])"), 13,
                     R"("messages":[{"id":4000002,"text":"Property identifier is missing.",)"
                     R"("type":"error","context":{"property":"identifier"}}])");
  const Json flow = LoginFlow(
      identifier,
      R"(,"messages":[{"id":4000006,"text":"The provided credentials are invalid.","type":"error"}])");
  const std::string html = RenderLogin(flow, Language::kEnglish, kLinks).html;
  EXPECT_TRUE(Has(
      html,
      R"(<p class="error" data-message-id="4000006">The provided credentials are invalid.</p>)"));
  EXPECT_TRUE(Has(html, R"(data-message-id="4000002">Property identifier is missing.</p>)"));
  EXPECT_TRUE(Has(html, R"(aria-invalid="true" aria-describedby="field-identifier-messages")"));
}

TEST(RenderLogin, IdentifierFirstSecondScreenNamesTheAccountEscaped) {
  const std::string html =
      RenderLogin(LoginFlow(HiddenIdentifier("<b>a@example.com</b>")), Language::kEnglish, kLinks)
          .html;
  EXPECT_TRUE(Has(
      html, R"(<input type="hidden" name="identifier" value="&lt;b&gt;a@example.com&lt;/b&gt;">)"));
  EXPECT_TRUE(Has(html, "Signing in as <strong>&lt;b&gt;a@example.com&lt;/b&gt;</strong>"));
  EXPECT_TRUE(Has(
      html,
      R"(<a id="switch-account" href="http://127.0.0.1:4433/self-service/login/browser">Use another account</a>)"));
  EXPECT_FALSE(Has(html, "<b>"));
}

TEST(RenderLogin, RefreshFlowConfirmsTheSignedInAccount) {
  Json flow = LoginFlow(
      HiddenIdentifier("a@example.com"),
      R"(,"messages":[{"id":1010003,"text":"Please confirm this action by verifying that it is you.","type":"info"}])");
  flow["refresh"] = true;
  const std::string html = RenderLogin(flow, Language::kEnglish, kLinks).html;
  EXPECT_TRUE(Has(html, "<h1>Confirm it&apos;s you</h1>")) << html;
  EXPECT_TRUE(Has(html, R"(data-message-id="1010003">Please confirm)"));
  EXPECT_TRUE(Has(html, "Signing in as <strong>a@example.com</strong>"));
  EXPECT_FALSE(Has(html, "switch-account"));
  EXPECT_FALSE(Has(html, "switch-flow"));
}

TEST(RenderLogin, SpeaksGerman) {
  const Json flow = LoginFlow(
      kVisibleIdentifier,
      R"(,"messages":[{"id":4000006,"text":"The provided credentials are invalid.","type":"error"}])");
  const std::string html = RenderLogin(flow, Language::kGerman, kLinks).html;
  EXPECT_TRUE(Has(html, "<h1>Anmelden</h1>"));
  EXPECT_TRUE(Has(html, ">Mit Passwort anmelden</button>"));
  EXPECT_TRUE(Has(html, "Die Anmeldedaten sind ungültig."));
  EXPECT_TRUE(Has(html, "Noch kein Konto?"));
}

TEST(RenderRegistration, LinksToSignIn) {
  const Json flow =
      Parse(R"({"ui":{"action":"/a","method":"POST","nodes":[)" + std::string(kCsrf) + "]}}");
  const std::string html = RenderRegistration(flow, Language::kEnglish,
                                              FlowLinks{"http://x/self-service/login/browser", ""})
                               .html;
  EXPECT_TRUE(
      Has(html,
          R"(Already have an account? <a href="http://x/self-service/login/browser">Sign in</a>)"));
}

TEST(RenderRegistration, TheCodeFormLetsResendAndBackPassTheEmptyCodeField) {
  const auto button = [](const char* name, const char* value, const char* group, int id,
                         const char* text) {
    return R"({"type":"input","group":")" + std::string(group) + R"(","attributes":{"name":")" +
           name + R"(","type":"submit","value":")" + value +
           R"(","disabled":false,"node_type":"input"},"messages":[],"meta":{"label":{"id":)" +
           std::to_string(id) + R"(,"text":")" + text + R"(","type":"info"}}})";
  };
  const std::string code =
      R"({"type":"input","group":"code","attributes":{"name":"code","type":"text","required":true,)"
      R"("autocomplete":"one-time-code","disabled":false,"node_type":"input"},"messages":[],)"
      R"("meta":{"label":{"id":1070012,"text":"Registration code","type":"info"}}})";
  const Json flow =
      Parse(R"({"ui":{"action":"/a","method":"POST","nodes":[)" + std::string(kCsrf) + "," + code +
            "," + button("method", "code", "code", 1070009, "Continue") + "," +
            button("resend", "code", "code", 1070008, "Resend code") + "," +
            button("screen", "credential-selection", "profile", 1040008, "Back") +
            R"(],"messages":[{"id":1040005,"text":"A code has been sent.","type":"info"}]}})");
  const std::string html = RenderRegistration(flow, Language::kEnglish, {}).html;
  EXPECT_TRUE(Has(html, R"(autocomplete="one-time-code")"));
  EXPECT_TRUE(Has(html, R"(<button type="submit" name="method" value="code">Continue</button>)"));
  EXPECT_TRUE(Has(
      html,
      R"(<button type="submit" name="resend" value="code" class="secondary" formnovalidate>Resend code</button>)"));
  EXPECT_TRUE(Has(
      html,
      R"(<button type="submit" name="screen" value="credential-selection" class="secondary" formnovalidate>Back</button>)"));
  const std::string german = RenderRegistration(flow, Language::kGerman, {}).html;
  EXPECT_TRUE(Has(german, "Code erneut senden"));
  EXPECT_TRUE(Has(german, "Registrierungscode"));
}

TEST(RenderRegistration, AMethodsButtonDoesNotWaitForAnotherMethodsRequiredField) {
  const std::string password =
      R"({"type":"input","group":"password","attributes":{"name":"password","type":"password",)"
      R"("required":true,"disabled":false,"node_type":"input"},"messages":[],"meta":{}})";
  const std::string send_code =
      R"({"type":"input","group":"code","attributes":{"name":"method","type":"submit",)"
      R"("value":"code","disabled":false,"node_type":"input"},"messages":[],)"
      R"("meta":{"label":{"id":1040006,"text":"Send sign up code","type":"info"}}})";
  const std::string sign_up =
      R"({"type":"input","group":"password","attributes":{"name":"method","type":"submit",)"
      R"("value":"password","disabled":false,"node_type":"input"},"messages":[],)"
      R"("meta":{"label":{"id":1040001,"text":"Sign up","type":"info"}}})";
  const Json flow = Parse(R"({"ui":{"action":"/a","method":"POST","nodes":[)" + std::string(kCsrf) +
                          "," + password + "," + send_code + "," + sign_up + "]}}");
  const std::string html = RenderRegistration(flow, Language::kEnglish, {}).html;
  EXPECT_TRUE(Has(
      html,
      R"(<button type="submit" name="method" value="code" formnovalidate>Send sign up code</button>)"));
  EXPECT_TRUE(Has(html, R"(<button type="submit" name="method" value="password">Sign up</button>)"))
      << "the password button still checks the password field";
}

TEST(RenderRegistration, PasskeyTriggerRunsTheScriptAllowedByThePageNonce) {
  const Json flow = Parse(
      R"({"ui":{"action":"/a","method":"POST","nodes":[)"
      R"({"type":"input","group":"passkey","attributes":{"name":"passkey_register_trigger",)"
      R"x("type":"button","value":"","disabled":false,"onclick":"window.oryPasskeyRegistration()",)x"
      R"("onclickTrigger":"oryPasskeyRegistration","node_type":"input"},"messages":[],)"
      R"("meta":{"label":{"id":1040007,"text":"Sign up with passkey","type":"info"}}},)"
      R"({"type":"script","group":"webauthn","attributes":{"src":"http://x/.well-known/ory/webauthn.js",)"
      R"("async":true,"integrity":"sha512-abc","id":"webauthn_script","nonce":"n","node_type":"script"},)"
      R"("messages":[],"meta":{}}]}})");
  const Page page = RenderRegistration(flow, Language::kEnglish, {});
  EXPECT_NE(page.html.find(R"(<button type="button" name="passkey_register_trigger" value="" )"
                           R"x(data-trigger="oryPasskeyRegistration")x"),
            std::string::npos)
      << page.html;
  EXPECT_NE(
      page.html.find(R"(<script src="http://x/.well-known/ory/webauthn.js" nonce=")" + page.nonce +
                     R"(" async integrity="sha512-abc" crossorigin="anonymous">)"),
      std::string::npos)
      << page.html;
  EXPECT_EQ(page.html.find("onclick"), std::string::npos) << "no inline handlers";
  EXPECT_NE(page.html.find(R"(id="webauthn-unsupported" hidden)"), std::string::npos);
}

TEST(RenderRegistration, WithoutNodesRendersNoForm) {
  const std::string html =
      RenderRegistration(Parse(R"({"ui":{"action":"/a","nodes":[]}})"), Language::kEnglish, {})
          .html;
  EXPECT_FALSE(Has(html, "<form"));
}

TEST(RenderWelcome, OffersSignOutOnlyWithALogoutUrl) {
  const Json session =
      Parse(R"({"id":"s","identity":{"id":"i","traits":{"email":"a@example.com"}}})");
  const std::string with =
      RenderWelcome(session, Language::kEnglish, "http://x/self-service/logout?token=ory_lo_a&b")
          .html;
  EXPECT_TRUE(Has(
      with,
      R"(<a id="sign-out" class="button" href="http://x/self-service/logout?token=ory_lo_a&amp;b">Sign out</a>)"));
  EXPECT_FALSE(Has(RenderWelcome(session, Language::kEnglish, "").html, "sign-out"));
  EXPECT_TRUE(Has(RenderWelcome(session, Language::kGerman, "/l").html, ">Abmelden</a>"));
}

TEST(I18n, EveryNewPageStringHasBothLanguages) {
  for (const char* key : {"title.login", "title.refresh", "welcome.sign_out",
                          "registration.have_account", "registration.sign_in", "login.no_account",
                          "login.sign_up", "login.signing_in_as", "login.switch_account"}) {
    EXPECT_NE(UiText(key, Language::kEnglish), key);
    EXPECT_NE(UiText(key, Language::kGerman), key);
    EXPECT_NE(UiText(key, Language::kGerman), UiText(key, Language::kEnglish)) << key;
  }
}

// The pages against a stand-in for the public API's router.
class PagesTest : public ::testing::Test {
 protected:
  PagesTest() {
    config_.serve_public.base_url = "http://127.0.0.1:4433/";
    api_.Add("GET", "/self-service/login/flows", [this](const http::Request& r) {
      seen_ = r;
      return flow_answer_;
    });
    api_.Add("GET", "/sessions/whoami", [this](const http::Request&) { return whoami_answer_; });
    api_.Add("GET", "/self-service/logout/browser", [this](const http::Request& r) {
      seen_ = r;
      return logout_answer_;
    });
    pages_.Register(router_);
  }

  http::Response Get(std::string path, std::string raw_query = "") {
    http::Request r;
    r.method = "GET";
    r.path = std::move(path);
    r.raw_query = std::move(raw_query);
    r.target = r.path + (r.raw_query.empty() ? "" : "?" + r.raw_query);
    r.headers = {{"Accept", "text/html"}, {"Cookie", "ory_kratos_session=abc"}};
    const auto match = router_.Find("GET", r.path);
    EXPECT_NE(match.handler, nullptr);
    return (*match.handler)(r);
  }

  static http::Response Answer(int status, std::string body) {
    http::Response r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }

  config::Config config_;
  http::Router api_;
  http::Router router_;
  Pages pages_{config_, api_};
  http::Request seen_;
  http::Response flow_answer_;
  http::Response whoami_answer_;
  http::Response logout_answer_;
};

TEST_F(PagesTest, LoginWithoutAFlowStartsOnePassingTheQueryOn) {
  const http::Response r = Get("/ui/login", "refresh=true&return_to=http%3A%2F%2Fa");
  EXPECT_EQ(r.status, 303);
  EXPECT_EQ(
      r.Header("Location"),
      "http://127.0.0.1:4433/self-service/login/browser?refresh=true&return_to=http%3A%2F%2Fa");
}

TEST_F(PagesTest, LoginFetchesTheFlowAsJsonWithTheBrowsersCookies) {
  flow_answer_ = Answer(200, DumpJson(LoginFlow(kVisibleIdentifier, "")));
  const http::Response r = Get("/ui/login", "flow=3f1d");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(seen_.raw_query, "id=3f1d");
  EXPECT_EQ(seen_.Header("Accept"), "application/json");
  EXPECT_EQ(seen_.Header("Cookie"), "ory_kratos_session=abc");
  EXPECT_EQ(r.Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_TRUE(Has(r.body, "Sign in with password"));
}

TEST_F(PagesTest, LoginLinksKeepTheFlowsReturnTo) {
  Json flow = LoginFlow(kVisibleIdentifier, "");
  flow["return_to"] = "http://127.0.0.1:4433/ui/welcome?x=1";
  flow_answer_ = Answer(200, DumpJson(flow));
  const http::Response r = Get("/ui/login", "flow=3f1d");
  EXPECT_TRUE(Has(r.body,
                  "self-service/registration/"
                  "browser?return_to=http%3A%2F%2F127.0.0.1%3A4433%2Fui%2Fwelcome%3Fx%3D1"))
      << r.body;
}

TEST_F(PagesTest, ExpiredLoginFlowStartsOver) {
  flow_answer_ = Answer(
      410,
      R"({"error":{"id":"self_service_flow_expired","code":410,)"
      R"("details":{"redirect_to":"http://127.0.0.1:4433/self-service/login/browser?return_to=x"}}})");
  const http::Response r = Get("/ui/login", "flow=3f1d");
  EXPECT_EQ(r.status, 303);
  EXPECT_EQ(r.Header("Location"), "http://127.0.0.1:4433/self-service/login/browser?return_to=x");
}

TEST_F(PagesTest, CsrfViolationShowsTheErrorPage) {
  flow_answer_ =
      Answer(403, R"({"error":{"id":"security_csrf_violation","code":403,"status":"Forbidden"}})");
  const http::Response r = Get("/ui/login", "flow=3f1d");
  EXPECT_EQ(r.status, 403);
  EXPECT_TRUE(Has(r.body, "security_csrf_violation"));
}

TEST_F(PagesTest, WelcomeSignsOutThroughTheLogoutUrl) {
  whoami_answer_ = Answer(200, R"({"id":"s","identity":{"id":"i","traits":{}}})");
  logout_answer_ = Answer(
      200,
      R"({"logout_url":"http://127.0.0.1:4433/self-service/logout?token=ory_lo_x","logout_token":"ory_lo_x"})");
  logout_answer_.AddHeader("Set-Cookie", "csrf_token_1=v; Path=/");
  const http::Response r = Get("/ui/welcome");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(seen_.path, "/self-service/logout/browser");
  EXPECT_EQ(seen_.Header("Cookie"), "ory_kratos_session=abc");
  EXPECT_TRUE(Has(
      r.body, R"(href="http://127.0.0.1:4433/self-service/logout?token=ory_lo_x">Sign out</a>)"));
  EXPECT_EQ(r.Header("Set-Cookie"), "csrf_token_1=v; Path=/");
}

TEST_F(PagesTest, WelcomeWithoutASessionGoesToSignIn) {
  whoami_answer_ = Answer(401, R"({"error":{"code":401}})");
  const http::Response r = Get("/ui/welcome");
  EXPECT_EQ(r.status, 303);
  EXPECT_EQ(r.Header("Location"), "http://127.0.0.1:4433/ui/login");
}

}  // namespace
}  // namespace atrium::pages

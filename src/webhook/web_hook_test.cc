#include "webhook/web_hook.h"

#include <mutex>

#include <gtest/gtest.h>

#include "base/strings.h"
#include "httpclient/test_server.h"

namespace atrium::webhook {
namespace {

using httpclient::testing::Behaviour;
using httpclient::testing::TestRequest;
using httpclient::testing::TestResponse;
using httpclient::testing::TestServer;

const char kBody[] = R"(function(ctx) {
  email: ctx.identity.traits.email, flow: ctx.flow.id, ua: ctx.request_headers['User-Agent'],
  cookie: ctx.request_cookies.c, method: ctx.request_method
})";

std::string B64(std::string_view s) { return "base64://" + Base64Encode(s); }

class WebHookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(httpclient::GlobalInit().ok());
    http_ = httpclient::NewClient();
    config_.web_hooks.timeout = std::chrono::milliseconds(500);
    flow_.id = "f1";
    request_.method = "POST";
    request_.url = "http://127.0.0.1/self-service/registration?flow=f1";
    request_.headers = {{"user-agent", "ua/1"}, {"X-Secret", "no"}};
    request_.cookies = {{"c", "v"}};
    identity_.traits = {{"email", "ann@example.com"}};
  }
  // One after-password entry with `hook_config`; the WebHooks built from it.
  std::unique_ptr<WebHooks> Make(const Json& hook_config) {
    config_.selfservice.registration.after_methods["password"].hooks = {
        config::Hook{"web_hook", hook_config}};
    auto made = WebHooks::Create(config_, *http_, nullptr, nullptr, clock_);
    EXPECT_TRUE(made.ok()) << made.error().reason;
    return made.ok() ? std::move(made).value() : nullptr;
  }

  config::Config config_;
  SystemClock clock_;
  std::unique_ptr<httpclient::Client> http_;
  registration::Flow flow_;
  flow::Request request_;
  identity::Identity identity_;
};

TEST_F(WebHookTest, RefusesConfigurationsThatCannotWork) {
  for (const Json& bad :
       {Json{{"url", "ftp://x"}}, Json{{"url", "http://x"}, {"auth", {{"type", "magic"}}}},
        Json{{"url", "http://x"}, {"body", "base64://%%%"}},
        Json{{"url", "http://x"}, {"response", {{"ignore", true}, {"parse", true}}}},
        Json{{"url", "http://x"}, {"can_interrupt", true}, {"response", {{"ignore", true}}}},
        Json{{"url", "http://x"},
             {"auth", {{"type", "api_key"}, {"config", {{"in", "query"}, {"name", "k"}}}}}}}) {
    EXPECT_FALSE(ParseHookConfig(bad, *http_).ok()) << bad.dump();
  }
}

TEST_F(WebHookTest, ParsingHookSendsTheContextWithAuthAndAppliesTheAnswer) {
  std::mutex mu;
  TestRequest seen;
  TestServer server(Behaviour::kAnswer, 0, [&](const TestRequest& r) {
    const std::lock_guard lock(mu);
    seen = r;
    return TestResponse{200, "", R"({"identity":{"metadata_public":{"plan":"pro"}}})", false};
  });
  auto hooks = Make(
      {{"url", server.Url("/hook")},
       {"body", B64(kBody)},
       {"auth",
        {{"type", "api_key"}, {"config", {{"name", "X-Key"}, {"value", "k1"}, {"in", "header"}}}}},
       {"response", {{"parse", true}}}});
  ASSERT_NE(hooks, nullptr);
  const Json& entry = config_.selfservice.registration.after_methods["password"].hooks[0].config;
  ASSERT_TRUE(*hooks->IsPrePersist(entry));
  auto veto = hooks->RunPrePersist(entry, request_, flow_, identity_);
  ASSERT_TRUE(veto.ok()) << veto.error().reason;
  EXPECT_TRUE(veto->empty());
  EXPECT_EQ(identity_.metadata_public, Json({{"plan", "pro"}}));
  const std::lock_guard lock(mu);
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.target, "/hook");
  EXPECT_NE(seen.headers.find("X-Key: k1"), std::string::npos) << seen.headers;
  EXPECT_NE(seen.headers.find("Ory-Webhook-Trigger-ID: f1"), std::string::npos);
  EXPECT_NE(seen.headers.find("Content-Type: application/json"), std::string::npos);
  auto body = ParseJson(seen.body);
  ASSERT_TRUE(body.ok()) << seen.body;
  // Jsonnet writes the keys sorted.
  EXPECT_EQ(*body, Json({{"cookie", "v"},
                         {"email", "ann@example.com"},
                         {"flow", "f1"},
                         {"method", "POST"},
                         {"ua", Json::array({"ua/1"})}}));
}

TEST_F(WebHookTest, VetoBecomesMessages) {
  TestServer server(Behaviour::kAnswer, 0, [](const TestRequest&) {
    return TestResponse{
        409, "",
        R"({"messages":[{"instance_ptr":"#/traits/email","messages":[{"id":1,"text":"no","type":"error"}]}]})",
        false};
  });
  auto hooks = Make({{"url", server.Url("/")}, {"response", {{"parse", true}}}});
  ASSERT_NE(hooks, nullptr);
  const Json& entry = config_.selfservice.registration.after_methods["password"].hooks[0].config;
  auto veto = hooks->RunPrePersist(entry, request_, flow_, identity_);
  ASSERT_TRUE(veto.ok());
  ASSERT_EQ(veto->size(), 1U);
  EXPECT_EQ((*veto)[0].node, "traits.email");
}

TEST_F(WebHookTest, FailuresAreClearErrors) {
  struct Case {
    Behaviour behaviour;
    int status;
    std::string body;
    ErrorCode want;
  };
  for (const Case& c :
       {Case{Behaviour::kAnswer, 500, "oops", ErrorCode::kBadGateway},
        Case{Behaviour::kAnswer, 200, "not json", ErrorCode::kBadGateway},
        Case{Behaviour::kAnswer, 200, std::string(6 << 20, ' '), ErrorCode::kBadGateway},
        Case{Behaviour::kGarbage, 0, "", ErrorCode::kBadGateway},
        Case{Behaviour::kHang, 0, "", ErrorCode::kGatewayTimeout}}) {
    TestServer server(c.behaviour, 0, [&](const TestRequest&) {
      return TestResponse{c.status, "", c.body, false};
    });
    auto hooks = Make({{"url", server.Url("/")}, {"response", {{"parse", true}}}});
    ASSERT_NE(hooks, nullptr);
    const Json& entry = config_.selfservice.registration.after_methods["password"].hooks[0].config;
    auto veto = hooks->RunPrePersist(entry, request_, flow_, identity_);
    ASSERT_FALSE(veto.ok()) << c.status;
    EXPECT_EQ(veto.error().code, c.want) << c.status << " " << veto.error().reason;
  }
}

TEST_F(WebHookTest, ADeadReceiverCostsOneBudgetPerCoolDown) {
  TestServer server(Behaviour::kHang);
  auto hooks = Make({{"url", server.Url("/")}, {"response", {{"parse", true}}}});
  ASSERT_NE(hooks, nullptr);
  const Json& entry = config_.selfservice.registration.after_methods["password"].hooks[0].config;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(hooks->RunPrePersist(entry, request_, flow_, identity_).error().code,
              ErrorCode::kGatewayTimeout);
  }
  const auto started = std::chrono::steady_clock::now();
  auto refused = hooks->RunPrePersist(entry, request_, flow_, identity_);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kBadGateway);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(250));
  EXPECT_EQ(server.Requests(), 3) << "the open breaker does not call";
}

TEST_F(WebHookTest, FailingTemplateIsAnErrorAndCancelSendsNothing) {
  TestServer server(Behaviour::kAnswer);
  auto hooks = Make({{"url", server.Url("/")},
                     {"body", B64("function(ctx) error 'boom ' + ctx.identity.traits.email")},
                     {"response", {{"parse", true}}}});
  ASSERT_NE(hooks, nullptr);
  const Json& entry = config_.selfservice.registration.after_methods["password"].hooks[0].config;
  auto veto = hooks->RunPrePersist(entry, request_, flow_, identity_);
  ASSERT_FALSE(veto.ok());
  EXPECT_EQ(veto.error().reason.find("ann@example.com"), std::string::npos);  // never answered

  auto cancelling = Make({{"url", server.Url("/")}, {"body", B64("function(ctx) error 'cancel'")}});
  const Json& entry2 = config_.selfservice.registration.after_methods["password"].hooks[0].config;
  auto message = cancelling->Notification(entry2, request_, flow_, identity_);
  ASSERT_TRUE(message.ok());
  EXPECT_FALSE(message->has_value());
  EXPECT_EQ(server.Requests(), 0);
}

TEST_F(WebHookTest, NotificationIsRenderedNowAndDeliveredWithCurrentAuth) {
  std::mutex mu;
  TestRequest seen;
  int status = 503;
  TestServer server(Behaviour::kAnswer, 0, [&](const TestRequest& r) {
    const std::lock_guard lock(mu);
    seen = r;
    return TestResponse{status, "", "", false};
  });
  auto hooks =
      Make({{"url", server.Url("/n")},
            {"body", B64(kBody)},
            {"auth", {{"type", "basic_auth"}, {"config", {{"user", "u"}, {"password", "p"}}}}}});
  const Json& entry = config_.selfservice.registration.after_methods["password"].hooks[0].config;
  ASSERT_FALSE(*hooks->IsPrePersist(entry));
  auto message = hooks->Notification(entry, request_, flow_, identity_);
  ASSERT_TRUE(message.ok() && message->has_value());
  courier::Message m = **message;
  EXPECT_EQ(m.type, courier::MessageType::kWebhook);
  EXPECT_EQ(m.body.find("Basic"), std::string::npos);  // no credential in the outbox
  EXPECT_EQ(DumpJson(m.template_data).find("dTpw"), std::string::npos);
  m.id = "m1";
  Channel channel(*hooks, *http_, std::chrono::seconds(2));
  auto first = channel.Deliver(m);
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().code, ErrorCode::kUnavailable);  // 503: temporary
  {
    const std::lock_guard lock(mu);
    status = 204;
  }
  ASSERT_TRUE(channel.Deliver(m).ok());
  {
    const std::lock_guard lock(mu);
    status = 400;
  }
  EXPECT_EQ(channel.Deliver(m).error().code, ErrorCode::kUnprocessable);  // permanent
  const std::lock_guard lock(mu);
  EXPECT_NE(seen.headers.find("Authorization: Basic dTpw"), std::string::npos) << seen.headers;
  EXPECT_NE(seen.headers.find("Ory-Webhook-Request-ID: m1"), std::string::npos);
  EXPECT_NE(seen.body.find("ann@example.com"), std::string::npos);
}

TEST_F(WebHookTest, ContextCarriesOnlyAllowedHeaders) {
  const Json ctx = Context(flow_, request_, config_.web_hooks.header_allowlist, nullptr);
  EXPECT_EQ(ctx["request_headers"], Json({{"User-Agent", Json::array({"ua/1"})}}));
  EXPECT_EQ(ctx["request_cookies"], Json({{"c", "v"}}));
  EXPECT_FALSE(ctx.contains("identity"));
  EXPECT_EQ(ctx["flow"]["id"], "f1");
}

}  // namespace
}  // namespace atrium::webhook

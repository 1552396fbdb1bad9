#include "courier/http_channel.h"

#include <mutex>

#include <gtest/gtest.h>

#include "base/strings.h"
#include "httpclient/test_server.h"

namespace atrium::courier {
namespace {

using httpclient::testing::Behaviour;
using httpclient::testing::TestRequest;
using httpclient::testing::TestResponse;
using httpclient::testing::TestServer;

Message Sample() {
  Message m;
  m.id = "m1";
  m.recipient = "ann@example.com";
  m.subject = "Use code 123456 to log in";
  m.body = "Login to your account with the following code:\n\n123456\n";
  m.html_body = "<p>123456</p>";
  m.template_type = "login_code_valid";
  m.template_data = {{"LoginCode", "123456"}, {"To", "ann@example.com"}, {"RequestURLDomain", "x"}};
  return m;
}

const char kBody[] = R"(function(ctx) {
  to: ctx.recipient, code: ctx.template_data.login_code, subject: ctx.subject,
  type: ctx.template_type, html: ctx.html_body, kind: ctx.message_type
})";

class HttpChannelTest : public ::testing::Test {
 protected:
  void SetUp() override { http_ = httpclient::NewClient(); }
  config::Courier Config(const std::string& url, Json extra = Json::object()) {
    config::Courier c;
    c.delivery_strategy = "http";
    c.send_timeout = std::chrono::seconds(2);
    c.http_request_config = {{"url", url}, {"body", "base64://" + Base64Encode(kBody)}};
    c.http_request_config.update(extra);
    return c;
  }
  std::unique_ptr<httpclient::Client> http_;
};

TEST_F(HttpChannelTest, PostsTheRenderedBodyWithHeadersAndBasicAuth) {
  ASSERT_TRUE(httpclient::GlobalInit().ok());
  std::mutex mu;
  TestRequest seen;
  TestServer server(Behaviour::kAnswer, 0, [&](const TestRequest& r) {
    const std::lock_guard lock(mu);
    seen = r;
    return TestResponse{202, "", "ok", false};
  });
  auto channel = HttpChannel::Create(
      Config(server.Url("/mail"),
             {{"headers", {{"X-Tenant", "t1"}}},
              {"auth", {{"type", "basic_auth"}, {"config", {{"user", "u"}, {"password", "p"}}}}}}),
      *http_);
  ASSERT_TRUE(channel.ok()) << channel.error().reason;
  const Status st = (*channel)->Deliver(Sample());
  ASSERT_TRUE(st.ok()) << st.error().reason;
  const std::lock_guard lock(mu);
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.target, "/mail");
  EXPECT_NE(seen.headers.find("X-Tenant: t1"), std::string::npos) << seen.headers;
  EXPECT_NE(seen.headers.find("Content-Type: application/json"), std::string::npos);
  EXPECT_NE(seen.headers.find("Authorization: Basic " + Base64Encode("u:p")), std::string::npos);
  auto body = Json::parse(seen.body);
  EXPECT_EQ(body, (Json{{"code", "123456"},  // Jsonnet sorts fields by name
                        {"html", "<p>123456</p>"},
                        {"kind", "email"},
                        {"subject", "Use code 123456 to log in"},
                        {"to", "ann@example.com"},
                        {"type", "login_code_valid"}}));
}

TEST_F(HttpChannelTest, StatusesAreTemporaryOrPermanentAndApiKeysGoWhereAsked) {
  ASSERT_TRUE(httpclient::GlobalInit().ok());
  std::atomic<int> status{503};
  std::mutex mu;
  std::string headers;
  TestServer server(Behaviour::kAnswer, 0, [&](const TestRequest& r) {
    const std::lock_guard lock(mu);
    headers = r.headers;
    return TestResponse{status.load(), "", "", false};
  });
  auto channel = HttpChannel::Create(
      Config(server.Url(), {{"auth",
                             {{"type", "api_key"},
                              {"config", {{"name", "k"}, {"value", "v"}, {"in", "cookie"}}}}}}),
      *http_);
  ASSERT_TRUE(channel.ok()) << channel.error().reason;
  EXPECT_EQ((*channel)->Deliver(Sample()).error().code, ErrorCode::kUnavailable);
  status = 429;
  EXPECT_EQ((*channel)->Deliver(Sample()).error().code, ErrorCode::kUnavailable);
  status = 400;
  EXPECT_EQ((*channel)->Deliver(Sample()).error().code, ErrorCode::kUnprocessable);
  const std::lock_guard lock(mu);
  EXPECT_NE(headers.find("Cookie: k=v"), std::string::npos) << headers;
}

TEST_F(HttpChannelTest, ARequestConfigThatCannotWorkStopsTheStart) {
  EXPECT_FALSE(HttpChannel::Create(Config("ftp://x/"), *http_).ok());
  EXPECT_FALSE(
      HttpChannel::Create(Config("http://x/", {{"auth", {{"type", "oauth"}}}}), *http_).ok());
  EXPECT_FALSE(
      HttpChannel::Create(Config("http://x/", {{"body", "https://x/b.jsonnet"}}), *http_).ok());
  config::Courier none;
  none.delivery_strategy = "http";
  EXPECT_FALSE(HttpChannel::Create(none, *http_).ok());
}

TEST(HttpContext, CarriesKratosNamesForTheTemplateModel) {
  const Json ctx = HttpContext(Sample());
  EXPECT_EQ(ctx["template_data"], (Json{{"login_code", "123456"}, {"to", "ann@example.com"}}));
  EXPECT_EQ(ctx["message_type"], "email");
  EXPECT_EQ(ctx["recipient"], "ann@example.com");
}

}  // namespace
}  // namespace atrium::courier

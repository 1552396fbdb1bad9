#include "strategy/password/breach_checker.h"

#include <chrono>

#include <gtest/gtest.h>

#include "httpclient/test_server.h"
#include "strategy/password/policy.h"

namespace atrium::strategy::password {
namespace {

using httpclient::BreakerState;
using httpclient::testing::Behaviour;
using httpclient::testing::TestRequest;
using httpclient::testing::TestResponse;
using httpclient::testing::TestServer;
using std::chrono::milliseconds;
using std::chrono::seconds;

// The range API for "password" (SHA-1 5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8, 3,861,493 hits)
// and "l1ttle-known-3" (3 hits); every range also holds an unrelated entry and a padding entry.
TestResponse Ranges(const TestRequest& req) {
  std::string body =
      "0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n00D4F6E8FA6EECAD2A3AA415EEC418D38EC:0\r\n";
  if (req.target == "/range/5BAA6") {
    body += "1E4C9B93F3F0682250B6CF8331B7EE68FD8:3,861,493\r\n";
  }
  const std::string hash = Sha1HexUpper("l1ttle-known-3");
  if (req.target == "/range/" + hash.substr(0, 5)) {
    body += hash.substr(5) + ":3\r\n";
  }
  return TestResponse{200, "Content-Type: text/plain\r\n", body, false};
}

class HibpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_TRUE(httpclient::GlobalInit().ok()); }

  std::unique_ptr<HibpBreachChecker> Checker(const std::string& url, HibpOptions options = {}) {
    return std::make_unique<HibpBreachChecker>(url, *http_, clock_, options);
  }
  static HibpOptions Fast() {
    HibpOptions o;
    o.timeout = milliseconds(300);
    return o;
  }
  static Result<int64_t> Timed(HibpBreachChecker& checker, std::string_view pw,
                               milliseconds& took) {
    const auto start = std::chrono::steady_clock::now();
    auto r = checker.Count(pw);
    took = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start);
    return r;
  }

  ManualClock clock_{Timestamp(std::chrono::hours(500000))};
  std::unique_ptr<httpclient::Client> http_ = httpclient::NewClient();
};

TEST_F(HibpTest, QueriesTheRangeApiAndCachesForAnHour) {
  TestServer server(Behaviour::kAnswer, 0, &Ranges);
  auto checker = Checker(server.Url(""));
  const auto count = checker->Count("password");
  ASSERT_TRUE(count.ok()) << count.error().reason;
  EXPECT_EQ(*count, 3861493);
  EXPECT_EQ(*checker->Count("password"), 3861493);
  EXPECT_EQ(server.Requests(), 1);
  clock_.Advance(std::chrono::hours(1));
  EXPECT_EQ(*checker->Count("password"), 3861493);
  EXPECT_EQ(server.Requests(), 2) << "expired after an hour";
  EXPECT_EQ(*checker->Count("l1ttle-known-3"), 3);
  EXPECT_EQ(*checker->Count("l3f9toh1uaf81n21"), 0);
  EXPECT_EQ(server.Accepted(), 1) << "one keep-alive connection for every range";
}

TEST_F(HibpTest, TheCacheIsBounded) {
  TestServer server(Behaviour::kAnswer, 0, &Ranges);
  HibpOptions options;
  options.cache_capacity = 2;
  auto checker = Checker(server.Url("/"), options);
  for (const char* pw : {"password", "l1ttle-known-3", "l3f9toh1uaf81n21"}) {
    ASSERT_TRUE(checker->Count(pw).ok());
  }
  EXPECT_EQ(server.Requests(), 3);
  EXPECT_EQ(*checker->Count("l3f9toh1uaf81n21"), 0);
  EXPECT_EQ(server.Requests(), 3) << "recent ranges stay";
  EXPECT_EQ(*checker->Count("password"), 3861493);
  EXPECT_EQ(server.Requests(), 4) << "the oldest range was evicted";
}

TEST_F(HibpTest, AnswersThatAreNotRangesAreErrors) {
  TestServer server(Behaviour::kAnswer, 0, [](const TestRequest& req) {
    if (req.target.starts_with("/range/5BAA6")) {
      return TestResponse{200, "", "<html>Please sign in to the hotel Wi-Fi</html>", false};
    }
    return TestResponse{404, "", "", false};
  });
  auto checker = Checker(server.Url(""));
  const auto portal = checker->Count("password");
  ASSERT_FALSE(portal.ok());
  EXPECT_EQ(portal.error().code, ErrorCode::kBadGateway);
  EXPECT_FALSE(checker->Count("l3f9toh1uaf81n21").ok()) << "HTTP 404";
}

TEST_F(HibpTest, AHangingServiceOpensTheBreakerAndThenCostsNothing) {
  TestServer server(Behaviour::kHang);
  auto checker = Checker(server.Url(""), Fast());
  milliseconds took{};
  for (int i = 0; i < 3; ++i) {
    const auto r = Timed(*checker, "password" + std::to_string(i) + "x!", took);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kGatewayTimeout);
    EXPECT_GE(took, milliseconds(290));
    EXPECT_LT(took, milliseconds(1000));
  }
  EXPECT_EQ(checker->BreakerState(), BreakerState::kOpen);
  const int requests = server.Requests();
  for (int i = 0; i < 50; ++i) {
    const auto r = Timed(*checker, "another password " + std::to_string(i), took);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
    EXPECT_LT(took, milliseconds(20));
  }
  EXPECT_EQ(server.Requests(), requests);
}

TEST_F(HibpTest, BreachedPasswordsAreRefusedAgainWhenTheServiceComesBack) {
  const uint16_t port = httpclient::testing::UnusedPort();
  auto checker = Checker("http://127.0.0.1:" + std::to_string(port), Fast());
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(checker->Count("l1ttle-known-3").error().code, ErrorCode::kUnavailable);
  }
  ASSERT_EQ(checker->BreakerState(), BreakerState::kOpen);
  TestServer server(Behaviour::kAnswer, port, &Ranges);
  EXPECT_FALSE(checker->Count("l1ttle-known-3").ok()) << "cooling down";
  clock_.Advance(seconds(30));
  const auto probe = checker->Count("l1ttle-known-3");
  ASSERT_TRUE(probe.ok()) << probe.error().reason;
  EXPECT_EQ(*probe, 3);
  EXPECT_EQ(checker->BreakerState(), BreakerState::kClosed);
  EXPECT_EQ(*checker->Count("password"), 3861493);
}

TEST_F(HibpTest, ThePolicyPassesOrRefusesAtOnceWhileTheBreakerIsOpen) {
  TestServer server(Behaviour::kHang);
  auto checker = Checker(server.Url(""), Fast());
  config::PasswordMethod cfg;
  const PasswordPolicy policy(cfg, checker.get());
  for (int i = 0; i < 3; ++i) {
    const auto r = policy.Check("", "l3f9toh1uaf81n2" + std::to_string(i));
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->has_value()) << "ignore_network_errors: the password passes";
  }
  ASSERT_EQ(checker->BreakerState(), BreakerState::kOpen);
  const auto start = std::chrono::steady_clock::now();
  const auto open = policy.Check("", "l3f9toh1uaf81n2x");
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(20));
  ASSERT_TRUE(open.ok());
  EXPECT_FALSE(open->has_value());
  EXPECT_EQ(policy.Check("", "password123")->value().id, 4000034) << "the built-in list";
  cfg.ignore_network_errors = false;
  const auto strict = policy.Check("", "l3f9toh1uaf81n2x");
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.error().code, ErrorCode::kBadGateway);
}

}  // namespace
}  // namespace atrium::strategy::password

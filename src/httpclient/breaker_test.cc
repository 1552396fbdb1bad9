#include "httpclient/breaker.h"

#include <chrono>

#include <gtest/gtest.h>

#include "httpclient/test_server.h"

namespace atrium::httpclient {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::Behaviour;
using testing::TestRequest;
using testing::TestResponse;
using testing::TestServer;

Timestamp Start() { return Timestamp(std::chrono::hours(400000)); }

TEST(CircuitBreaker, OpensAfterConsecutiveFailuresOnly) {
  ManualClock clock(Start());
  CircuitBreaker breaker({"neighbour", 3, seconds(30)}, clock);
  EXPECT_TRUE(breaker.Allow());
  breaker.OnFailure("x");
  breaker.OnFailure("x");
  breaker.OnSuccess();  // resets the streak
  breaker.OnFailure("x");
  breaker.OnFailure("x");
  EXPECT_EQ(breaker.State(), BreakerState::kClosed);
  breaker.OnFailure("x");
  EXPECT_EQ(breaker.State(), BreakerState::kOpen);
  EXPECT_FALSE(breaker.Allow());
}

TEST(CircuitBreaker, AdmitsOneProbeAfterTheCooldown) {
  ManualClock clock(Start());
  CircuitBreaker breaker({"neighbour", 1, seconds(30)}, clock);
  breaker.OnFailure("down");
  clock.Advance(seconds(29));
  EXPECT_FALSE(breaker.Allow());
  clock.Advance(seconds(1));
  EXPECT_TRUE(breaker.Allow()) << "the probe";
  EXPECT_EQ(breaker.State(), BreakerState::kHalfOpen);
  EXPECT_FALSE(breaker.Allow()) << "only one probe at a time";
  breaker.OnFailure("still down");
  EXPECT_EQ(breaker.State(), BreakerState::kOpen);
  clock.Advance(seconds(29));
  EXPECT_FALSE(breaker.Allow()) << "a failed probe starts a new cool-down";
  clock.Advance(seconds(1));
  EXPECT_TRUE(breaker.Allow());
  breaker.OnSuccess();
  EXPECT_EQ(breaker.State(), BreakerState::kClosed);
  EXPECT_TRUE(breaker.Allow());
  EXPECT_TRUE(breaker.Allow());
}

class GuardedClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_TRUE(GlobalInit().ok()); }

  Result<Response> Call(const std::string& url, milliseconds& took) {
    Request req;
    req.url = url;
    req.timeout = milliseconds(300);
    const auto start = std::chrono::steady_clock::now();
    auto r = guarded_.Do(req);
    took = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start);
    return r;
  }

  ManualClock clock_{Start()};
  std::unique_ptr<Client> inner_ = NewClient();
  GuardedClient guarded_{*inner_, BreakerOptions{"test neighbour", 3, seconds(30)}, clock_};
};

TEST_F(GuardedClientTest, AHangingNeighbourIsCutOffAfterThreeBudgets) {
  TestServer server(Behaviour::kHang);
  milliseconds took{};
  for (int i = 0; i < 3; ++i) {
    const auto r = Call(server.Url("/"), took);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kGatewayTimeout);
    EXPECT_GE(took, milliseconds(290));
  }
  EXPECT_EQ(guarded_.Breaker().State(), BreakerState::kOpen);
  const int requests = server.Requests();
  for (int i = 0; i < 20; ++i) {
    const auto r = Call(server.Url("/"), took);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
    EXPECT_LT(took, milliseconds(20)) << "fails fast";
  }
  EXPECT_EQ(server.Requests(), requests) << "an open breaker does not touch the network";
}

TEST_F(GuardedClientTest, ServerErrorsCountAsFailuresButClientErrorsDoNot) {
  TestServer server(Behaviour::kAnswer, 0, [](const TestRequest& req) {
    return TestResponse{req.target == "/404" ? 404 : 503, "", "", false};
  });
  milliseconds took{};
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(Call(server.Url("/404"), took).ok());
  }
  EXPECT_EQ(guarded_.Breaker().State(), BreakerState::kClosed);
  for (int i = 0; i < 3; ++i) {
    const auto r = Call(server.Url("/503"), took);
    ASSERT_TRUE(r.ok()) << "the response still reaches the caller";
    EXPECT_EQ(r->status, 503);
  }
  EXPECT_EQ(guarded_.Breaker().State(), BreakerState::kOpen);
}

TEST_F(GuardedClientTest, RecoversWhenTheNeighbourComesBack) {
  const uint16_t port = testing::UnusedPort();
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  milliseconds took{};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Call(url, took).error().code, ErrorCode::kUnavailable);
  }
  ASSERT_EQ(guarded_.Breaker().State(), BreakerState::kOpen);

  TestServer server(Behaviour::kAnswer, port);
  EXPECT_FALSE(Call(url, took).ok()) << "still open during the cool-down";
  EXPECT_EQ(server.Requests(), 0);
  clock_.Advance(seconds(30));
  const auto probe = Call(url, took);
  ASSERT_TRUE(probe.ok()) << probe.error().reason;
  EXPECT_EQ(probe->body, "hello");
  EXPECT_EQ(guarded_.Breaker().State(), BreakerState::kClosed);
  EXPECT_TRUE(Call(url, took).ok());
  EXPECT_EQ(server.Requests(), 2);
}

}  // namespace
}  // namespace atrium::httpclient

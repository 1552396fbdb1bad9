#include "httpclient/client.h"

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "httpclient/test_server.h"

namespace atrium::httpclient {
namespace {

using std::chrono::milliseconds;
using testing::Behaviour;
using testing::TestRequest;
using testing::TestResponse;
using testing::TestServer;

// Sanitizer builds are slow; a budget is "kept" when the call returns within this much of it.
constexpr milliseconds kSlack(700);

class ClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_TRUE(GlobalInit().ok()); }

  // Runs `request` and reports how long it took.
  Result<Response> Timed(const Request& request, milliseconds& took) {
    const auto start = std::chrono::steady_clock::now();
    auto r = client_->Do(request);
    took = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start);
    return r;
  }
  static Request Get(std::string url, milliseconds timeout = milliseconds(0)) {
    Request r;
    r.url = std::move(url);
    r.timeout = timeout;
    return r;
  }

  std::unique_ptr<Client> client_ = NewClient();
};

TEST_F(ClientTest, GetsStatusHeadersAndBody) {
  TestServer server(Behaviour::kAnswer, 0, [](const TestRequest& req) {
    return TestResponse{203, "X-Target: " + req.target + "\r\n", "hi " + req.method, false};
  });
  const auto r = client_->Do(Get(server.Url("/a/b?c=d")));
  ASSERT_TRUE(r.ok()) << r.error().reason;
  EXPECT_EQ(r->status, 203);
  EXPECT_EQ(r->body, "hi GET");
  EXPECT_EQ(r->HeaderValue("x-target"), "/a/b?c=d");
  EXPECT_EQ(r->HeaderValue("X-Missing"), std::nullopt);
}

TEST_F(ClientTest, SendsMethodHeadersAndBody) {
  TestServer server(Behaviour::kAnswer, 0, [](const TestRequest& req) {
    const bool typed = req.headers.find("Content-Type: application/json\r\n") != std::string::npos;
    const bool agent = req.headers.find("User-Agent: atrium\r\n") != std::string::npos;
    return TestResponse{200, "", req.method + " " + req.body + (typed && agent ? " ok" : " bad"),
                        false};
  });
  for (const char* method : {"POST", "PUT", "PATCH", "DELETE"}) {
    Request req = Get(server.Url("/echo"));
    req.method = method;
    req.headers = {{"Content-Type", "application/json"}};
    req.body = std::string(3000, 'x');  // over 1 KiB: no "Expect: 100-continue" wait
    const auto r = client_->Do(req);
    ASSERT_TRUE(r.ok()) << r.error().reason;
    EXPECT_EQ(r->body, std::string(method) + " " + req.body + " ok");
  }
}

TEST_F(ClientTest, ReusesKeepAliveConnectionsForSequentialCalls) {
  TestServer server(Behaviour::kAnswer);
  for (int i = 0; i < 10; ++i) {
    const auto r = client_->Do(Get(server.Url("/n")));
    ASSERT_TRUE(r.ok()) << r.error().reason;
  }
  EXPECT_EQ(server.Requests(), 10);
  EXPECT_EQ(server.Accepted(), 1) << "every call after the first reuses the open connection";
}

TEST_F(ClientTest, ConcurrentCallsStayCorrect) {
  TestServer server(Behaviour::kAnswer, 0, [](const TestRequest& req) {
    return TestResponse{200, "", req.target, false};
  });
  constexpr int kThreads = 4;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  std::atomic<int> good{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        const std::string path = "/" + std::to_string(t) + "/" + std::to_string(i);
        const auto r = client_->Do(Get(server.Url(path)));
        good += r.ok() && r->body == path ? 1 : 0;
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(good, 100);
  EXPECT_LE(server.Accepted(), 8) << "pooled handles keep their connections";
}

TEST_F(ClientTest, AHangingServerCostsExactlyTheBudget) {
  TestServer server(Behaviour::kHang);
  milliseconds took{};
  const auto r = Timed(Get(server.Url("/"), milliseconds(300)), took);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kGatewayTimeout) << r.error().reason;
  EXPECT_GE(took, milliseconds(290));
  EXPECT_LT(took, milliseconds(300) + kSlack);
}

TEST_F(ClientTest, SlowAnswersWithinTheBudgetSucceedAndBeyondItTimeOut) {
  TestServer server(Behaviour::kAnswer);
  server.SetDelay(milliseconds(150));
  milliseconds took{};
  const auto fast_enough = Timed(Get(server.Url("/"), milliseconds(2000)), took);
  ASSERT_TRUE(fast_enough.ok()) << fast_enough.error().reason;
  EXPECT_EQ(fast_enough->body, "hello");
  EXPECT_GE(took, milliseconds(150));

  server.SetDelay(milliseconds(1500));
  const auto too_slow = Timed(Get(server.Url("/"), milliseconds(400)), took);
  ASSERT_FALSE(too_slow.ok());
  EXPECT_EQ(too_slow.error().code, ErrorCode::kGatewayTimeout);
  EXPECT_LT(took, milliseconds(400) + kSlack);
}

TEST_F(ClientTest, TheBudgetCoversConnectAndTransferTogether) {
  // Each answer comes after 250 ms: three of them in a row (a redirect chain) exceed 600 ms even
  // though every single step is well within it.
  TestServer server(Behaviour::kAnswer, 0, [](const TestRequest& req) {
    const int hop = req.target.back() - '0';
    if (hop < 3) {
      return TestResponse{302, "Location: /" + std::to_string(hop + 1) + "\r\n", "", false};
    }
    return TestResponse{200, "", "done", false};
  });
  server.SetDelay(milliseconds(250));
  Request req = Get(server.Url("/0"), milliseconds(600));
  req.follow_redirects = true;
  milliseconds took{};
  const auto r = Timed(req, took);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kGatewayTimeout);
  EXPECT_LT(took, milliseconds(600) + kSlack);
}

TEST_F(ClientTest, AResetIsUnavailable) {
  TestServer server(Behaviour::kReset);
  const auto r = client_->Do(Get(server.Url("/"), milliseconds(2000)));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable) << r.error().reason;
}

TEST_F(ClientTest, ARefusedConnectionIsUnavailableAtOnce) {
  milliseconds took{};
  const auto port = testing::UnusedPort();
  const auto r = Timed(Get("http://127.0.0.1:" + std::to_string(port) + "/x"), took);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_LT(took, milliseconds(500));
}

TEST_F(ClientTest, GarbageIsABadGateway) {
  TestServer server(Behaviour::kGarbage);
  const auto r = client_->Do(Get(server.Url("/"), milliseconds(2000)));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kBadGateway) << r.error().reason;
}

TEST_F(ClientTest, BodiesOverTheLimitAreABadGateway) {
  TestServer server(Behaviour::kAnswer, 0, [](const TestRequest& req) {
    return TestResponse{200, "", std::string(1 << 20, 'x'), req.target == "/chunked"};
  });
  for (const char* path : {"/sized", "/chunked"}) {
    Request req = Get(server.Url(path));
    req.max_response_bytes = 64 << 10;
    const auto r = client_->Do(req);
    ASSERT_FALSE(r.ok()) << path;
    EXPECT_EQ(r.error().code, ErrorCode::kBadGateway) << path;
    EXPECT_NE(r.error().reason.find("over 65536 bytes"), std::string::npos) << r.error().reason;
  }
  Request fits = Get(server.Url("/sized"));
  fits.max_response_bytes = 1 << 20;
  const auto r = client_->Do(fits);
  ASSERT_TRUE(r.ok()) << r.error().reason;
  EXPECT_EQ(r->body.size(), 1u << 20);
}

TEST_F(ClientTest, RedirectsAreFollowedOnlyWhenAsked) {
  TestServer server(Behaviour::kAnswer, 0, [](const TestRequest& req) {
    if (req.target == "/from") {
      return TestResponse{302, "Location: /to\r\n", "", false};
    }
    return TestResponse{200, "", "arrived", false};
  });
  const auto plain = client_->Do(Get(server.Url("/from")));
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->status, 302);
  EXPECT_EQ(plain->HeaderValue("Location"), "/to");
  Request follow = Get(server.Url("/from"));
  follow.follow_redirects = true;
  const auto followed = client_->Do(follow);
  ASSERT_TRUE(followed.ok());
  EXPECT_EQ(followed->status, 200);
  EXPECT_EQ(followed->body, "arrived");
  EXPECT_EQ(followed->HeaderValue("Location"), std::nullopt) << "headers of the final response";
}

TEST_F(ClientTest, OnlyHttpAndHttpsAreAllowed) {
  for (const char* url : {"file:///etc/passwd", "ftp://127.0.0.1/", "gopher://x", "/relative"}) {
    const auto r = client_->Do(Get(url));
    ASSERT_FALSE(r.ok()) << url;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << url;
  }
  TestServer server(Behaviour::kAnswer, 0, [](const TestRequest&) {
    return TestResponse{302, "Location: file:///etc/passwd\r\n", "", false};
  });
  Request req = Get(server.Url("/"));
  req.follow_redirects = true;
  EXPECT_FALSE(client_->Do(req).ok()) << "no redirect to another protocol";
}

TEST_F(ClientTest, ANeighbourThatComesBackIsReachedAgain) {
  const uint16_t port = testing::UnusedPort();
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  EXPECT_EQ(client_->Do(Get(url)).error().code, ErrorCode::kUnavailable);
  {
    TestServer server(Behaviour::kAnswer, port);
    const auto r = client_->Do(Get(url));
    ASSERT_TRUE(r.ok()) << r.error().reason;
    EXPECT_EQ(r->body, "hello");
  }
  EXPECT_FALSE(client_->Do(Get(url)).ok()) << "down again";
  TestServer again(Behaviour::kAnswer, port);
  EXPECT_TRUE(client_->Do(Get(url)).ok()) << "a dead pooled connection is not reused";
}

TEST_F(ClientTest, ErrorsNameTheOriginButNeverThePath) {
  TestServer server(Behaviour::kHang);
  const auto r = client_->Do(Get(
      "http://user:secret@127.0.0.1:" + std::to_string(server.Port()) + "/range/5BAA6?token=abc",
      milliseconds(100)));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().reason.find("http://127.0.0.1:"), std::string::npos) << r.error().reason;
  for (const char* secret : {"5BAA6", "token", "secret", "user"}) {
    EXPECT_EQ(r.error().reason.find(secret), std::string::npos) << r.error().reason;
  }
}

TEST(OriginOf, DropsUserInfoPathQueryAndFragment) {
  EXPECT_EQ(OriginOf("https://api.pwnedpasswords.com/range/ABCDE"),
            "https://api.pwnedpasswords.com");
  EXPECT_EQ(OriginOf("HTTP://u:p@host:8080?x#y"), "http://host:8080");
  EXPECT_EQ(OriginOf("no scheme"), "(not a URL)");
}

}  // namespace
}  // namespace atrium::httpclient

#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "http/http.h"

namespace atrium::http {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

milliseconds Since(Clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
}

// A TCP connection to 127.0.0.1:port from `source` (any 127.x address works on Linux loopback),
// or -1.
int Connect(uint16_t port, const char* source = "127.0.0.1") {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  ::inet_pton(AF_INET, source, &local.sin_addr);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, std::string_view bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      return false;
    }
    sent += static_cast<size_t>(n);
  }
  return true;
}

struct Received {
  std::string data;
  bool closed = false;  // EOF or reset seen
};

// Reads until `needle` has arrived, the peer closes, or `timeout` passes.
Received ReadUntil(int fd, std::string_view needle, milliseconds timeout) {
  Received out;
  const auto deadline = Clock::now() + timeout;
  while (needle.empty() || out.data.find(needle) == std::string::npos) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      break;
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) {
      continue;
    }
    char buf[4096];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      out.closed = true;
      break;
    }
    out.data.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// Reads until the peer closes (or `timeout`).
Received ReadToEnd(int fd, milliseconds timeout) { return ReadUntil(fd, "", timeout); }

// Sends raw bytes on a fresh connection and returns everything the server answers.
std::string Exchange(uint16_t port, const std::string& bytes, bool half_close = true) {
  const int fd = Connect(port);
  if (fd < 0) {
    return "";
  }
  SendAll(fd, bytes);
  if (half_close) {
    ::shutdown(fd, SHUT_WR);
  }
  std::string out = ReadToEnd(fd, std::chrono::seconds(30)).data;
  ::close(fd);
  return out;
}

constexpr std::string_view kHelloRequest = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
constexpr std::string_view kHelloAnswer = "hello ?";

// A server on 127.0.0.1:0 running on its own thread for the lifetime of the object.
class Running {
 public:
  Running(const ServerOptions& options, const Router& router,
          const std::optional<TlsOptions>& tls = std::nullopt)
      : server_(std::make_unique<Server>(options)),
        status_(server_->Listen("127.0.0.1", 0, router, tls)) {
    if (status_.ok()) {
      thread_ = std::thread([this] { server_->Run(); });
    }
  }
  ~Running() {
    if (thread_.joinable()) {
      server_->Stop();
      thread_.join();
    }
  }
  Running(const Running&) = delete;
  Running& operator=(const Running&) = delete;

  const Status& status() const { return status_; }
  uint16_t port() const { return server_->BoundPort(0); }

 private:
  std::unique_ptr<Server> server_;
  Status status_;
  std::thread thread_;
};

Router TestRouter() {
  Router router;
  router.Add(
      "GET", "/hello",
      [](const Request& r) {
        Response res;
        res.SetHeader("Content-Type", "text/plain");
        res.body = "hello " + r.Query("name").value_or("?");
        return res;
      },
      Execution::kInline);
  router.Add("POST", "/echo", [](const Request& r) {
    Response res;
    res.body = r.body;
    res.AddHeader("X-Remote", r.remote_address);
    return res;
  });
  router.Add("GET", "/throw", [](const Request&) -> Response { throw std::runtime_error("boom"); });
  router.Add(
      "GET", "/scheme",
      [](const Request& r) {
        Response res;
        res.body = r.tls ? "tls" : "plain";
        return res;
      },
      Execution::kInline);
  // A fast path that answers only when asked to (a cache hit), else the pool's handler does.
  router.Add(
      "GET", "/cached",
      [](const Request& r) {
        Response res;
        res.body = "from the pool for " + r.target;
        return res;
      },
      Execution::kOffload,
      [](const Request& r) -> std::optional<Response> {
        if (r.Query("hit") == "throw") {
          throw std::runtime_error("fast path failed");
        }
        if (r.Query("hit") != "1") {
          return std::nullopt;
        }
        Response res;
        res.body = "from the fast path";
        return res;
      });
  // A later path that takes what it is asked to and answers from another thread after a while
  // (a write committed in the background), or hands it on to the pool from there ("hand"), else
  // the pool's handler does.
  router.Add(
      "GET", "/later",
      [](const Request& r) {
        Response res;
        res.body = "from the pool for " + r.target;
        return res;
      },
      Execution::kOffload,
      [](const Request& r, Respond respond) {
        if (r.Query("take") == "throw") {
          throw std::runtime_error("later path failed");
        }
        const std::optional<std::string> take = r.Query("take");
        if (take != "1" && take != "hand") {
          return false;
        }
        std::thread([respond = std::move(respond), path = r.target, hand = take == "hand"] {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
          if (hand) {
            return respond(std::nullopt);
          }
          Response res;
          res.body = "later for " + path;
          respond(std::move(res));
        }).detach();
        return true;
      });
  return router;
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.io_threads = 2;
    options.worker_threads = 2;
    running_ = std::make_unique<Running>(options, router_);
    ASSERT_TRUE(running_->status().ok());
    port_ = running_->port();
  }

  Router router_ = TestRouter();
  std::unique_ptr<Running> running_;
  uint16_t port_ = 0;
};

TEST_F(ServerTest, AnswersInlineAndOffloadedHandlersOnOneKeepAliveConnection) {
  const std::string out = Exchange(
      port_,
      "GET /hello?name=ann HTTP/1.1\r\nHost: x\r\n\r\n"
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nabcde");
  EXPECT_NE(out.find("HTTP/1.1 200 OK"), std::string::npos) << out;
  EXPECT_NE(out.find("hello ann"), std::string::npos) << out;
  EXPECT_NE(out.find("X-Remote: 127.0.0.1"), std::string::npos) << out;
  EXPECT_TRUE(out.ends_with("abcde")) << out;
}

TEST_F(ServerTest, AFastPathAnswersWhenItCanAndHandsOverWhenNot) {
  const std::string out = Exchange(port_,
                                   "GET /cached?hit=1 HTTP/1.1\r\nHost: x\r\n\r\n"
                                   "GET /cached?hit=0 HTTP/1.1\r\nHost: x\r\n\r\n"
                                   "GET /cached?hit=throw HTTP/1.1\r\nConnection: close\r\n\r\n");
  const size_t fast = out.find("from the fast path");
  const size_t pool = out.find("from the pool");
  ASSERT_NE(fast, std::string::npos) << out;
  ASSERT_NE(pool, std::string::npos) << out;
  EXPECT_LT(fast, pool) << "answers out of order: " << out;
  EXPECT_NE(out.find("HTTP/1.1 500", pool), std::string::npos) << out;
}

TEST_F(ServerTest, ALaterPathAnswersFromAnotherThreadOrHandsOver) {
  const std::string out = Exchange(port_,
                                   "GET /later?take=1 HTTP/1.1\r\nHost: x\r\n\r\n"
                                   "GET /later?take=0 HTTP/1.1\r\nHost: x\r\n\r\n"
                                   "GET /later?take=throw HTTP/1.1\r\nHost: x\r\n\r\n"
                                   "GET /later?take=hand HTTP/1.1\r\nHost: x\r\n\r\n"
                                   "HEAD /later?take=1 HTTP/1.1\r\nConnection: close\r\n\r\n");
  const size_t later = out.find("later for /later?take=1");
  const size_t pool = out.find("from the pool for /later?take=0");
  ASSERT_NE(later, std::string::npos) << out;
  ASSERT_NE(pool, std::string::npos) << out;
  EXPECT_LT(later, pool) << "answers out of order: " << out;
  // The throwing path did not take the request, and the later path handed one back from its
  // thread: the pool answered both, each with its own request.
  const size_t thrown = out.find("from the pool for /later?take=throw");
  const size_t handed = out.find("from the pool for /later?take=hand");
  ASSERT_NE(thrown, std::string::npos) << out;
  ASSERT_NE(handed, std::string::npos) << out;
  EXPECT_LT(pool, thrown) << out;
  EXPECT_LT(thrown, handed) << out;
  // HEAD: the later answer's headers without its body.
  EXPECT_EQ(out.find("later for", later + 1), std::string::npos) << out;
  size_t answers = 0;
  for (size_t at = out.find("HTTP/1.1 200"); at != std::string::npos;
       at = out.find("HTTP/1.1 200", at + 1)) {
    ++answers;
  }
  EXPECT_EQ(answers, 5u) << out;
}

// A store may answer a request taken by a LaterPath after the server stopped: the server is not
// destroyed (its loops are what the answer is posted to) before the last Respond is gone.
TEST(ServerLaterPath, TheServerOutlivesItsLaterAnswers) {
  Router router;
  std::thread answerer;
  router.Add(
      "GET", "/slow", [](const Request&) { return Response{}; }, Execution::kOffload,
      [&answerer](const Request&, Respond respond) {
        answerer = std::thread([respond = std::move(respond)] {
          std::this_thread::sleep_for(std::chrono::milliseconds(900));
          Response res;
          res.body = "late";
          respond(std::move(res));
        });
        return true;
      });
  ServerOptions options;
  const auto started = std::chrono::steady_clock::now();
  {
    Running running(options, router);
    ASSERT_TRUE(running.status().ok());
    const int fd = Connect(running.port());
    ASSERT_GE(fd, 0);
    SendAll(fd, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ::close(fd);
  }  // stops (after its grace period of 500 ms), then waits for the answer
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(900));
  answerer.join();
}

TEST_F(ServerTest, HeadHasNoBody) {
  const std::string out =
      Exchange(port_, "HEAD /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(out.find("Content-Length: 7"), std::string::npos) << out;
  EXPECT_TRUE(out.ends_with("\r\n\r\n")) << out;
}

TEST_F(ServerTest, RefusesOversizedBodiesAndKeepsServing) {
  const std::string big(6 << 20, 'a');
  const std::string out = Exchange(port_, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                                              std::to_string(big.size()) + "\r\n\r\n" + big);
  EXPECT_TRUE(out.starts_with("HTTP/1.1 413")) << out.substr(0, 100);
  const std::string after = Exchange(port_, "GET /hello HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(after.starts_with("HTTP/1.1 200")) << after;
}

TEST_F(ServerTest, AnswersGarbageUnknownPathsWrongMethodsAndExceptions) {
  EXPECT_TRUE(Exchange(port_, "NOT HTTP\r\n\r\n").starts_with("HTTP/1.1 400"));
  const std::string unknown = Exchange(port_, "GET /nope HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(unknown.starts_with("HTTP/1.1 404")) << unknown;
  EXPECT_NE(unknown.find(R"("code":404)"), std::string::npos);
  EXPECT_TRUE(Exchange(port_, "DELETE /hello HTTP/1.1\r\nConnection: close\r\n\r\n")
                  .starts_with("HTTP/1.1 405"));
  EXPECT_TRUE(Exchange(port_, "GET /throw HTTP/1.1\r\nConnection: close\r\n\r\n")
                  .starts_with("HTTP/1.1 500"));
  const std::string huge_header =
      "GET /hello HTTP/1.1\r\nX-Big: " + std::string(100 << 10, 'a') + "\r\n\r\n";
  EXPECT_TRUE(Exchange(port_, huge_header).starts_with("HTTP/1.1 431"));
}

// The observer (metrics, request logs) sees every answer once: routed, offloaded, unknown,
// wrong method and unreadable requests, and may add a header to each.
TEST(ServerObserver, SeesEveryAnswerWithItsRoutePatternAndMayAddHeaders) {
  struct Seen {
    std::string route;
    std::string path;
    int status = 0;
    bool read = false;
    Clock::duration duration{};
  };
  std::mutex mu;
  std::vector<Seen> seen;
  ServerOptions options;
  options.worker_threads = 1;
  options.observer = [&](const Observation& o, Response& res) {
    res.SetHeader("X-Observed", "yes");
    const std::lock_guard lock(mu);
    seen.push_back({std::string(o.route), o.request != nullptr ? o.request->path : "", o.status,
                    o.request != nullptr, o.duration});
  };
  Router router = TestRouter();
  router.AddPrefix("GET", "/p/", [](const Request&) {
    std::this_thread::sleep_for(milliseconds(20));
    return Response{};
  });
  Running running(options, router);
  ASSERT_TRUE(running.status().ok());
  const std::string out = Exchange(running.port(),
                                   "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
                                   "GET /p/abc HTTP/1.1\r\nHost: x\r\n\r\n"
                                   "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
                                   "DELETE /hello HTTP/1.1\r\nHost: x\r\n\r\n"
                                   "garbage\r\n\r\n");
  EXPECT_NE(out.find("X-Observed: yes"), std::string::npos) << out;
  const std::lock_guard lock(mu);
  ASSERT_EQ(seen.size(), 5U) << out;
  EXPECT_EQ(seen[0].route, "/hello");
  EXPECT_EQ(seen[0].status, 200);
  EXPECT_EQ(seen[1].route, "/p/*");
  EXPECT_EQ(seen[1].path, "/p/abc");
  EXPECT_GE(seen[1].duration, milliseconds(20));
  EXPECT_EQ(seen[2].route, "");
  EXPECT_EQ(seen[2].status, 404);
  EXPECT_EQ(seen[3].route, "/hello");
  EXPECT_EQ(seen[3].status, 405);
  EXPECT_FALSE(seen[4].read);
  EXPECT_EQ(seen[4].status, 400);
}

TEST(Server, ListenFailsOnABadAddress) {
  Router router;
  Server server(ServerOptions{});
  EXPECT_FALSE(server.Listen("not an ip", 0, router).ok());
}

// ---- connection caps ----------------------------------------------------------------------------

// Opens a connection from `source` and proves it is admitted by a keep-alive round trip.
int OpenServed(uint16_t port, const char* source) {
  const int fd = Connect(port, source);
  if (fd < 0 || !SendAll(fd, kHelloRequest) ||
      ReadUntil(fd, kHelloAnswer, std::chrono::seconds(5)).data.find(kHelloAnswer) ==
          std::string::npos) {
    if (fd >= 0) {
      ::close(fd);
    }
    return -1;
  }
  return fd;
}

// What a connection that sends nothing receives before the server closes it.
std::string Greeting(uint16_t port, const char* source) {
  const int fd = Connect(port, source);
  if (fd < 0) {
    return "";
  }
  std::string out = ReadToEnd(fd, std::chrono::seconds(5)).data;
  ::close(fd);
  return out;
}

void ExpectBusyEnvelope(const std::string& out, std::string_view message) {
  EXPECT_TRUE(out.starts_with("HTTP/1.1 503 Service Unavailable\r\n")) << out;
  EXPECT_NE(out.find("Retry-After: 1\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find(R"({"error":{"code":503,"status":"Service Unavailable","message":")" +
                     std::string(message)),
            std::string::npos)
      << out;
}

TEST(ServerLimits, RefusesConnectionsOverTheGlobalCapWith503AndAdmitsAgainAfterAClose) {
  ServerOptions options;
  options.max_connections = 2;
  const Router router = TestRouter();
  Running running(options, router);
  ASSERT_TRUE(running.status().ok());

  const int a = OpenServed(running.port(), "127.0.0.1");
  const int b = OpenServed(running.port(), "127.0.0.2");
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  const std::string refused = Greeting(running.port(), "127.0.0.3");
  ExpectBusyEnvelope(refused, "too many connections");
  EXPECT_NE(refused.find("Connection: close\r\n"), std::string::npos) << refused;

  // The server notices the close asynchronously; then the slot is free again.
  ::close(a);
  int c = -1;
  for (int i = 0; i < 50 && c < 0; ++i) {
    std::this_thread::sleep_for(milliseconds(50));
    c = OpenServed(running.port(), "127.0.0.3");
  }
  EXPECT_GE(c, 0) << "a closed connection did not give its slot back";
  ::close(b);
  ::close(c);
}

TEST(ServerLimits, RefusesConnectionsOverThePerAddressCapButServesOtherAddresses) {
  ServerOptions options;
  options.max_connections_per_ip = 2;
  const Router router = TestRouter();
  Running running(options, router);
  ASSERT_TRUE(running.status().ok());

  const int a = OpenServed(running.port(), "127.0.0.2");
  const int b = OpenServed(running.port(), "127.0.0.2");
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  ExpectBusyEnvelope(Greeting(running.port(), "127.0.0.2"),
                     "too many connections from this address");
  const int other = OpenServed(running.port(), "127.0.0.1");
  EXPECT_GE(other, 0) << "another address must still be served";
  ::close(a);
  ::close(b);
  ::close(other);
}

// ---- timeouts ---------------------------------------------------------------------------------

TEST(ServerLimits, ClosesIdleKeepAliveConnectionsAndFreesTheirSlot) {
  ServerOptions options;
  options.idle_timeout = milliseconds(300);
  options.max_connections_per_ip = 1;
  const Router router = TestRouter();
  Running running(options, router);
  ASSERT_TRUE(running.status().ok());

  const int fd = OpenServed(running.port(), "127.0.0.2");
  ASSERT_GE(fd, 0);
  const auto start = Clock::now();
  const Received rest = ReadToEnd(fd, std::chrono::seconds(5));
  const milliseconds waited = Since(start);
  ::close(fd);
  EXPECT_TRUE(rest.closed) << "an idle keep-alive connection was not closed";
  EXPECT_GE(waited.count(), 200);
  EXPECT_LT(waited.count(), 3000);

  const int again = OpenServed(running.port(), "127.0.0.2");
  EXPECT_GE(again, 0) << "the idle connection still counts against the per-address cap";
  ::close(again);
}

// Sends `first`, then one byte of `trickle` every 100 ms until the server closes the connection
// (or 5 s pass). Returns how long the connection lived and what the server sent.
struct Trickled {
  milliseconds lived{};
  Received received;
};
Trickled Trickle(uint16_t port, std::string_view first, char trickle) {
  Trickled out;
  const auto start = Clock::now();
  const int fd = Connect(port, "127.0.0.2");
  if (fd < 0) {
    return out;
  }
  SendAll(fd, first);
  while (Since(start) < std::chrono::seconds(5)) {
    out.received = ReadUntil(fd, "HTTP/1.1", milliseconds(100));
    if (out.received.closed || !out.received.data.empty()) {
      break;
    }
    if (!SendAll(fd, std::string_view(&trickle, 1))) {
      out.received.closed = true;
      break;
    }
  }
  out.lived = Since(start);
  ::close(fd);
  return out;
}

TEST(ServerLimits, CutsOffAHeaderTrickleAtTheRequestDeadline) {
  ServerOptions options;
  options.request_timeout = milliseconds(600);
  options.idle_timeout = std::chrono::seconds(10);
  const Router router = TestRouter();
  Running running(options, router);
  ASSERT_TRUE(running.status().ok());

  // Every trickled byte extends a header value: the headers never end.
  const Trickled t = Trickle(running.port(), "GET /hello HTTP/1.1\r\nX-Slow: ", 'a');
  EXPECT_TRUE(t.received.closed);
  EXPECT_TRUE(t.received.data.empty()) << t.received.data;
  EXPECT_GE(t.lived.count(), 500);
  EXPECT_LT(t.lived.count(), 2500) << "the deadline was renewed by the trickled bytes";
}

TEST(ServerLimits, CutsOffABodyTrickleAtTheRequestDeadline) {
  ServerOptions options;
  options.request_timeout = milliseconds(600);
  options.idle_timeout = std::chrono::seconds(10);
  const Router router = TestRouter();
  Running running(options, router);
  ASSERT_TRUE(running.status().ok());

  const Trickled t = Trickle(running.port(),
                             "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n", 'b');
  EXPECT_TRUE(t.received.closed);
  EXPECT_TRUE(t.received.data.empty()) << t.received.data;
  EXPECT_GE(t.lived.count(), 500);
  EXPECT_LT(t.lived.count(), 2500) << "the deadline was renewed by the trickled bytes";
}

TEST(ServerLimits, TheSecondRequestOnAConnectionGetsItsOwnDeadline) {
  ServerOptions options;
  options.request_timeout = milliseconds(600);
  options.idle_timeout = std::chrono::seconds(10);
  const Router router = TestRouter();
  Running running(options, router);
  ASSERT_TRUE(running.status().ok());

  const int fd = OpenServed(running.port(), "127.0.0.1");
  ASSERT_GE(fd, 0);
  // Idle for longer than the request deadline: only the idle timeout applies here.
  std::this_thread::sleep_for(milliseconds(900));
  ASSERT_TRUE(SendAll(fd, kHelloRequest));
  EXPECT_NE(ReadUntil(fd, kHelloAnswer, std::chrono::seconds(5)).data.find(kHelloAnswer),
            std::string::npos);
  // Now a trickled request on the same connection is cut off at its own deadline.
  const auto start = Clock::now();
  ASSERT_TRUE(SendAll(fd, "GET /hello HTTP/1.1\r\nX-Slow: "));
  bool closed = false;
  while (!closed && Since(start) < std::chrono::seconds(5)) {
    closed = ReadUntil(fd, "HTTP/1.1", milliseconds(100)).closed || !SendAll(fd, "a");
  }
  EXPECT_TRUE(closed);
  EXPECT_LT(Since(start).count(), 2500);
  ::close(fd);
}

TEST(ServerLimits, TheDrainAfter413IsBoundedInTimeNotRenewedByEachByte) {
  ServerOptions options;
  options.max_body_bytes = 1024;
  options.drain_timeout = milliseconds(700);
  const Router router = TestRouter();
  Running running(options, router);
  ASSERT_TRUE(running.status().ok());

  const int fd = Connect(running.port(), "127.0.0.2");
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n"));
  const Received answer = ReadToEnd(fd, std::chrono::seconds(5));
  EXPECT_TRUE(answer.data.starts_with("HTTP/1.1 413")) << answer.data;
  EXPECT_TRUE(answer.closed) << "the 413 must be followed by the end of the answer stream";
  // The client keeps trickling its body; the server stops reading (and resets) at the budget.
  const auto start = Clock::now();
  bool cut = false;
  while (!cut && Since(start) < std::chrono::seconds(5)) {
    cut = !SendAll(fd, "x");
    std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_TRUE(cut) << "the drain was renewed by each byte";
  EXPECT_LT(Since(start).count(), 2500);
  ::close(fd);
}

// ---- bounded queues ---------------------------------------------------------------------------

TEST(ServerLimits, AFullHandlerQueueAnswers503AtOnce) {
  std::atomic<bool> entered{false};
  std::promise<void> release;
  const std::shared_future<void> released = release.get_future().share();
  // Whatever happens below, the blocked worker must be let go, or the server cannot stop.
  struct Releaser {
    std::promise<void>& p;
    ~Releaser() {
      try {
        p.set_value();
      } catch (const std::future_error&) {
      }
    }
  } releaser{release};

  Router router;
  router.Add("GET", "/block", [&](const Request&) {
    entered = true;
    released.wait();
    Response res;
    res.body = "done";
    return res;
  });
  ServerOptions options;
  options.worker_threads = 1;
  options.queue_capacity = 1;
  Running running(options, router);
  ASSERT_TRUE(running.status().ok());
  const std::string request = "GET /block HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const uint16_t port = running.port();

  // The first request occupies the only worker; of the next two, one waits and one is refused.
  auto first = std::async(std::launch::async, [&] { return Exchange(port, request); });
  for (int i = 0; i < 500 && !entered; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  ASSERT_TRUE(entered);
  auto second = std::async(std::launch::async, [&] { return Exchange(port, request); });
  auto third = std::async(std::launch::async, [&] { return Exchange(port, request); });
  std::future<std::string>* refused = nullptr;
  std::future<std::string>* waiting = nullptr;
  for (int i = 0; i < 500 && refused == nullptr; ++i) {
    if (second.wait_for(milliseconds(10)) == std::future_status::ready) {
      refused = &second;
      waiting = &third;
    } else if (third.wait_for(milliseconds(10)) == std::future_status::ready) {
      refused = &third;
      waiting = &second;
    }
  }
  ASSERT_NE(refused, nullptr) << "neither queued request was answered while the worker was busy";
  ExpectBusyEnvelope(refused->get(), "The server is busy");

  release.set_value();
  EXPECT_TRUE(first.get().starts_with("HTTP/1.1 200")) << "the running job must complete";
  EXPECT_TRUE(waiting->get().starts_with("HTTP/1.1 200")) << "the queued job must complete";
}

// ---- TLS --------------------------------------------------------------------------------------

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using SslCtxPtr = std::unique_ptr<SSL_CTX, Deleter<SSL_CTX, SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, Deleter<SSL, SSL_free>>;

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);  // NOLINT(google-runtime-int): OpenSSL's type
  return std::string(data, static_cast<size_t>(n));
}

// A throw-away self-signed P-256 certificate for 127.0.0.1, valid for an hour.
TlsOptions SelfSigned() {
  const PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  const X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "IP:127.0.0.1");
  X509_add_ext(cert.get(), san, -1);
  X509_EXTENSION_free(san);
  X509_sign(cert.get(), key.get(), EVP_sha256());

  TlsOptions out;
  const BioPtr cert_bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(cert_bio.get(), cert.get());
  out.cert_pem = BioText(cert_bio.get());
  const BioPtr key_bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  out.key_pem = BioText(key_bio.get());
  return out;
}

// One HTTPS exchange that verifies the server against `trusted_pem` (and 127.0.0.1). Returns the
// answer, or "" when the handshake or verification fails.
std::string HttpsExchange(uint16_t port, const std::string& trusted_pem,
                          const std::string& request) {
  const SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  const BioPtr pem(BIO_new_mem_buf(trusted_pem.data(), static_cast<int>(trusted_pem.size())));
  const X509Ptr trusted(PEM_read_bio_X509(pem.get(), nullptr, nullptr, nullptr));
  X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx.get()), trusted.get());
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);

  const int fd = Connect(port);
  if (fd < 0) {
    return "";
  }
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  const SslPtr ssl(SSL_new(ctx.get()));
  SSL_set_fd(ssl.get(), fd);
  X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl.get()), "127.0.0.1");
  std::string out;
  if (SSL_connect(ssl.get()) == 1 &&
      SSL_write(ssl.get(), request.data(), static_cast<int>(request.size())) > 0) {
    char buf[4096];
    int n = 0;
    while ((n = SSL_read(ssl.get(), buf, sizeof buf)) > 0) {
      out.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  return out;
}

TEST(ServerTls, ServesHttpsWithAVerifiedCertificateAndMarksTheRequest) {
  const TlsOptions tls = SelfSigned();
  const Router router = TestRouter();
  Running running(ServerOptions{}, router, tls);
  ASSERT_TRUE(running.status().ok()) << running.status().error().reason;

  const std::string out = HttpsExchange(
      running.port(), tls.cert_pem, "GET /scheme HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(out.starts_with("HTTP/1.1 200")) << out;
  EXPECT_TRUE(out.ends_with("\r\n\r\ntls")) << out;

  // A client that trusts another certificate refuses the server.
  EXPECT_EQ(HttpsExchange(running.port(), SelfSigned().cert_pem,
                          "GET /scheme HTTP/1.1\r\nConnection: close\r\n\r\n"),
            "");
  // HTTPS only: plain HTTP gets no HTTP answer.
  const std::string plain =
      Exchange(running.port(), "GET /scheme HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(plain.find("HTTP/1.1"), std::string::npos) << plain;
}

TEST(ServerTls, TheHandshakeCountsAgainstTheRequestDeadline) {
  ServerOptions options;
  options.request_timeout = milliseconds(400);
  const Router router = TestRouter();
  Running running(options, router, SelfSigned());
  ASSERT_TRUE(running.status().ok());

  // Connects and never sends a ClientHello.
  const int fd = Connect(running.port(), "127.0.0.2");
  ASSERT_GE(fd, 0);
  const auto start = Clock::now();
  const Received r = ReadToEnd(fd, std::chrono::seconds(5));
  ::close(fd);
  EXPECT_TRUE(r.closed);
  EXPECT_LT(Since(start).count(), 2500);
}

TEST(ServerTls, RefusesBadKeysAndCertificatesNamingTheProblem) {
  const Router router;
  const TlsOptions good = SelfSigned();
  const auto refused = [&](const TlsOptions& tls) {
    Server server(ServerOptions{});
    const Status s = server.Listen("127.0.0.1", 0, router, tls);
    EXPECT_FALSE(s.ok());
    return s.ok() ? std::string() : s.error().reason;
  };
  EXPECT_NE(refused({good.cert_pem, "not a key"}).find("private key"), std::string::npos);
  EXPECT_NE(refused({good.cert_pem, SelfSigned().key_pem}).find("does not match"),
            std::string::npos);
  EXPECT_NE(refused({"not a certificate", good.key_pem}).find("certificate chain"),
            std::string::npos);
  EXPECT_NE(refused({good.cert_pem, ""}).find("private key"), std::string::npos);
  Server server(ServerOptions{});
  const Status s = server.Listen("127.0.0.1", 0, router, TlsOptions{good.cert_pem, "junk"});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(s.error().reason.starts_with("TLS: ")) << s.error().reason;
}

}  // namespace
}  // namespace atrium::http

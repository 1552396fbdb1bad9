#include <unistd.h>

#include <thread>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "http/http.h"

namespace atrium::http {
namespace {

// Sends raw bytes on a fresh connection and returns everything the server answers.
std::string Exchange(uint16_t port, const std::string& bytes, bool half_close = true) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "";
  }
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      break;
    }
    sent += static_cast<size_t>(n);
  }
  if (half_close) {
    ::shutdown(fd, SHUT_WR);
  }
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      break;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add(
        "GET", "/hello",
        [](const Request& r) {
          Response res;
          res.SetHeader("Content-Type", "text/plain");
          res.body = "hello " + r.Query("name").value_or("?");
          return res;
        },
        Execution::kInline);
    router_.Add("POST", "/echo", [](const Request& r) {
      Response res;
      res.body = r.body;
      res.AddHeader("X-Remote", r.remote_address);
      return res;
    });
    router_.Add("GET", "/throw",
                [](const Request&) -> Response { throw std::runtime_error("boom"); });
    ServerOptions options;
    options.io_threads = 2;
    options.worker_threads = 2;
    server_ = std::make_unique<Server>(options);
    ASSERT_TRUE(server_->Listen("127.0.0.1", 0, router_).ok());
    port_ = server_->BoundPort(0);
    thread_ = std::thread([this] { server_->Run(); });
  }
  void TearDown() override {
    server_->Stop();
    thread_.join();
  }

  Router router_;
  std::unique_ptr<Server> server_;
  uint16_t port_ = 0;
  std::thread thread_;
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

TEST(Server, ListenFailsOnABadAddress) {
  Router router;
  Server server(ServerOptions{});
  EXPECT_FALSE(server.Listen("not an ip", 0, router).ok());
}

}  // namespace
}  // namespace atrium::http

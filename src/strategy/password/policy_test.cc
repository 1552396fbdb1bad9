#include "strategy/password/policy.h"

#include <unistd.h>

#include <atomic>
#include <map>
#include <thread>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "strategy/password/breach_checker.h"

namespace atrium::strategy::password {
namespace {

class FakeBreaches final : public BreachChecker {
 public:
  Result<int64_t> Count(std::string_view password) override {
    if (fail) {
      return Error::Unavailable("down");
    }
    const auto it = counts.find(std::string(password));
    return it == counts.end() ? 0 : it->second;
  }
  std::map<std::string, int64_t> counts = {
      {"12345678", 100}, {"password", 9}, {"1234567890", 3}, {"qwertyui", 1}};
  bool fail = false;
};

int64_t IdOf(const Result<std::optional<text::Message>>& r) {
  EXPECT_TRUE(r.ok());
  return r.ok() && r->has_value() ? (*r)->id : 0;
}

TEST(PasswordPolicy, KratosExamples) {
  config::PasswordMethod cfg;
  FakeBreaches breaches;
  const PasswordPolicy policy(cfg, &breaches);
  for (const char* pw : {"", "12", "1234", "123456", "l3f9to"}) {
    EXPECT_EQ(IdOf(policy.Check("", pw)), 4000032) << pw;
  }
  for (const char* pw : {"12345678", "password", "1234567890", "qwertyui"}) {
    EXPECT_EQ(IdOf(policy.Check("", pw)), 4000034) << pw;
  }
  EXPECT_EQ(IdOf(policy.Check("", "l3f9toh1uaf81n21")), 0);
  for (const char* pw : {"hello@example.com12345", "123hello@example.com123", "hello@exam",
                         "HELLO@EXAMPLE.COM", "h3ll0@example"}) {
    EXPECT_EQ(IdOf(policy.Check("hello@example.com", pw)), 4000031) << pw;
  }
  EXPECT_EQ(IdOf(policy.Check("abcd", "9d3c8a1b")), 0);
  EXPECT_EQ(IdOf(policy.Check("a", "kjOklafe")), 0);
  EXPECT_EQ(IdOf(policy.Check("ab", "0000ab0000123")), 0);
  EXPECT_EQ(IdOf(policy.Check("d4f6090b-5a84", "d4f6090b-5a84-2184-4404-8d1b-8da3eb00ebbe")), 0);
  EXPECT_EQ(IdOf(policy.Check("hello@example.com", std::string(456, '0'))), 0);
}

TEST(PasswordPolicy, MessagesCarryTheirContext) {
  config::PasswordMethod cfg;
  const PasswordPolicy policy(cfg, nullptr);
  const auto r = policy.Check("", "1234567");
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ((*r)->text, "The password must be at least 8 characters long, but got 7.");
  EXPECT_EQ((*r)->context.dump(), R"({"actual_length":7,"min_length":8})");
}

TEST(PasswordPolicy, MaxBreachesAndNetworkErrors) {
  config::PasswordMethod cfg;
  cfg.max_breaches = 3;
  FakeBreaches breaches;
  const PasswordPolicy policy(cfg, &breaches);
  EXPECT_EQ(IdOf(policy.Check("", "1234567890")), 0);
  EXPECT_EQ(IdOf(policy.Check("", "password")), 4000034);
  breaches.fail = true;
  EXPECT_EQ(IdOf(policy.Check("", "password")), 0) << "ignored by default";
  cfg.ignore_network_errors = false;
  const auto strict = policy.Check("", "password");
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.error().code, ErrorCode::kBadGateway);
}

TEST(Distances, LevenshteinAndLongestCommonSubstring) {
  EXPECT_EQ(LevenshteinDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(LevenshteinDistance("", "abc"), 3u);
  EXPECT_EQ(LongestCommonSubstring("hello@example.com", "123hello@ex"), 8u);
  EXPECT_EQ(LongestCommonSubstring("abc", "xyz"), 0u);
}

// A one-thread HTTP server on 127.0.0.1 answering the range API for "password" (SHA-1
// 5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8) with 3,861,493 hits.
class RangeServer {
 public:
  RangeServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 8);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~RangeServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int hits() const { return hits_; }

 private:
  void Serve() {
    for (;;) {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) {
        return;
      }
      char buf[2048];
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      const std::string req(buf, n > 0 ? static_cast<size_t>(n) : 0);
      ++hits_;
      std::string body = "0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n";
      if (req.starts_with("GET /range/5BAA6 ")) {
        body += "1E4C9B93F3F0682250B6CF8331B7EE68FD8:3,861,493\r\n";
      }
      const std::string res = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
                              "\r\nConnection: close\r\n\r\n" + body;
      ::send(c, res.data(), res.size(), MSG_NOSIGNAL);
      ::close(c);
    }
  }

  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<int> hits_{0};
  std::thread thread_;
};

TEST(HibpBreachChecker, QueriesTheRangeApiAndCachesForAnHour) {
  RangeServer server;
  ManualClock clock(Timestamp(std::chrono::hours(500000)));
  HibpBreachChecker checker(server.url(), clock);
  const auto count = checker.Count("password");
  ASSERT_TRUE(count.ok()) << count.error().reason;
  EXPECT_EQ(*count, 3861493);
  EXPECT_EQ(*checker.Count("password"), 3861493);
  EXPECT_EQ(server.hits(), 1);
  clock.Advance(std::chrono::hours(2));
  EXPECT_EQ(*checker.Count("password"), 3861493);
  EXPECT_EQ(server.hits(), 2);
  EXPECT_EQ(*checker.Count("l3f9toh1uaf81n21"), 0);
}

TEST(HibpBreachChecker, ReportsUnreachableServers) {
  ManualClock clock(Timestamp(std::chrono::hours(1)));
  std::string url;
  {
    RangeServer closed;
    url = closed.url();
  }
  HibpBreachChecker checker(url, clock, std::chrono::milliseconds(500));
  EXPECT_FALSE(checker.Count("password").ok());
}

}  // namespace
}  // namespace atrium::strategy::password

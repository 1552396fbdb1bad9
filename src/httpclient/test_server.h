#pragma once
// Test only: a real HTTP/1.1 server on 127.0.0.1 (raw POSIX sockets, one thread per connection)
// that answers, hangs, resets, answers slowly or answers garbage, and counts the connections it
// accepted. Used by the tests of the HTTP client and of its callers.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace atrium::httpclient::testing {

enum class Behaviour {
  kAnswer,   // HTTP/1.1 keep-alive answers from the handler (after `delay`)
  kHang,     // reads the request and never answers
  kReset,    // reads the request and resets the connection (RST)
  kGarbage,  // answers bytes that are not HTTP and closes
};

struct TestRequest {
  std::string method;
  std::string target;   // "/range/ABCDE"
  std::string headers;  // raw header block
  std::string body;
};

struct TestResponse {
  int status = 200;
  std::string headers;  // extra raw header lines, each ending in "\r\n"
  std::string body;
  bool chunked = false;  // send the body chunked, without Content-Length
};

class TestServer final {
 public:
  using Handler = std::function<TestResponse(const TestRequest&)>;

  // Listens on 127.0.0.1:`port` (0 = any free port). The default handler answers 200 "hello".
  explicit TestServer(Behaviour behaviour, uint16_t port = 0, Handler handler = nullptr);
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  std::string Url(const std::string& path = "/") const;
  uint16_t Port() const { return port_; }
  int Accepted() const { return accepted_; }
  int Requests() const { return requests_; }
  void SetDelay(std::chrono::milliseconds d) { delay_ms_ = d.count(); }

 private:
  void AcceptLoop();
  void Serve(int fd);

  const Behaviour behaviour_;
  Handler handler_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::atomic<int> requests_{0};
  std::atomic<long long> delay_ms_{0};
  std::mutex mu_;
  std::vector<int> fds_;              // open connections, protected by mu_
  std::vector<std::thread> threads_;  // protected by mu_
  std::thread acceptor_;
};

// A port on 127.0.0.1 where nothing listens (connections are refused). Another process may grab
// it in theory; tests use it right away.
uint16_t UnusedPort();

}  // namespace atrium::httpclient::testing

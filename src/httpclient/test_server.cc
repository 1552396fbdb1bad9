#include "httpclient/test_server.h"

#include <poll.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace atrium::httpclient::testing {
namespace {

int Listen(uint16_t port, uint16_t& bound) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 64) != 0) {
    std::abort();  // a test cannot run without its server
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  bound = ntohs(addr.sin_port);
  return fd;
}

bool SendAll(int fd, const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      return false;
    }
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

// Reads one request (head and Content-Length body) from `buffer` + the socket. False when the
// peer closed or the server stops.
bool ReadRequest(int fd, std::string& buffer, TestRequest& out) {
  std::size_t end = std::string::npos;
  char chunk[4096];
  while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) {
      return false;
    }
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
  const std::string head = buffer.substr(0, end + 2);
  buffer.erase(0, end + 4);
  const std::size_t sp1 = head.find(' ');
  const std::size_t sp2 = head.find(' ', sp1 + 1);
  out.method = head.substr(0, sp1);
  out.target = head.substr(sp1 + 1, sp2 - sp1 - 1);
  out.headers = head.substr(head.find("\r\n") + 2);
  std::size_t length = 0;
  for (const char* name : {"Content-Length: ", "content-length: "}) {
    if (const std::size_t at = head.find(name); at != std::string::npos) {
      length = std::strtoul(head.c_str() + at + 16, nullptr, 10);
    }
  }
  while (buffer.size() < length) {
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) {
      return false;
    }
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
  out.body = buffer.substr(0, length);
  buffer.erase(0, length);
  return true;
}

std::string Render(const TestResponse& r) {
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " Status\r\n" + r.headers;
  if (!r.chunked) {
    return out + "Content-Length: " + std::to_string(r.body.size()) + "\r\n\r\n" + r.body;
  }
  out += "Transfer-Encoding: chunked\r\n\r\n";
  constexpr std::size_t kChunk = 16 << 10;
  char size[32];
  for (std::size_t at = 0; at < r.body.size(); at += kChunk) {
    const std::string_view part = std::string_view(r.body).substr(at, kChunk);
    std::snprintf(size, sizeof size, "%zx\r\n", part.size());
    out += size;
    out += part;
    out += "\r\n";
  }
  return out + "0\r\n\r\n";
}

TestResponse Hello(const TestRequest&) { return TestResponse{200, "", "hello", false}; }

}  // namespace

TestServer::TestServer(Behaviour behaviour, uint16_t port, Handler handler)
    : behaviour_(behaviour), handler_(handler ? std::move(handler) : Handler(&Hello)) {
  listen_fd_ = Listen(port, port_);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

TestServer::~TestServer() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  acceptor_.join();
  ::close(listen_fd_);
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    for (const int fd : fds_) {
      ::shutdown(fd, SHUT_RDWR);  // wakes connections blocked in recv or poll
    }
    threads.swap(threads_);
  }
  for (auto& t : threads) {
    t.join();
  }
}

std::string TestServer::Url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void TestServer::AcceptLoop() {
  for (;;) {
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) {
      return;
    }
    ++accepted_;
    std::lock_guard lock(mu_);
    if (stopping_) {
      ::close(fd);
      return;
    }
    fds_.push_back(fd);
    threads_.emplace_back([this, fd] { Serve(fd); });
  }
}

void TestServer::Serve(int fd) {
  std::string buffer;
  TestRequest request;
  while (!stopping_ && ReadRequest(fd, buffer, request)) {
    ++requests_;
    if (behaviour_ == Behaviour::kHang) {
      // Never answer; swallow whatever else comes until the client gives up or we stop.
      pollfd p{fd, POLLIN, 0};
      char sink[1024];
      while (!stopping_) {
        const int ready = ::poll(&p, 1, 50);
        if (ready < 0 || (ready > 0 && ::recv(fd, sink, sizeof sink, 0) <= 0)) {
          break;
        }
      }
      break;
    }
    if (behaviour_ == Behaviour::kReset) {
      const linger hard{1, 0};  // close with RST instead of FIN
      ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
      break;
    }
    if (behaviour_ == Behaviour::kGarbage) {
      (void)SendAll(fd, "SSH-2.0-OpenSSH_9.2\r\n\x01\x02\x03 this is not HTTP\r\n\r\n");
      break;
    }
    const auto delay = std::chrono::milliseconds(delay_ms_.load());
    const auto until = std::chrono::steady_clock::now() + delay;
    while (!stopping_ && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (stopping_ || !SendAll(fd, Render(handler_(request)))) {
      break;
    }
  }
  std::lock_guard lock(mu_);
  std::erase(fds_, fd);
  ::close(fd);
}

uint16_t UnusedPort() {
  uint16_t port = 0;
  const int fd = Listen(0, port);
  ::close(fd);
  return port;
}

}  // namespace atrium::httpclient::testing

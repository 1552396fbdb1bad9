// The HTTP/1.1 server: one io_context run by `io_threads` threads, one strand per connection,
// blocking handlers offloaded to a fixed worker pool. Beast and Asio stay in this file.
#include <array>
#include <atomic>
#include <memory>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include "base/strings.h"
#include "http/http.h"

namespace atrium::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

Response ErrorJson(int code, std::string_view status, std::string_view message) {
  Response r;
  r.status = code;
  r.SetHeader("Content-Type", "application/json");
  r.body = R"({"error":{"code":)" + std::to_string(code) + R"(,"status":")" + std::string(status) +
           R"(","message":")" + std::string(message) + "\"}}\n";
  return r;
}

// What connections share with the server.
struct Shared {
  explicit Shared(ServerOptions o)
      : options(std::move(o)),
        workers(static_cast<std::size_t>(std::max(1, options.worker_threads))),
        slow_workers(static_cast<std::size_t>(std::max(1, options.slow_threads))) {}

  ServerOptions options;
  asio::io_context ioc;
  asio::thread_pool workers;
  asio::thread_pool slow_workers;
  std::atomic<bool> stopping{false};
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, const Router& router, Shared& server)
      : stream_(std::move(socket)), router_(router), server_(server) {}

  void Start() { ReadRequest(); }

 private:
  void ReadRequest() {
    parser_.emplace();
    parser_->body_limit(server_.options.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.max_header_bytes));
    stream_.expires_after(std::chrono::seconds(server_.options.idle_timeout_seconds));
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
        ec == asio::error::eof) {
      return Close();
    }
    if (ec == bhttp::error::body_limit) {
      // Answer, then swallow what the client is still sending so that it can read the answer
      // instead of failing on a reset connection.
      drain_after_write_ = true;
      return Write(ErrorJson(413, "Request Entity Too Large", "http: request body too large"),
                   false, false);
    }
    if (ec == bhttp::error::header_limit) {
      return Write(
          ErrorJson(431, "Request Header Fields Too Large", "http: request headers too large"),
          false, false);
    }
    if (ec) {
      return Write(ErrorJson(400, "Bad Request", "malformed HTTP request"), false, false);
    }
    auto& message = parser_->get();
    request_ = Request{};
    request_.method = std::string(message.method_string());
    request_.target = std::string(message.target());
    const size_t q = request_.target.find('?');
    const std::string_view raw_path = std::string_view(request_.target).substr(0, q);
    request_.path = PercentDecode(raw_path, false).value_or(std::string(raw_path));
    request_.raw_query = q == std::string::npos ? "" : request_.target.substr(q + 1);
    for (const auto& field : message) {
      request_.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    request_.body = std::move(message.body());
    beast::error_code peer_ec;
    const auto peer = stream_.socket().remote_endpoint(peer_ec);
    request_.remote_address = peer_ec ? "" : peer.address().to_string();
    keep_alive_ = message.keep_alive();
    const bool head = request_.method == "HEAD";

    const Router::Match match = router_.Find(request_.method, request_.path);
    if (match.handler == nullptr) {
      return Write(ErrorJson(405, "Method Not Allowed", "The request method is not allowed"),
                   keep_alive_, head);
    }
    if (match.execution == Execution::kInline) {
      return Write(Run(*match.handler), keep_alive_, head);
    }
    auto& pool = match.execution == Execution::kSlow ? server_.slow_workers : server_.workers;
    asio::post(pool, [self = shared_from_this(), handler = match.handler, head] {
      Response response = self->Run(*handler);
      asio::post(self->stream_.get_executor(),
                 [self, response = std::move(response), head]() mutable {
                   self->Write(std::move(response), self->keep_alive_, head);
                 });
    });
  }

  Response Run(const Handler& handler) {
    try {
      return handler(request_);
    } catch (const std::exception& e) {
      spdlog::error("handler for {} {} threw: {}", request_.method, request_.path, e.what());
    } catch (...) {
      spdlog::error("handler for {} {} threw", request_.method, request_.path);
    }
    return ErrorJson(500, "Internal Server Error",
                     "An internal server error occurred, please contact the system administrator");
  }

  void Write(Response response, bool keep_alive, bool head) {
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
    res->version(11);
    res->result(static_cast<unsigned>(response.status));
    for (auto& [name, value] : response.headers) {
      res->insert(name, value);
    }
    if (!server_.options.server_header.empty()) {
      res->set(bhttp::field::server, server_.options.server_header);
    }
    res->body() = std::move(response.body);
    res->keep_alive(keep_alive && !server_.stopping);
    res->prepare_payload();
    if (head) {
      res->body().clear();
    }
    bhttp::async_write(stream_, *res,
                       [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
                         if (!ec && self->drain_after_write_) {
                           return self->Drain();
                         }
                         if (ec || !res->keep_alive()) {
                           return self->Close();
                         }
                         self->ReadRequest();
                       });
  }

  // Reads and discards input until the peer closes, 64 MiB have passed, or 5 s of silence.
  void Drain() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(5));
    stream_.async_read_some(asio::buffer(scratch_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > (64u << 20)) {
                                return self->Close();
                              }
                              self->Drain();
                            });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Request request_;
  bool keep_alive_ = false;
  bool drain_after_write_ = false;
  std::size_t drained_ = 0;
  std::array<char, 16384> scratch_{};
  const Router& router_;
  Shared& server_;
};

}  // namespace

struct Server::Impl : Shared {
  explicit Impl(ServerOptions o) : Shared(std::move(o)), stop_poll(ioc) {}

  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::vector<uint16_t> ports;
  asio::steady_timer stop_poll;
  std::atomic<bool> stop_requested{false};

  void Accept(tcp::acceptor& acceptor, const Router& router);
  void PollStop();
};

void Server::Impl::Accept(tcp::acceptor& acceptor, const Router& router) {
  acceptor.async_accept(asio::make_strand(ioc),
                        [this, &acceptor, &router](beast::error_code ec, tcp::socket socket) {
                          if (ec == asio::error::operation_aborted || !acceptor.is_open()) {
                            return;
                          }
                          if (!ec) {
                            socket.set_option(tcp::no_delay(true), ec);
                            std::make_shared<Connection>(std::move(socket), router, *this)->Start();
                          }
                          Accept(acceptor, router);
                        });
}

// Stop() only flips an atomic (safe from signal handlers); this timer notices it.
void Server::Impl::PollStop() {
  stop_poll.expires_after(std::chrono::milliseconds(50));
  stop_poll.async_wait([this](beast::error_code ec) {
    if (ec) {
      return;
    }
    if (!stop_requested) {
      return PollStop();
    }
    stopping = true;
    for (auto& a : acceptors) {
      beast::error_code ignored;
      a->close(ignored);
    }
    // Give in-flight requests a moment, then end the loop (idle keep-alive connections too).
    stop_poll.expires_after(std::chrono::milliseconds(500));
    stop_poll.async_wait([this](beast::error_code) { ioc.stop(); });
  });
}

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Server::~Server() {
  impl_->ioc.stop();
  impl_->workers.join();
  impl_->slow_workers.join();
}

Status Server::Listen(const std::string& host, uint16_t port, const Router& router) {
  beast::error_code ec;
  const auto address = asio::ip::make_address(host.empty() ? "0.0.0.0" : host, ec);
  if (ec) {
    return Error::InvalidArgument("cannot listen on host " + GoQuote(host) + ": " + ec.message());
  }
  auto acceptor = std::make_unique<tcp::acceptor>(impl_->ioc);
  const tcp::endpoint endpoint(address, port);
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) {
    acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  }
  if (!ec) {
    acceptor->bind(endpoint, ec);
  }
  if (!ec) {
    acceptor->listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return Error::Unavailable("cannot listen on " + (host.empty() ? "*" : host) + ":" +
                              std::to_string(port) + ": " + ec.message());
  }
  impl_->ports.push_back(acceptor->local_endpoint().port());
  impl_->Accept(*acceptor, router);
  impl_->acceptors.push_back(std::move(acceptor));
  return OkStatus();
}

uint16_t Server::BoundPort(std::size_t i) const {
  return i < impl_->ports.size() ? impl_->ports[i] : 0;
}

void Server::Run() {
  impl_->PollStop();
  std::vector<std::thread> threads;
  for (int i = 1; i < std::max(1, impl_->options.io_threads); ++i) {
    threads.emplace_back([this] { impl_->ioc.run(); });
  }
  impl_->ioc.run();
  for (auto& t : threads) {
    t.join();
  }
}

void Server::Stop() { impl_->stop_requested = true; }

}  // namespace atrium::http

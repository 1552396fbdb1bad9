// The HTTP/1.1 server: one io_context per I/O thread (a connection lives on one of them, so its
// handlers never run concurrently and need no strand), blocking handlers offloaded to two
// bounded pools, optional TLS per listener. Beast, Asio and
// OpenSSL stay in this file.
//
// Every resource a client can hold is bounded: connections (globally and per address), the time
// to send a request (one deadline, not renewed per byte), the time idle between requests, the
// drain after a 413, and the jobs waiting for a pool thread. What is over a bound is refused at
// once with a 503 or cut off, so that slow or hostile clients cannot starve the others.
#include <array>
#include <atomic>
#include <condition_variable>
#include <latch>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <unordered_map>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "base/log.h"
#include "base/strings.h"
#include "base/threads.h"
#include "http/http.h"

namespace atrium::http {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// A TLS peer that does not answer our close_notify is not waited for longer than this.
constexpr auto kTlsShutdownTimeout = std::chrono::seconds(1);
// How long the acceptor pauses after a failed accept (typically: out of descriptors), instead of
// spinning on the error.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);
constexpr std::size_t kReadChunk = 4096;

std::string ErrorBody(int code, std::string_view status, std::string_view message) {
  return R"({"error":{"code":)" + std::to_string(code) + R"(,"status":")" + std::string(status) +
         R"(","message":")" + std::string(message) + "\"}}\n";
}

Response ErrorJson(int code, std::string_view status, std::string_view message) {
  Response r;
  r.status = code;
  r.SetHeader("Content-Type", "application/json");
  r.body = ErrorBody(code, status, message);
  return r;
}

// 503 for load that the server refuses rather than queues; clients may retry after a second.
Response Busy(std::string_view message) {
  Response r = ErrorJson(503, "Service Unavailable", message);
  r.SetHeader("Retry-After", "1");
  return r;
}

// Errors after which the peer cannot receive an answer (gone, timed out, broken TLS): close.
// Everything else from the parser is a malformed request and gets a 400.
bool PeerGone(const beast::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
         ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
         ec == asio::error::eof || ec == ssl::error::stream_truncated ||
         ec.category() == asio::error::get_ssl_category();
}

// Open connections, in total and per client address.
class Admission {
 public:
  enum class Verdict { kAdmitted, kServerFull, kAddressFull };

  Admission(std::size_t max_total, std::size_t max_per_address)
      : max_total_(max_total), max_per_address_(max_per_address) {}

  Verdict TryAdmit(const std::string& address) {
    const std::lock_guard lock(mu_);
    if (total_ >= max_total_) {
      return Verdict::kServerFull;
    }
    std::size_t& mine = per_address_[address];
    if (mine >= max_per_address_) {
      if (mine == 0) {
        per_address_.erase(address);
      }
      return Verdict::kAddressFull;
    }
    ++mine;
    ++total_;
    return Verdict::kAdmitted;
  }

  void Release(const std::string& address) {
    const std::lock_guard lock(mu_);
    --total_;
    const auto it = per_address_.find(address);
    if (it != per_address_.end() && --it->second == 0) {
      per_address_.erase(it);
    }
  }

 private:
  const std::size_t max_total_;
  const std::size_t max_per_address_;
  std::mutex mu_;
  // State below is protected by mu_.
  std::size_t total_ = 0;
  std::unordered_map<std::string, std::size_t> per_address_;
};

// asio::thread_pool queues without bound; this counts the jobs that wait for a thread and refuses
// new ones once `capacity` are waiting. Its threads are named `name`.
class BoundedPool {
 public:
  BoundedPool(const char* name, int threads, std::size_t capacity)
      : pool_(static_cast<std::size_t>(std::max(1, threads))),
        capacity_(std::max<std::size_t>(1, capacity)) {
    // asio::thread_pool starts its threads itself: each names itself in a first job, which waits
    // until every thread has taken one (so that no thread takes two).
    const auto n = static_cast<std::ptrdiff_t>(std::max(1, threads));
    auto all_named = std::make_shared<std::latch>(n);
    for (std::ptrdiff_t i = 0; i < n; ++i) {
      asio::post(pool_, [name, all_named] {
        NameThisThread(name);
        all_named->arrive_and_wait();
      });
    }
  }

  // False (and the job dropped) when the queue is full.
  template <typename Job>
  bool TryPost(Job job) {
    if (waiting_.fetch_add(1) >= capacity_) {
      waiting_.fetch_sub(1);
      return false;
    }
    asio::post(pool_, [this, job = std::move(job)]() mutable {
      waiting_.fetch_sub(1);
      job();
    });
    return true;
  }

  void Join() { pool_.join(); }

 private:
  asio::thread_pool pool_;
  const std::size_t capacity_;
  std::atomic<std::size_t> waiting_{0};
};

// Logs a limit being hit at most once a second: under attack, one line per refused connection
// would itself become the problem.
class LimitLog {
 public:
  void Warn(std::string_view what) {
    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now().time_since_epoch())
                            .count();
    int64_t last = last_ms_.load();
    if (now - last < 1000 || !last_ms_.compare_exchange_strong(last, now)) {
      return;
    }
    LogWarning("http: {} (further refusals within a second are not logged)", what);
  }

 private:
  std::atomic<int64_t> last_ms_{-1000000};
};

// What connections share with the server. Members are destroyed in reverse order: connections
// still queued in the loops release their admission slot and use their TLS context, so both are
// declared before them.
struct Shared {
  explicit Shared(ServerOptions o)
      : options(std::move(o)),
        admission(options.max_connections, options.max_connections_per_ip),
        workers("atrium-work", options.worker_threads, options.queue_capacity),
        slow_workers("atrium-slow", options.slow_threads, options.queue_capacity) {
    for (int i = 0; i < std::max(1, options.io_threads); ++i) {
      loops.push_back(std::make_unique<asio::io_context>(1));
    }
  }

  // The first loop also runs the acceptors and the server's own timers.
  asio::io_context& main_loop() { return *loops.front(); }
  void StopLoops() {
    for (auto& loop : loops) {
      loop->stop();
    }
  }

  ServerOptions options;
  Admission admission;
  LimitLog limit_log;
  std::vector<std::unique_ptr<ssl::context>> tls_contexts;
  // One per I/O thread, each run by exactly one thread (concurrency hint 1: no locking inside).
  std::vector<std::unique_ptr<asio::io_context>> loops;
  BoundedPool workers;
  BoundedPool slow_workers;
  std::atomic<bool> stopping{false};

  // The Respond functions of LaterPaths still alive (each posts to a loop of this server, from
  // another thread): the server waits for the last to be gone before it ends its loops.
  struct LaterResponses {
    std::mutex mu;
    std::condition_variable none;
    int alive = 0;  // protected by mu
  };
  LaterResponses later;
  // Held by each Respond; counts it in `later` while it lives.
  class LaterTicket {
   public:
    explicit LaterTicket(LaterResponses& later) : later_(later) {
      const std::lock_guard lock(later_.mu);
      ++later_.alive;
    }
    ~LaterTicket() {
      const std::lock_guard lock(later_.mu);
      if (--later_.alive == 0) {
        later_.none.notify_all();
      }
    }
    LaterTicket(const LaterTicket&) = delete;
    LaterTicket& operator=(const LaterTicket&) = delete;

   private:
    LaterResponses& later_;
  };
  void AwaitLaterResponses() {
    std::unique_lock lock(later.mu);
    later.none.wait(lock, [this] { return later.alive == 0; });
  }
};

// One connection, written once for plain TCP and TLS streams.
template <typename Stream>
class Connection : public std::enable_shared_from_this<Connection<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  // `address` has been admitted; the slot is released when the connection is destroyed.
  Connection(tcp::socket socket, ssl::context* tls, std::string address, const Router& router,
             Shared& server)
      : stream_(MakeStream(std::move(socket), tls)),
        address_(std::move(address)),
        router_(router),
        server_(server) {}
  ~Connection() { server_.admission.Release(address_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  auto Executor() { return stream_.get_executor(); }

  void Start() {
    // The first request's deadline runs from the accept and covers the TLS handshake, so that a
    // client that connects and then stalls holds its slot no longer than a slow request would.
    Lowest().expires_after(server_.options.request_timeout);
    if constexpr (kTls) {
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) {
                                  return self->Close();
                                }
                                self->ReadRequest();
                              });
    } else {
      ReadRequest();
    }
  }

 private:
  static Stream MakeStream(tcp::socket socket, ssl::context* tls) {
    if constexpr (kTls) {
      return TlsStream(std::move(socket), *tls);
    } else {
      return PlainStream(std::move(socket));
    }
  }

  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  // Reads one request against the deadline already set on the stream (never renewed per byte).
  void ReadRequest() {
    parser_.emplace();
    parser_->body_limit(server_.options.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.max_header_bytes));
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
  }

  // Keep-alive: only the idle timeout runs until the next request's first byte arrives; from
  // there the request deadline applies.
  void AwaitNextRequest() {
    if (buffer_.size() > 0) {  // pipelined: the next request has started already
      Lowest().expires_after(server_.options.request_timeout);
      return ReadRequest();
    }
    Lowest().expires_after(server_.options.idle_timeout);
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                              if (ec) {
                                return self->Close();
                              }
                              self->buffer_.commit(n);
                              self->Lowest().expires_after(self->server_.options.request_timeout);
                              self->ReadRequest();
                            });
  }

  void OnRead(beast::error_code ec) {
    started_ = std::chrono::steady_clock::now();  // observer: the request has been read
    route_ = {};
    read_ = false;
    if (ec == bhttp::error::body_limit) {
      // Answer, then swallow what the client is still sending so that it can read the answer
      // instead of failing on a reset connection. Writing and draining share one budget that
      // starts now.
      draining_ = true;
      Lowest().expires_after(server_.options.drain_timeout);
      return Write(ErrorJson(413, "Request Entity Too Large", "http: request body too large"),
                   false, false);
    }
    if (ec == bhttp::error::header_limit) {
      return Write(
          ErrorJson(431, "Request Header Fields Too Large", "http: request headers too large"),
          false, false);
    }
    if (PeerGone(ec)) {
      return Close();
    }
    if (ec) {
      return Write(ErrorJson(400, "Bad Request", "malformed HTTP request"), false, false);
    }
    TakeRequest();
    const bool head = request_.method == "HEAD";
    const Router::Match match = router_.Find(request_.method, request_.path);
    route_ = match.pattern;  // observer
    if (match.handler == nullptr) {
      return Write(ErrorJson(405, "Method Not Allowed", "The request method is not allowed"),
                   keep_alive_, head);
    }
    if (match.execution == Execution::kInline) {
      return Write(Run(*match.handler), keep_alive_, head);
    }
    if (match.fast != nullptr) {
      if (std::optional<Response> answer = RunFast(*match.fast)) {
        return Write(*std::move(answer), keep_alive_, head);
      }
    }
    if (match.later != nullptr && RunLater(match, head)) {
      return;
    }
    Offload(*match.handler, match.execution, head);
  }

  // Runs `handler` on the pool of `execution` and posts its answer back to this connection's
  // loop (a 503 when the pool's queue is full). Callable from any thread: the request is not
  // touched until the handler runs.
  void Offload(const Handler& handler, Execution execution, bool head) {
    BoundedPool& pool = execution == Execution::kSlow ? server_.slow_workers : server_.workers;
    const bool queued = pool.TryPost([self = this->shared_from_this(), handler = &handler, head] {
      Response response = self->Run(*handler);
      asio::post(self->stream_.get_executor(),
                 [self, response = std::move(response), head]() mutable {
                   self->Write(std::move(response), self->keep_alive_, head);
                 });
    });
    if (!queued) {
      server_.limit_log.Warn("a handler queue is full, answering 503");
      asio::dispatch(stream_.get_executor(), [self = this->shared_from_this(), head] {
        self->Write(Busy("The server is busy, please retry later"), self->keep_alive_, head);
      });
    }
  }

  // Offers the request to the route's LaterPath; true when it took it (the answer is posted back
  // here, or the request handed on to the pool).
  bool RunLater(const Router::Match& match, bool head) {
    // The ticket must outlive the connection: the server may end once the last ticket is gone,
    // and a connection released after that would touch its loop. Members die in reverse order.
    struct Held {
      std::shared_ptr<Shared::LaterTicket> ticket;
      std::shared_ptr<Connection> self;
    };
    Respond respond = [held = Held{std::make_shared<Shared::LaterTicket>(server_.later),
                                   this->shared_from_this()},
                       head, handler = match.handler,
                       execution = match.execution](std::optional<Response> response) {
      const std::shared_ptr<Connection>& self = held.self;
      if (!response) {
        return self->Offload(*handler, execution, head);
      }
      asio::post(self->stream_.get_executor(),
                 [self, response = *std::move(response), head]() mutable {
                   self->Write(std::move(response), self->keep_alive_, head);
                 });
    };
    try {
      return (*match.later)(request_, std::move(respond));
    } catch (const std::exception& e) {
      LogError("handler for {} {} threw: {}", request_.method, request_.path, e.what());
    } catch (...) {
      LogError("handler for {} {} threw", request_.method, request_.path);
    }
    return false;  // it threw before taking the request: the pool runs the handler
  }

  // Moves the parsed message into request_.
  void TakeRequest() {
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
    request_.remote_address = address_;
    request_.tls = kTls;
    keep_alive_ = message.keep_alive();
    read_ = true;
  }

  // Runs a handler (or a fast path) on the current thread; what it throws becomes a logged 500.
  template <typename Answer, typename Fn>
  Answer Guarded(const Fn& fn) {
    try {
      return fn(request_);
    } catch (const std::exception& e) {
      LogError("handler for {} {} threw: {}", request_.method, request_.path, e.what());
    } catch (...) {
      LogError("handler for {} {} threw", request_.method, request_.path);
    }
    return ErrorJson(500, "Internal Server Error",
                     "An internal server error occurred, please contact the system administrator");
  }
  Response Run(const Handler& handler) { return Guarded<Response>(handler); }
  std::optional<Response> RunFast(const FastPath& fast) {
    return Guarded<std::optional<Response>>(fast);
  }

  // One answer at a time per connection: the message lives in the connection, and its fields
  // are reused from one answer to the next.
  void Write(Response response, bool keep_alive, bool head) {
    if (server_.options.observer) {
      server_.options.observer(
          Observation{read_ ? &request_ : nullptr, route_, address_, response.status,
                      std::chrono::steady_clock::now() - started_},
          response);
    }
    response_.clear();
    response_.version(11);
    response_.result(static_cast<unsigned>(response.status));
    for (auto& [name, value] : response.headers) {
      response_.insert(name, value);
    }
    if (!server_.options.server_header.empty()) {
      response_.set(bhttp::field::server, server_.options.server_header);
    }
    response_.body() = std::move(response.body);
    response_.keep_alive(keep_alive && !server_.stopping);
    response_.prepare_payload();
    if (head) {
      response_.body().clear();
    }
    if (!draining_) {
      // A client that does not read its answer is cut off like one that does not send.
      Lowest().expires_after(server_.options.request_timeout);
    }
    bhttp::async_write(stream_, response_,
                       [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                         if (ec) {
                           return self->Close();
                         }
                         if (self->draining_) {
                           return self->StartDrain();
                         }
                         if (!self->response_.keep_alive()) {
                           return self->Finish();
                         }
                         self->AwaitNextRequest();
                       });
  }

  void StartDrain() {
    if constexpr (!kTls) {
      // The FIN tells the client that the answer is complete while we keep reading. (TLS cannot
      // half-close; there the answer's Content-Length and Connection: close say the same.)
      beast::error_code ignored;
      Lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
    Drain();
  }

  // Reads and discards input until the peer closes, max_drain_bytes have passed, or the budget
  // set at the 413 runs out (the stream's deadline is deliberately not renewed here).
  void Drain() {
    stream_.async_read_some(asio::buffer(scratch_),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ >= self->server_.options.max_drain_bytes) {
                                return self->Close();
                              }
                              self->Drain();
                            });
  }

  // Orderly end after an answer with Connection: close.
  void Finish() {
    if constexpr (kTls) {
      Lowest().expires_after(kTlsShutdownTimeout);
      stream_.async_shutdown(
          [self = this->shared_from_this()](beast::error_code) { self->Close(); });
    } else {
      Close();
    }
  }

  void Close() {
    beast::error_code ignored;
    Lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    Lowest().close();
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Request request_;
  bhttp::response<bhttp::string_body> response_;
  bool keep_alive_ = false;
  std::chrono::steady_clock::time_point started_{};  // observer
  std::string_view route_;                           // observer
  bool read_ = false;                                // observer
  bool draining_ = false;
  std::size_t drained_ = 0;
  std::array<char, 16384> scratch_{};
  const std::string address_;
  const Router& router_;
  Shared& server_;
};

// A connection over a cap gets one short 503 written without waiting (a fresh socket's send
// buffer takes it unless something is badly wrong; if not, the client just sees the close) and is
// closed. Nothing is read and nothing is waited for, so refusing costs no more than accepting.
// TLS listeners close without an answer: a handshake would spend what the cap protects.
void Refuse(tcp::socket& socket, bool tls, std::string_view message) {
  beast::error_code ignored;
  if (!tls) {
    const std::string body = ErrorBody(503, "Service Unavailable", message);
    const std::string answer =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\nRetry-After: 1\r\nConnection: close\r\n\r\n" + body;
    socket.non_blocking(true, ignored);
    socket.write_some(asio::buffer(answer), ignored);
  }
  socket.shutdown(tcp::socket::shutdown_send, ignored);
  socket.close(ignored);
}

// A TLS context for one listener: TLS 1.2 or newer, the given chain and key, which must match.
Result<std::unique_ptr<ssl::context>> MakeTlsContext(const TlsOptions& tls) {
  if (tls.cert_pem.empty()) {
    return Error::InvalidArgument("TLS: the certificate is empty");
  }
  if (tls.key_pem.empty()) {
    return Error::InvalidArgument("TLS: the private key is empty");
  }
  try {
    auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::single_dh_use);
    // Without a callback OpenSSL would prompt on the terminal for an encrypted key's passphrase.
    ctx->set_password_callback(
        [](std::size_t, ssl::context::password_purpose) { return std::string(); });
    beast::error_code ec;
    ctx->use_certificate_chain(asio::buffer(tls.cert_pem), ec);
    if (ec) {
      ERR_clear_error();
      return Error::InvalidArgument("TLS: cannot use the certificate chain (PEM expected): " +
                                    ec.message());
    }
    ctx->use_private_key(asio::buffer(tls.key_pem), ssl::context::pem, ec);
    if (ec) {
      ERR_clear_error();
      if (ec.category() == asio::error::get_ssl_category() &&
          ERR_GET_REASON(static_cast<unsigned long>(ec.value())) ==  // NOLINT(google-runtime-int)
              X509_R_KEY_VALUES_MISMATCH) {
        return Error::InvalidArgument("TLS: the private key does not match the certificate");
      }
      return Error::InvalidArgument(
          "TLS: cannot use the private key (PEM, unencrypted expected): " + ec.message());
    }
    if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
      ERR_clear_error();
      return Error::InvalidArgument("TLS: the private key does not match the certificate");
    }
    return ctx;
  } catch (const boost::system::system_error& e) {
    ERR_clear_error();
    return Error::InvalidArgument(std::string("TLS: ") + e.what());
  }
}

}  // namespace

struct Server::Impl : Shared {
  explicit Impl(ServerOptions o) : Shared(std::move(o)), stop_poll(main_loop()) {}

  struct Listener {
    Listener(asio::io_context& ioc, const Router& r, ssl::context* t)
        : acceptor(ioc), retry(ioc), router(r), tls(t) {}
    tcp::acceptor acceptor;
    asio::steady_timer retry;
    const Router& router;
    ssl::context* tls;  // null: plain HTTP
  };

  std::vector<std::unique_ptr<Listener>> listeners;
  std::vector<uint16_t> ports;
  asio::steady_timer stop_poll;
  std::atomic<bool> stop_requested{false};
  std::size_t next_loop = 0;  // round robin over the loops; touched by the main loop only

  void Accept(Listener& listener);
  void Admit(Listener& listener, tcp::socket socket);
  void PollStop();
};

void Server::Impl::Accept(Listener& listener) {
  asio::io_context& loop = *loops[next_loop++ % loops.size()];
  listener.acceptor.async_accept(loop, [this, &listener](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !listener.acceptor.is_open()) {
      return;
    }
    if (ec) {
      limit_log.Warn("accept failed: " + ec.message());
      listener.retry.expires_after(kAcceptRetryDelay);
      listener.retry.async_wait([this, &listener](beast::error_code wait_ec) {
        if (!wait_ec) {
          Accept(listener);
        }
      });
      return;
    }
    Admit(listener, std::move(socket));
    Accept(listener);
  });
}

void Server::Impl::Admit(Listener& listener, tcp::socket socket) {
  beast::error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  if (ec) {
    return;  // already gone
  }
  std::string address = peer.address().to_string();
  switch (admission.TryAdmit(address)) {
    case Admission::Verdict::kServerFull:
      limit_log.Warn("max_connections reached, refusing connections");
      return Refuse(socket, listener.tls != nullptr, "too many connections");
    case Admission::Verdict::kAddressFull:
      limit_log.Warn("max_connections_per_ip reached for " + address + ", refusing connections");
      return Refuse(socket, listener.tls != nullptr, "too many connections from this address");
    case Admission::Verdict::kAdmitted:
      break;
  }
  socket.set_option(tcp::no_delay(true), ec);
  // The connection starts on its own loop: from there on only that loop's thread touches it.
  const auto start = [](auto connection) {
    const auto executor = connection->Executor();
    asio::post(executor, [connection = std::move(connection)] { connection->Start(); });
  };
  if (listener.tls != nullptr) {
    start(std::make_shared<Connection<TlsStream>>(std::move(socket), listener.tls,
                                                  std::move(address), listener.router, *this));
  } else {
    start(std::make_shared<Connection<PlainStream>>(std::move(socket), nullptr, std::move(address),
                                                    listener.router, *this));
  }
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
    for (auto& l : listeners) {
      beast::error_code ignored;
      l->acceptor.close(ignored);
      l->retry.cancel();
    }
    // Give in-flight requests a moment, then end the loop (idle keep-alive connections too).
    stop_poll.expires_after(std::chrono::milliseconds(500));
    stop_poll.async_wait([this](beast::error_code) { StopLoops(); });
  });
}

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Server::~Server() {
  // A request taken by a LaterPath is answered by its store within the store's time budgets.
  impl_->AwaitLaterResponses();
  impl_->StopLoops();
  impl_->workers.Join();
  impl_->slow_workers.Join();
}

Status Server::Listen(const std::string& host, uint16_t port, const Router& router,
                      const std::optional<TlsOptions>& tls) {
  beast::error_code ec;
  const auto address = asio::ip::make_address(host.empty() ? "0.0.0.0" : host, ec);
  if (ec) {
    return Error::InvalidArgument("cannot listen on host " + GoQuote(host) + ": " + ec.message());
  }
  ssl::context* tls_context = nullptr;
  if (tls) {
    ATRIUM_ASSIGN_OR_RETURN(auto ctx, MakeTlsContext(*tls));
    tls_context = ctx.get();
    impl_->tls_contexts.push_back(std::move(ctx));
  }
  auto listener = std::make_unique<Impl::Listener>(impl_->main_loop(), router, tls_context);
  tcp::acceptor& acceptor = listener->acceptor;
  const tcp::endpoint endpoint(address, port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) {
    acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  }
  if (!ec) {
    acceptor.bind(endpoint, ec);
  }
  if (!ec) {
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return Error::Unavailable("cannot listen on " + (host.empty() ? "*" : host) + ":" +
                              std::to_string(port) + ": " + ec.message());
  }
  const tcp::endpoint bound = acceptor.local_endpoint(ec);
  if (ec) {
    return Error::Unavailable("cannot read the bound address: " + ec.message());
  }
  impl_->ports.push_back(bound.port());
  impl_->Accept(*listener);
  impl_->listeners.push_back(std::move(listener));
  return OkStatus();
}

uint16_t Server::BoundPort(std::size_t i) const {
  return i < impl_->ports.size() ? impl_->ports[i] : 0;
}

namespace {

// Runs the loop until it is stopped. A Boost exception escaping a handler (a bug, or memory
// exhaustion) is logged and the loop resumed: it must not end the process through Run().
void RunLoop(asio::io_context& ioc) {
  for (;;) {
    try {
      ioc.run();
      return;
    } catch (const std::exception& e) {
      LogError("http: unexpected exception in the I/O loop: {}", e.what());
    }
  }
}

}  // namespace

void Server::Run() {
  impl_->PollStop();
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < impl_->loops.size(); ++i) {
    asio::io_context& loop = *impl_->loops[i];
    threads.emplace_back([&loop] {
      NameThisThread("atrium-http");
      // Kept running while it has no connection yet; StopLoops() ends it.
      const auto busy = asio::make_work_guard(loop);
      RunLoop(loop);
    });
  }
  RunLoop(impl_->main_loop());
  for (auto& t : threads) {
    t.join();
  }
}

void Server::Stop() { impl_->stop_requested = true; }

}  // namespace atrium::http

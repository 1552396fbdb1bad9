#pragma once
// A small HTTP/1.1 server on Boost.Beast, plus the request/response model, the router and the
// body and header helpers the API layer needs. Beast and Asio appear only in server.cc and
// asio_impl.cc; everything else is plain C++ so that the rest of Atrium compiles fast.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/cookie.h"
#include "base/result.h"

namespace atrium::http {

using Pairs = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;     // "GET", "POST", ... (as sent, upper case)
  std::string target;     // raw request target, "/self-service/registration?flow=..."
  std::string path;       // target before '?', percent-decoded
  std::string raw_query;  // target after '?', "" if none
  Pairs headers;          // in arrival order, names as sent
  std::string body;
  std::string remote_address;  // peer IP without port
  bool tls = false;

  // First value of a header (case-insensitive name), or nullopt.
  std::optional<std::string_view> Header(std::string_view name) const;
  // All values of a header, in order.
  std::vector<std::string_view> HeaderValues(std::string_view name) const;
  // First value of a query parameter (percent- and '+'-decoded), or nullopt.
  std::optional<std::string> Query(std::string_view name) const;
  // Every query parameter in order, decoded.
  Pairs QueryParams() const;
  // Cookies from every Cookie header, in order (name, value); values not unquoted.
  Pairs Cookies() const;
  // First cookie with this exact name.
  std::optional<std::string> Cookie(std::string_view name) const;
};

struct Response {
  int status = 200;
  Pairs headers;
  std::string body;

  // Replaces every header with this name (case-insensitive).
  void SetHeader(std::string_view name, std::string value);
  // Appends a header (for Set-Cookie).
  void AddHeader(std::string_view name, std::string value);
  std::optional<std::string_view> Header(std::string_view name) const;
};

using Handler = std::function<Response(const Request&)>;
// Runs on the I/O thread before an offloaded handler: answers at once when it can do so without
// blocking (a cache hit), or returns nullopt to send the request on to the handler's pool.
using FastPath = std::function<std::optional<Response>(const Request&)>;
// Gives a request's answer, once, from any thread. nullopt hands the request on to the route's
// handler on its pool, as if the LaterPath had not taken it.
using Respond = std::function<void(std::optional<Response>)>;
// Runs on the I/O thread like a FastPath, for answers that arrive later from another thread
// (a write the store commits in the background, a read batched with others): it either takes the
// request, and then calls `respond` exactly once, or returns false (without calling it) to send
// the request on to the handler's pool. It must not throw once it has taken the request. The
// request stays alive and unchanged until `respond` is called.
using LaterPath = std::function<bool(const Request&, Respond)>;

// Where a handler runs: on the I/O thread (cheap, non-blocking work), on the worker pool (short
// blocking work: database round trips), or on the slow pool (work that may wait long: password
// hashing, outbound HTTP). Separate pools keep quick requests from queuing behind slow ones.
enum class Execution { kInline, kOffload, kSlow };

class Router {
 public:
  // Exact path match. method "*" matches every method; a GET route also answers HEAD (no body).
  // A `fast` path, when given, is tried on the I/O thread first (see FastPath).
  // A `later` path is tried next (see LaterPath).
  void Add(std::string method, std::string path, Handler handler,
           Execution execution = Execution::kOffload, FastPath fast = {}, LaterPath later = {});
  // The same with only a LaterPath.
  void Add(std::string method, std::string path, Handler handler, Execution execution,
           LaterPath later);
  // Prefix match ("/schemas/"), tried after exact routes, longest prefix first.
  void AddPrefix(std::string method, std::string prefix, Handler handler,
                 Execution execution = Execution::kOffload);
  // Answer for unknown paths (default: 404 JSON envelope {"error":{"code":404,...}}).
  void SetNotFound(Handler handler);

  struct Match {
    const Handler* handler = nullptr;  // null: method not allowed (405 answered by the server)
    Execution execution = Execution::kOffload;
    // The matched route's pattern ("/sessions/whoami", "/schemas/*"), "" for unknown paths:
    // a bounded label for metrics and logs. Valid while the router lives.
    std::string_view pattern;
    const FastPath* fast = nullptr;    // null: none
    const LaterPath* later = nullptr;  // null: none
  };
  // The route for a request; handler is NotFound's handler for unknown paths.
  Match Find(std::string_view method, std::string_view path) const;

 private:
  struct Route {
    std::string method;
    std::string path;
    bool prefix = false;
    Handler handler;
    Execution execution;
    std::string pattern;  // path, with "*" appended for prefixes
    FastPath fast;
    LaterPath later;
  };
  std::vector<Route> routes_;  // exact routes in the order added, then prefixes, longest first
  // Exact paths -> index of their first route in routes_ (a path may have one route per method,
  // added one after the other).
  struct PathHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::vector<std::size_t>, PathHash, std::equal_to<>> exact_;
  Handler not_found_;

  void Reindex();
};

// What the server reports about each answer it is about to write (ServerOptions::observer).
struct Observation {
  const Request* request = nullptr;  // null when no request could be read (400, 413, 431)
  std::string_view route;            // Router::Match::pattern; "" when no route matched
  std::string_view remote_address;   // peer IP without port
  int status = 0;
  // From the moment the request had been read to the moment its answer is handed to the writer
  // (queueing on the worker pools included, writing excluded).
  std::chrono::steady_clock::duration duration{};
};
// Called on an I/O thread once per answer, before it is written; it may add headers to the
// answer (X-Request-Id). It must be cheap and must not block.
using Observer = std::function<void(const Observation&, Response&)>;

// What one server may hold at once, and how long a client may take. Every limit protects the
// server from slow or hostile clients: connections over a cap, requests that miss their deadline
// and jobs that find a full queue are refused early instead of piling up descriptors and memory.
struct ServerOptions {
  int io_threads = 1;
  int worker_threads = 16;                  // pool for Execution::kOffload handlers
  int slow_threads = 16;                    // pool for Execution::kSlow handlers
  std::size_t max_body_bytes = 5 << 20;     // larger bodies get 413
  std::size_t max_header_bytes = 64 << 10;  // larger headers get 431
  // Open connections, over all listeners and per client address. A connection over either cap
  // is answered 503 (Retry-After: 1) at once, without reading its request, and closed.
  std::size_t max_connections = 4096;
  std::size_t max_connections_per_ip = 128;
  // Keep-alive: how long a connection may sit between two requests before it is closed.
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(30);
  // One deadline per request, from its first byte (from the accept for a connection's first
  // request, TLS handshake included) until headers and body are read; writing the answer gets
  // the same time again. A client that trickles is cut off at the deadline.
  std::chrono::milliseconds request_timeout = std::chrono::seconds(30);
  // After a 413 the server reads and discards what the client still sends, so that the client
  // sees the answer instead of a reset. This budget is fixed at the 413, not renewed per byte.
  std::chrono::milliseconds drain_timeout = std::chrono::seconds(5);
  std::size_t max_drain_bytes = 64 << 20;
  // Jobs that may wait for a thread in each of the worker and slow pools; when a pool's queue is
  // full the request is answered 503 (Retry-After: 1) at once.
  std::size_t queue_capacity = 1024;
  std::string server_header;  // empty: no Server header
  Observer observer;          // empty: none (metrics and request logs, src/metrics)
};

// A listener's TLS material (PEM). With it the listener speaks HTTPS only.
struct TlsOptions {
  std::string cert_pem;  // the certificate chain, leaf first
  std::string key_pem;   // the leaf's private key (unencrypted)
};

// Serves any number of listeners with one io_context run by `io_threads` threads.
class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds host:port (port 0 = any free port). The router must outlive the server. With `tls`,
  // the listener terminates TLS (1.2 or newer) and requests carry `tls = true`.
  // Errors: InvalidArgument for a bad host, or for an unusable certificate or key (the reason
  // starts with "TLS: " and names which); Unavailable when the address cannot be bound.
  Status Listen(const std::string& host, uint16_t port, const Router& router,
                const std::optional<TlsOptions>& tls = std::nullopt);
  // The actually bound port of the i-th listener.
  uint16_t BoundPort(std::size_t i) const;
  // Runs until Stop(); in-flight requests finish first. Blocks the calling thread.
  void Run();
  // Thread- and async-signal-safe enough to call from a signal handler (posts to the loop).
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "application/json; charset=utf-8" -> "application/json" (lower-cased, trimmed).
std::string MediaType(std::string_view content_type);

// gddo NegotiateContentType exactly as docs/wire/registration.md §2.2.
std::string NegotiateContentType(std::optional<std::string_view> accept,
                                 const std::vector<std::string>& offers,
                                 const std::string& default_offer);

// application/x-www-form-urlencoded (Go url.ParseQuery semantics; bad escapes are an error).
Result<Pairs> ParseUrlEncoded(std::string_view body);
// multipart/form-data with the boundary from `content_type`; file parts are kept as fields.
Result<Pairs> ParseMultipart(std::string_view body, std::string_view content_type);

// "name=value; Path=/; Expires=...; Max-Age=...; HttpOnly; Secure; SameSite=Lax".
std::string FormatSetCookie(const SetCookie& cookie);

}  // namespace atrium::http

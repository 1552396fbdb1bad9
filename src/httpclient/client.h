#pragma once
// The one HTTP client for every outbound call (identity schemas, breach check, and later OIDC,
// courier, web hooks, Hydra): plain request/response values, a hard time budget per call, a
// response size limit, and connections, DNS answers and TLS sessions shared across calls.

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace atrium::httpclient {

struct Header {
  std::string name;
  std::string value;
};

struct Request {
  std::string method = "GET";
  std::string url;  // http:// or https:// only
  std::vector<Header> headers;
  std::string body;  // sent as is when not empty (set Content-Type yourself)
  // Total budget for this call, connect and transfer together; zero = the client's default.
  std::chrono::milliseconds timeout{0};
  // Largest body accepted; zero = the client's default.
  std::size_t max_response_bytes = 0;
  // Redirects (http and https only, at most 5) are followed only when asked for.
  bool follow_redirects = false;
};

struct Response {
  int status = 0;
  std::vector<Header> headers;  // of the final response, in the order received
  std::string body;

  // The first header of that name (case-insensitive), if any.
  std::optional<std::string_view> HeaderValue(std::string_view name) const;
};

struct ClientOptions {
  std::chrono::milliseconds timeout = std::chrono::seconds(10);
  std::size_t max_response_bytes = 4 << 20;
  // Idle transfer handles kept for reuse; a burst above this creates and drops handles.
  std::size_t pool_size = 16;
  std::string user_agent = "atrium";
};

// Loads and initialises libcurl once for the process; later calls are no-ops. The first request
// (or mail) does it by itself, so that a server that never calls out never loads libcurl: call
// it only to learn early that libcurl cannot be loaded or initialised (Internal).
Status GlobalInit();

class Client {
 public:
  virtual ~Client() = default;
  Client() = default;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Performs one request. Any HTTP status is a Response (the caller judges it). Errors:
  // InvalidArgument for a malformed or non-http(s) URL; GatewayTimeout when the budget ran out;
  // Unavailable when the neighbour cannot be reached (DNS, refused, reset, TLS); BadGateway when
  // it answers something that is not HTTP, or a body over the size limit. Error texts name the
  // neighbour's origin only, never the path or query (they may carry secrets). Thread-safe.
  virtual Result<Response> Do(const Request& request) = 0;
};

// The libcurl-backed client. libcurl is loaded by its first request: a failure to load it is that
// request's error (Internal).
std::unique_ptr<Client> NewClient(ClientOptions options = {});

// "https://host:port" of a URL, without user info, path or query: safe for logs and errors.
std::string OriginOf(std::string_view url);

}  // namespace atrium::httpclient

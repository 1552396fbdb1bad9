#pragma once
// The HTTP server's observer: Kratos' http_requests_total and http_requests_duration_seconds
// per route pattern, method and status, the X-Request-Id on every answer, and the request log.

#include <cstdint>
#include <memory>

#include "http/http.h"
#include "metrics/logging.h"
#include "metrics/registry.h"

namespace atrium::metrics {

class HttpMetrics final {
 public:
  // Registers the HTTP families in `registry`; `log` may be null (no request log).
  HttpMetrics(Registry& registry, RequestLog* log);

  // For http::ServerOptions::observer: counts, times, logs and sets X-Request-Id.
  void Observe(const http::Observation& exchange, http::Response& response);
  http::Observer AsObserver();

 private:
  struct Children {
    Counter* requests = nullptr;
    Histogram* duration = nullptr;
  };
  Children& ChildrenFor(std::string_view route, std::string_view method, int status);

  Family<Counter>& requests_;
  Family<Histogram>& duration_;
  RequestLog* log_;
  std::uint64_t instance_;  // keys the per-thread caches
};

// Method label: the usual methods as sent, anything else "other" (bounded cardinality).
std::string_view MethodLabel(std::string_view method);

}  // namespace atrium::metrics

#include "metrics/http_metrics.h"

#include <atomic>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace atrium::metrics {

namespace {
std::uint64_t NextInstance() {
  static std::atomic<std::uint64_t> next{0};
  return next.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

std::string_view MethodLabel(std::string_view method) {
  for (const std::string_view known :
       {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}) {
    if (method == known) {
      return known;
    }
  }
  return "other";
}

HttpMetrics::HttpMetrics(Registry& registry, RequestLog* log)
    : requests_(registry.AddCounter("http_requests_total", "number of requests",
                                    {"code", "method", "endpoint"})),
      duration_(registry.AddHistogram("http_requests_duration_seconds",
                                      "duration of a requests in seconds",
                                      {"code", "method", "endpoint"}, DefaultSecondsBuckets())),
      log_(log),
      instance_(NextInstance()) {}

HttpMetrics::Children& HttpMetrics::ChildrenFor(std::string_view route, std::string_view method,
                                                int status) {
  // Per-thread cache in front of the families' mutex: after the first request of a kind, a
  // request costs one hash lookup without locks and two relaxed atomic adds. Route patterns are
  // bounded (unknown paths are ""), methods and statuses too, so the caches stay small. The
  // cache is keyed per HttpMetrics instance (tests build several).
  thread_local std::unordered_map<std::string, Children> cache;
  thread_local std::string key;
  key.clear();
  key += std::to_string(instance_);
  key += ' ';
  key += std::to_string(status);
  key += ' ';
  key += method;
  key += ' ';
  key += route;
  auto it = cache.find(key);
  if (it == cache.end()) {
    const std::vector<std::string> labels = {std::to_string(status), std::string(method),
                                             route.empty() ? "unknown" : std::string(route)};
    it = cache.emplace(key, Children{&requests_.With(labels), &duration_.With(labels)}).first;
  }
  return it->second;
}

void HttpMetrics::Observe(const http::Observation& exchange, http::Response& response) {
  const std::string_view method =
      exchange.request != nullptr ? MethodLabel(exchange.request->method) : "other";
  Children& c = ChildrenFor(exchange.route, method, exchange.status);
  c.requests->Inc();
  c.duration->Observe(std::chrono::duration<double>(exchange.duration).count());

  std::string id;
  if (const auto set = response.Header("X-Request-Id")) {
    id = std::string(*set);
  } else {
    id = RequestIdOf(exchange.request);
    response.SetHeader("X-Request-Id", id);
  }
  if (log_ != nullptr) {
    log_->Write(exchange, id);
  }
}

http::Observer HttpMetrics::AsObserver() {
  return [this](const http::Observation& exchange, http::Response& response) {
    Observe(exchange, response);
  };
}

}  // namespace atrium::metrics

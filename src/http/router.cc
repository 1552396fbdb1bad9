#include <algorithm>

#include "http/http.h"

namespace atrium::http {
namespace {

Response NotFoundJson(const Request&) {
  Response r;
  r.status = 404;
  r.SetHeader("Content-Type", "application/json");
  r.body =
      R"({"error":{"code":404,"status":"Not Found","message":"The requested resource could not be found"}})"
      "\n";
  return r;
}

bool MethodMatches(std::string_view route, std::string_view method) {
  return route == "*" || route == method || (method == "HEAD" && route == "GET");
}

}  // namespace

void Router::Add(std::string method, std::string path, Handler handler, Execution execution) {
  std::string pattern = path;
  routes_.push_back(Route{std::move(method), std::move(path), false, std::move(handler), execution,
                          std::move(pattern)});
}

void Router::AddPrefix(std::string method, std::string prefix, Handler handler,
                       Execution execution) {
  std::string pattern = prefix + "*";
  routes_.push_back(Route{std::move(method), std::move(prefix), true, std::move(handler), execution,
                          std::move(pattern)});
  // Longest prefixes first, exact routes keep their relative order.
  std::stable_sort(routes_.begin(), routes_.end(), [](const Route& a, const Route& b) {
    return a.prefix == b.prefix ? (a.prefix && a.path.size() > b.path.size()) : !a.prefix;
  });
}

void Router::SetNotFound(Handler handler) { not_found_ = std::move(handler); }

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  const Route* known = nullptr;
  for (const Route& r : routes_) {
    const bool hit = r.prefix ? path.starts_with(r.path) : path == r.path;
    if (!hit) {
      continue;
    }
    known = known != nullptr ? known : &r;
    if (MethodMatches(r.method, method)) {
      return Match{&r.handler, r.execution, r.pattern};
    }
  }
  if (known != nullptr) {
    return Match{nullptr, Execution::kInline, known->pattern};
  }
  static const Handler kDefaultNotFound = NotFoundJson;
  return Match{not_found_ ? &not_found_ : &kDefaultNotFound, Execution::kInline, {}};
}

}  // namespace atrium::http

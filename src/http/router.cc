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

void Router::Add(std::string method, std::string path, Handler handler, Execution execution,
                 FastPath fast, LaterPath later) {
  std::string pattern = path;
  routes_.push_back(Route{std::move(method), std::move(path), false, std::move(handler), execution,
                          std::move(pattern), std::move(fast), std::move(later)});
  Reindex();
}

void Router::Add(std::string method, std::string path, Handler handler, Execution execution,
                 LaterPath later) {
  Add(std::move(method), std::move(path), std::move(handler), execution, {}, std::move(later));
}

void Router::AddPrefix(std::string method, std::string prefix, Handler handler,
                       Execution execution) {
  std::string pattern = prefix + "*";
  routes_.push_back(Route{std::move(method),
                          std::move(prefix),
                          true,
                          std::move(handler),
                          execution,
                          std::move(pattern),
                          {},
                          {}});
  // Longest prefixes first, exact routes keep their relative order.
  std::stable_sort(routes_.begin(), routes_.end(), [](const Route& a, const Route& b) {
    return a.prefix == b.prefix ? (a.prefix && a.path.size() > b.path.size()) : !a.prefix;
  });
  Reindex();
}

// Routes are added at start only; each addition rebuilds the index of exact paths.
void Router::Reindex() {
  exact_.clear();
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    if (!routes_[i].prefix) {
      exact_[routes_[i].path].push_back(i);
    }
  }
}

void Router::SetNotFound(Handler handler) { not_found_ = std::move(handler); }

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  const Route* known = nullptr;
  if (const auto it = exact_.find(path); it != exact_.end()) {
    known = &routes_[it->second.front()];
    for (const std::size_t i : it->second) {
      const Route& r = routes_[i];
      if (MethodMatches(r.method, method)) {
        return Match{&r.handler, r.execution, r.pattern, r.fast ? &r.fast : nullptr,
                     r.later ? &r.later : nullptr};
      }
    }
  }
  for (const Route& r : routes_) {
    if (!r.prefix || !path.starts_with(r.path)) {
      continue;
    }
    known = known != nullptr ? known : &r;
    if (MethodMatches(r.method, method)) {
      return Match{&r.handler, r.execution, r.pattern, nullptr};
    }
  }
  if (known != nullptr) {
    return Match{nullptr, Execution::kInline, known->pattern, nullptr};
  }
  static const Handler kDefaultNotFound = NotFoundJson;
  return Match{not_found_ ? &not_found_ : &kDefaultNotFound, Execution::kInline, {}, nullptr};
}

}  // namespace atrium::http

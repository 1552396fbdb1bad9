#include "base/strings.h"
#include "http/http.h"

namespace atrium::http {
namespace {

std::optional<std::string_view> Find(const Pairs& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) {
      return std::string_view(v);
    }
  }
  return std::nullopt;
}

// Go url.ParseQuery semantics, but lenient: malformed pairs are skipped.
Pairs ParseQueryLenient(std::string_view query) {
  Pairs out;
  for (std::string_view part : Split(query, '&')) {
    if (part.empty()) {
      continue;
    }
    const size_t eq = part.find('=');
    auto key = PercentDecode(part.substr(0, eq), true);
    auto value = eq == std::string_view::npos ? std::optional<std::string>("")
                                              : PercentDecode(part.substr(eq + 1), true);
    if (key && value) {
      out.emplace_back(std::move(*key), std::move(*value));
    }
  }
  return out;
}

}  // namespace

std::optional<std::string_view> Request::Header(std::string_view name) const {
  return Find(headers, name);
}

std::vector<std::string_view> Request::HeaderValues(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) {
      out.emplace_back(v);
    }
  }
  return out;
}

std::optional<std::string> Request::Query(std::string_view name) const {
  for (auto& [k, v] : ParseQueryLenient(raw_query)) {
    if (k == name) {
      return std::move(v);
    }
  }
  return std::nullopt;
}

Pairs Request::QueryParams() const { return ParseQueryLenient(raw_query); }

Pairs Request::Cookies() const {
  Pairs out;
  for (std::string_view line : HeaderValues("Cookie")) {
    for (std::string_view part : Split(line, ';')) {
      part = TrimSpace(part);
      if (part.empty()) {
        continue;
      }
      const size_t eq = part.find('=');
      if (eq == std::string_view::npos || eq == 0) {
        continue;
      }
      out.emplace_back(std::string(TrimSpace(part.substr(0, eq))),
                       std::string(TrimSpace(part.substr(eq + 1))));
    }
  }
  return out;
}

std::optional<std::string> Request::Cookie(std::string_view name) const {
  for (auto& [k, v] : Cookies()) {
    if (k == name) {
      return std::move(v);
    }
  }
  return std::nullopt;
}

void Response::SetHeader(std::string_view name, std::string value) {
  std::erase_if(headers, [&](const auto& h) { return EqualsIgnoreCase(h.first, name); });
  headers.emplace_back(std::string(name), std::move(value));
}

void Response::AddHeader(std::string_view name, std::string value) {
  headers.emplace_back(std::string(name), std::move(value));
}

std::optional<std::string_view> Response::Header(std::string_view name) const {
  return Find(headers, name);
}

}  // namespace atrium::http

#include "flow/return_to.h"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include "base/strings.h"
#include "flow/errors.h"

namespace atrium::flow {
namespace {

struct Parts {
  std::string scheme;
  std::string host;  // includes ":port" when present
  std::string path;
  std::string rest;  // "?query#fragment"
};

std::optional<Parts> Parse(std::string_view s, std::string* why = nullptr) {
  auto r = boost::urls::parse_uri_reference(s);
  if (!r) {
    if (why != nullptr) {
      *why = r.error().message();
    }
    return std::nullopt;
  }
  Parts p;
  p.scheme = AsciiLower(r->scheme());
  p.host = AsciiLower(r->encoded_host());
  if (r->has_port()) {
    p.host += ":" + std::string(r->port());
  }
  p.path = std::string(r->encoded_path());
  if (r->has_query()) {
    p.rest += "?" + std::string(r->encoded_query());
  }
  if (r->has_fragment()) {
    p.rest += "#" + std::string(r->encoded_fragment());
  }
  return p;
}

bool UnsafeWildcard(const std::string& host) {
  const size_t star = host.find('*');
  if (star == std::string::npos) {
    return false;
  }
  // Only a leading "*." followed by at least two labels is safe ("*.example.com").
  if (star != 0 || !host.starts_with("*.") || host.find('*', 1) != std::string::npos) {
    return true;
  }
  return host.find('.', 2) == std::string::npos;
}

}  // namespace

ReturnToPolicy::ReturnToPolicy(const std::vector<std::string>& allowed,
                               std::string_view public_base_url) {
  for (const auto& raw : allowed) {
    // A wildcard host is not a valid URI host; parse with a placeholder and restore it.
    std::string text = raw;
    std::string wildcard;
    if (const size_t star = text.find("://*"); star != std::string::npos) {
      const size_t host_end = text.find_first_of("/:?#", star + 3);
      wildcard = text.substr(
          star + 3, host_end == std::string::npos ? std::string::npos : host_end - star - 3);
      text.replace(star + 3, wildcard.size(), "wildcard.invalid");
    }
    const auto p = Parse(text);
    if (!p || p->scheme.empty() || p->host.empty() || UnsafeWildcard(AsciiLower(wildcard))) {
      continue;
    }
    Entry e{p->scheme, wildcard.empty() ? p->host : AsciiLower(wildcard), p->path};
    if (!wildcard.empty()) {
      const auto port = p->host.find(':');
      if (port != std::string::npos) {
        e.host += p->host.substr(port);
      }
    }
    entries_.push_back(std::move(e));
  }
  std::string base(public_base_url);
  if (!base.empty() && base.back() == '/') {
    base.pop_back();
  }
  if (const auto p = Parse(base + "/self-service")) {
    self_service_ = Entry{p->scheme, p->host, p->path};
    entries_.push_back(self_service_);
  }
}

bool ReturnToPolicy::Matches(const Entry& e, const std::string& scheme, const std::string& host,
                             const std::string& path) {
  if (e.scheme != scheme) {
    return false;
  }
  if (e.host.starts_with("*.")) {
    if (!host.ends_with(e.host.substr(1))) {
      return false;
    }
  } else if (e.host != host) {
    return false;
  }
  const std::string entry_path = e.path.empty() ? "/" : e.path;
  const std::string candidate_path = path.empty() ? "/" : path;
  return candidate_path.starts_with(entry_path);
}

Result<std::string> ReturnToPolicy::Resolve(std::string_view candidate,
                                            std::string_view default_url) const {
  if (candidate.empty()) {
    return std::string(default_url);
  }
  std::string why;
  auto p = Parse(candidate, &why);
  if (!p) {
    return ReturnToUnparsable(why);
  }
  if (p->scheme.empty() || p->host.empty()) {
    const auto d = Parse(default_url);
    if (d) {
      if (p->scheme.empty()) {
        p->scheme = d->scheme;
      }
      if (p->host.empty()) {
        p->host = d->host;
      }
    }
  }
  for (const auto& e : entries_) {
    if (Matches(e, p->scheme, p->host, p->path)) {
      return p->scheme + "://" + p->host + p->path + p->rest;
    }
  }
  return ReturnToForbidden(candidate);
}

bool ReturnToPolicy::IsSelfServiceUrl(std::string_view candidate) const {
  const auto p = Parse(candidate);
  return p && Matches(self_service_, p->scheme, p->host, p->path);
}

std::string QueryParam(std::string_view url, std::string_view name) {
  auto r = boost::urls::parse_uri_reference(url);
  if (!r) {
    return {};
  }
  for (const auto& param : r->params()) {
    if (param.key == name) {
      return param.value;
    }
  }
  return {};
}

}  // namespace atrium::flow

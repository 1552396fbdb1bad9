#include "config/catalogue.h"

#include "base/strings.h"

namespace atrium::config {
namespace {

constexpr std::string_view kKratosKeys =
#include "config/kratos_keys.inc"
    ;

// Atrium's own keys, in the same notation. Everything Atrium adds to Kratos' format lives under
// `atrium:`, so that a kratos.yml stays a valid Kratos configuration. The last line is a key of
// older Kratos releases (now feature_flags.password_profile_registration_node_group).
constexpr std::string_view kAtriumKeys = R"keys(
atrium object
atrium.io_threads value
atrium.worker_threads value
atrium.trusted_proxies list
atrium.trusted_proxies[] value
atrium.hashers object
atrium.hashers.workers value
atrium.hashers.queue_capacity value
atrium.limits object
atrium.limits.max_connections value
atrium.limits.max_connections_per_ip value
atrium.limits.idle_timeout value
atrium.limits.request_timeout value
atrium.limits.queue_capacity value
atrium.breach_check object
atrium.breach_check.corpus value
atrium.breach_check.timeout value
atrium.breach_check.cooldown value
atrium.login_throttling object
atrium.login_throttling.enabled value
atrium.login_throttling.max_failures_per_identifier value
atrium.login_throttling.max_failures_per_address value
atrium.login_throttling.window value
atrium.login_throttling.lockout value
atrium.login_throttling.max_lockout value
atrium.session_cache object
atrium.session_cache.ttl value
atrium.session_cache.capacity value
atrium.code_send_limits object
atrium.code_send_limits.per_address value
atrium.code_send_limits.per_flow value
atrium.oidc object
atrium.oidc.api_urls map
atrium.oidc.api_urls.* value
atrium.code_send_limits.window value
atrium.webauthn object
atrium.webauthn.authenticator_selection object
atrium.webauthn.authenticator_selection.attachment value
atrium.webauthn.authenticator_selection.resident_key value
atrium.webauthn.authenticator_selection.user_verification value
atrium.webauthn.attestation value
atrium.cleanup object
atrium.cleanup.interval value
atrium.cleanup.error_retention value
atrium.courier object
atrium.courier.send_timeout value
atrium.courier.lease value
atrium.courier.backoff value
atrium.courier.backoff_max value
atrium.web_hooks object
atrium.web_hooks.timeout value
selfservice.methods.password.config.password_profile_registration_node_group value
)keys";

Shape ParseShape(std::string_view s) {
  if (s == "object") {
    return Shape::kObject;
  }
  if (s == "open") {
    return Shape::kOpen;
  }
  if (s == "map") {
    return Shape::kMap;
  }
  if (s == "list") {
    return Shape::kList;
  }
  if (s == "value") {
    return Shape::kValue;
  }
  return Shape::kAny;
}

std::string_view KindOf(const Json& v) {
  if (v.is_object()) {
    return "a mapping";
  }
  if (v.is_array()) {
    return "a list";
  }
  return "a value";
}

}  // namespace

const Catalogue& Catalogue::Get() {
  static const Catalogue catalogue;
  return catalogue;
}

Catalogue::Catalogue() {
  Add(kKratosKeys);
  Add(kAtriumKeys);
}

void Catalogue::Add(std::string_view lines) {
  for (std::string_view line : Split(lines, '\n')) {
    line = TrimSpace(line);
    const size_t space = line.find(' ');
    if (line.empty() || space == std::string_view::npos) {
      continue;
    }
    const std::string path(line.substr(0, space));
    if (shapes_.emplace(path, ParseShape(line.substr(space + 1))).second &&
        path.find('*') == std::string::npos && path.find("[]") == std::string::npos) {
      concrete_.push_back(path);
    }
  }
}

const Shape* Catalogue::Find(std::string_view pattern) const {
  const auto it = shapes_.find(std::string(pattern));
  return it == shapes_.end() ? nullptr : &it->second;
}

void Catalogue::Check(const Json& document, std::vector<std::string>& errors) const {
  if (!document.is_object()) {
    errors.emplace_back("the configuration must be a mapping");
    return;
  }
  // The root lists the top-level keys only.
  for (const auto& [key, value] : document.items()) {
    std::string pattern = key;
    if (Find(pattern) == nullptr) {
      errors.push_back(key + ": unknown configuration key");
      continue;
    }
    CheckNode(value, pattern, key, errors);
  }
}

void Catalogue::CheckNode(const Json& node, std::string& pattern, const std::string& path,
                          std::vector<std::string>& errors) const {
  const Shape* shape = Find(pattern);
  if (shape == nullptr || node.is_null() || *shape == Shape::kAny) {
    return;
  }
  const auto fail = [&](std::string_view expected) {
    errors.push_back(path + ": expected " + std::string(expected) + ", got " +
                     std::string(KindOf(node)));
  };
  const size_t base = pattern.size();
  switch (*shape) {
    case Shape::kValue:
      if (node.is_object() || node.is_array()) {
        fail("a value");
      }
      return;
    case Shape::kList:
      if (!node.is_array()) {
        return fail("a list");
      }
      pattern += "[]";
      for (size_t i = 0; i < node.size(); ++i) {
        CheckNode(node[i], pattern, path + "." + std::to_string(i), errors);
      }
      pattern.resize(base);
      return;
    case Shape::kObject:
    case Shape::kOpen:
    case Shape::kMap:
      if (!node.is_object()) {
        return fail("a mapping");
      }
      for (const auto& [key, value] : node.items()) {
        std::string child = path;
        child.append(".").append(key);
        pattern.append(".").append(key);
        if (Find(pattern) == nullptr) {
          pattern.resize(base);
          pattern += ".*";
          if (Find(pattern) == nullptr && *shape == Shape::kObject) {
            errors.push_back(child + ": unknown configuration key");
          }
        }
        CheckNode(value, pattern, child, errors);
        pattern.resize(base);
      }
      return;
    case Shape::kAny:
      return;
  }
}

}  // namespace atrium::config

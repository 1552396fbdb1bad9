#include "config/loader.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "base/json.h"
#include "base/strings.h"
#include "base/time.h"
#include "config/bindings.h"
#include "config/catalogue.h"

extern char** environ;  // NOLINT: POSIX

namespace atrium::config {
namespace {

// ---- YAML to JSON ---------------------------------------------------------------------------

Json ScalarToJson(const YAML::Node& node) {
  const std::string& s = node.Scalar();
  if (node.Tag() == "!") {
    return s;  // quoted: always a string
  }
  if (s == "true" || s == "True" || s == "TRUE") {
    return true;
  }
  if (s == "false" || s == "False" || s == "FALSE") {
    return false;
  }
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") {
    return nullptr;
  }
  if (auto number = ParseJson(s); number.ok() && number->is_number()) {
    return std::move(number).value();
  }
  return s;
}

Json YamlToJson(const YAML::Node& node, int depth) {
  if (depth > 64) {
    return nullptr;
  }
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return ScalarToJson(node);
    case YAML::NodeType::Sequence: {
      Json out = Json::array();
      for (const auto& item : node) {
        out.push_back(YamlToJson(item, depth + 1));
      }
      return out;
    }
    case YAML::NodeType::Map: {
      Json out = Json::object();
      for (const auto& kv : node) {
        out[kv.first.as<std::string>()] = YamlToJson(kv.second, depth + 1);
      }
      return out;
    }
    default:
      return nullptr;
  }
}

Result<Json> ReadFile(const std::string& path) {
  try {
    std::ifstream in(path);
    if (!in) {
      return Error::InvalidArgument("cannot read configuration file " + GoQuote(path));
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    const YAML::Node node = YAML::Load(buffer.str());
    Json j = YamlToJson(node, 0);
    if (j.is_null()) {
      return Json::object();
    }
    if (!j.is_object()) {
      return Error::InvalidArgument(path + ": the configuration must be a mapping");
    }
    return j;
  } catch (const YAML::Exception& e) {
    return Error::InvalidArgument(path + ": " + e.what());
  }
}

// ---- environment overrides ------------------------------------------------------------------

// "selfservice.flows.registration.enabled" -> "SELFSERVICE_FLOWS_REGISTRATION_ENABLED".
std::string EnvName(std::string_view path) {
  std::string out;
  for (const char c : path) {
    out.push_back(c == '.' || c == '-'
                      ? '_'
                      : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

const std::map<std::string, std::string>& PathsByEnvName() {
  static const std::map<std::string, std::string> names = [] {
    std::map<std::string, std::string> out;
    for (const auto& path : Catalogue::Get().ConcretePaths()) {
      out.emplace(EnvName(path), path);
    }
    return out;
  }();
  return names;
}

EnvKind EnvKindOf(const std::string& path) {
  for (const auto& b : Bindings()) {
    if (b.path == path) {
      return b.env;
    }
  }
  const Shape* shape = Catalogue::Get().Find(path);
  if (shape == nullptr || *shape == Shape::kValue) {
    return EnvKind::kString;
  }
  const Shape* items = Catalogue::Get().Find(path + "[]");
  if (*shape == Shape::kList && items != nullptr && *items == Shape::kValue) {
    return EnvKind::kStringList;
  }
  return EnvKind::kJson;
}

Result<Json> EnvValue(const std::string& name, const std::string& raw, EnvKind kind) {
  switch (kind) {
    case EnvKind::kString:
      return Json(raw);
    case EnvKind::kInteger: {
      auto parsed = ParseJson(raw);
      if (!parsed.ok() || !parsed->is_number_integer()) {
        return Error::InvalidArgument(name + ": expected an integer, got " + GoQuote(raw));
      }
      return std::move(parsed).value();
    }
    case EnvKind::kBoolean:
      if (raw != "true" && raw != "false") {
        return Error::InvalidArgument(name + ": expected true or false, got " + GoQuote(raw));
      }
      return Json(raw == "true");
    case EnvKind::kStringList: {
      if (TrimSpace(raw).starts_with('[')) {
        return EnvValue(name, raw, EnvKind::kJson);
      }
      Json list = Json::array();
      for (std::string_view part : Split(raw, ',')) {
        if (!TrimSpace(part).empty()) {
          list.push_back(std::string(TrimSpace(part)));
        }
      }
      return list;
    }
    case EnvKind::kJson: {
      auto parsed = ParseJson(raw);
      if (!parsed.ok()) {
        return Error::InvalidArgument(name + ": expected JSON (" + parsed.error().reason + ")");
      }
      return std::move(parsed).value();
    }
  }
  return Json(raw);
}

// Sets `value` at the dotted `path`, creating mappings on the way.
void SetPath(Json& root, const std::string& path, Json value) {
  Json* cur = &root;
  const auto parts = Split(path, '.');
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    Json& next = (*cur)[std::string(parts[i])];
    if (!next.is_object()) {
      next = Json::object();
    }
    cur = &next;
  }
  (*cur)[std::string(parts.back())] = std::move(value);
}

Status ApplyEnvironment(Json& root, const std::map<std::string, std::string>& env) {
  for (const auto& [name, raw] : env) {
    const auto it = PathsByEnvName().find(name);
    if (it == PathsByEnvName().end()) {
      continue;
    }
    ATRIUM_ASSIGN_OR_RETURN(Json value, EnvValue(name, raw, EnvKindOf(it->second)));
    SetPath(root, it->second, std::move(value));
  }
  return OkStatus();
}

// ---- reading and warnings ----------------------------------------------------------------------

const Json* At(const Json& root, const std::string& path) {
  const Json* cur = &root;
  for (std::string_view part : Split(path, '.')) {
    if (!cur->is_object()) {
      return nullptr;
    }
    const auto it = cur->find(std::string(part));
    if (it == cur->end()) {
      return nullptr;
    }
    cur = &*it;
  }
  return cur->is_null() ? nullptr : cur;
}

// A listener speaks TLS with a certificate and a key, each from exactly one source.
void CheckTls(const std::string& path, const ServeTls& tls, std::vector<std::string>& errors) {
  for (const auto& [item, source] : {std::pair{"cert", &tls.cert}, std::pair{"key", &tls.key}}) {
    if (!source->path.empty() && !source->base64.empty()) {
      errors.push_back(path + "." + item + ": set either path or base64, not both");
    }
  }
  if (tls.cert.Set() != tls.key.Set()) {
    const std::string missing = path + (tls.cert.Set() ? ".key" : ".cert");
    const std::string given = path + (tls.cert.Set() ? ".cert" : ".key");
    errors.push_back(missing + ": missing (" + given +
                     " is set): TLS needs a certificate and a key");
  }
}

void ApplyBindings(const Json& root, Config& c, std::vector<std::string>& errors) {
  for (const auto& b : Bindings()) {
    if (const Json* v = At(root, b.path)) {
      if (std::string why = b.apply(*v, c); !why.empty()) {
        errors.push_back(b.path + ": " + why);
      }
    }
  }
  for (const auto& s : c.secrets.cookie) {
    if (s.size() < 16) {
      errors.emplace_back("secrets.cookie: every secret must be at least 16 characters long");
      break;
    }
  }
  CheckTls("serve.public.tls", c.serve_public.tls, errors);
  CheckTls("serve.admin.tls", c.serve_admin.tls, errors);
}

// Keys without behaviour in any server (CLI switches, version stamps): accepted silently.
bool Silent(const std::string& path) {
  static const std::set<std::string> keys = {"version",  "dev",         "help",         "config",
                                             "revision", "sqa-opt-out", "watch-courier"};
  return keys.contains(path);
}

// Warns once per key that is set but read by nothing: the shallowest such key of each subtree.
void WarnUnread(const Json& node, const std::string& path, std::vector<std::string>& warnings) {
  const auto& bindings = Bindings();
  const bool bound = std::any_of(bindings.begin(), bindings.end(),
                                 [&](const Binding& b) { return b.path == path; });
  if (bound || node.is_null() || Silent(path)) {
    return;
  }
  const std::string prefix = path.empty() ? "" : path + ".";
  const bool has_bound_child = std::any_of(bindings.begin(), bindings.end(), [&](const Binding& b) {
    return b.path.starts_with(prefix);
  });
  if (!has_bound_child || !node.is_object()) {
    warnings.push_back(path + ": accepted but not implemented by Atrium; ignored");
    return;
  }
  for (const auto& [key, value] : node.items()) {
    WarnUnread(value, prefix + key, warnings);
  }
}

void WarnPending(const Json& root, std::vector<std::string>& warnings) {
  for (const auto& f : PendingFeatures()) {
    const Json* v = At(root, f.path);
    const bool on = v != nullptr &&
                    (f.enabling_value.is_null() ? !v->empty() && *v != "" : *v == f.enabling_value);
    if (on) {
      warnings.push_back(f.path + ": " + f.what +
                         " is not implemented by Atrium yet; it stays off");
    }
  }
  for (const auto& b : Bindings()) {
    const Json* hooks = b.path.ends_with(".hooks") ? At(root, b.path) : nullptr;
    if (hooks == nullptr || !hooks->is_array()) {
      continue;
    }
    for (size_t i = 0; i < hooks->size(); ++i) {
      const std::string name = (*hooks)[i].value("hook", "");
      if (!HookImplemented(name, b.path)) {
        warnings.push_back(b.path + "." + std::to_string(i) + ": the " + name +
                           " hook is not implemented by Atrium yet; it is skipped");
      }
    }
  }
}

std::string WithSlash(std::string url) {
  if (!url.empty() && url.back() != '/') {
    url.push_back('/');
  }
  return url;
}

Status Finish(Config& c) {
  const auto endpoint_defaults = [&](ServeEndpoint& e, uint16_t port) {
    if (e.port == 0) {
      e.port = port;
    }
    if (c.dev && e.host.empty()) {
      e.host = "127.0.0.1";
    }
    if (e.base_url.empty()) {
      e.base_url = "http://" + (e.host.empty() ? std::string("127.0.0.1") : e.host) + ":" +
                   std::to_string(e.port) + "/";
    }
    e.configured_base_url = e.base_url;
    e.base_url = WithSlash(e.base_url);
  };
  endpoint_defaults(c.serve_public, 4433);
  endpoint_defaults(c.serve_admin, 4434);
  const std::string& pub = c.serve_public.base_url;

  std::vector<std::string> missing;
  if (c.dsn.empty()) {
    if (c.dev) {
      c.dsn = "sqlite://atrium.db";
    } else {
      missing.emplace_back("dsn");
    }
  }
  if (c.identity_schemas.empty()) {
    if (c.dev) {
      c.identity_schemas.push_back(
          IdentitySchemaRef{"default", "base64://" + Base64Encode(BuiltinIdentitySchema()), false});
      c.identity_default_schema_id = "default";
    } else {
      missing.emplace_back("identity.schemas");
    }
  }
  if (c.secrets.cookie.empty() && !c.dev) {
    missing.emplace_back("secrets.cookie");
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) {
      list += (list.empty() ? "" : "; ") + m + ": missing required key";
    }
    return Error::InvalidArgument(list);
  }
  // Atrium ships its own UI: unset UI URLs point at it (Kratos: fallback pages on ory.com).
  auto& s = c.selfservice;
  if (s.default_browser_return_url.empty()) {
    s.default_browser_return_url = pub + "ui/welcome";
  }
  if (s.login.ui_url == LoginFlow{}.ui_url) {
    s.login.ui_url = pub + "ui/login";
  }
  if (s.logout.after_default_browser_return_url.empty()) {
    // Signed out, a browser lands on the built-in sign-in page while that page is the login UI;
    // with an own login UI (also in dev mode) where Kratos sends it: the default return URL.
    s.logout.after_default_browser_return_url =
        s.login.ui_url == pub + "ui/login" ? pub + "ui/login" : s.default_browser_return_url;
  }
  if (s.registration.ui_url == RegistrationFlow{}.ui_url) {
    s.registration.ui_url = pub + "ui/registration";
  }
  if (s.verification.ui_url == VerificationFlow{}.ui_url) {
    s.verification.ui_url = pub + "ui/verification";
  }
  s.methods.link.base_url =
      s.methods.link.base_url.empty() ? pub : WithSlash(s.methods.link.base_url);
  if (s.error_ui_url == SelfService{}.error_ui_url) {
    s.error_ui_url = pub + "ui/error";
  }
  // atrium.oidc.api_urls: only for providers with a fixed user API (github, discord).
  for (const auto& [id, url] : s.methods.oidc_api_urls) {
    const auto p = std::find_if(s.methods.oidc_providers.begin(), s.methods.oidc_providers.end(),
                                [&](const OidcProvider& o) { return o.id == id; });
    if (p == s.methods.oidc_providers.end() ||
        (p->provider != "github" && p->provider != "github-app" && p->provider != "discord")) {
      return Error::InvalidArgument("atrium.oidc.api_urls." + id +
                                    ": not a github or discord provider's id");
    }
    if (!url.starts_with("http://") && !url.starts_with("https://")) {
      return Error::InvalidArgument("atrium.oidc.api_urls." + id + ": expected an http(s) URL");
    }
  }
  return OkStatus();
}

}  // namespace

Result<Config> LoadConfig(const LoadOptions& options) {
  Json root = Json::object();
  if (options.path) {
    ATRIUM_ASSIGN_OR_RETURN(root, ReadFile(*options.path));
  } else if (!options.dev) {
    return Error::InvalidArgument("a configuration file is required (or use --dev)");
  }
  ATRIUM_RETURN_IF_ERROR(ApplyEnvironment(root, options.env));

  std::vector<std::string> errors;
  Catalogue::Get().Check(root, errors);
  Config c;
  c.dev = options.dev;
  ApplyBindings(root, c, errors);
  if (!errors.empty()) {
    std::string all;
    for (const auto& e : errors) {
      all += (all.empty() ? "" : "; ") + e;
    }
    return Error::InvalidArgument("invalid configuration: " + all);
  }
  for (const auto& [key, value] : root.items()) {
    WarnUnread(value, key, c.warnings);
  }
  WarnPending(root, c.warnings);
  ATRIUM_RETURN_IF_ERROR(Finish(c));
  return c;
}

std::map<std::string, std::string> EnvironmentFromProcess() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const size_t eq = entry.find('=');
    if (eq == std::string_view::npos) {
      continue;
    }
    std::string name(entry.substr(0, eq));
    if (PathsByEnvName().contains(name)) {
      env.emplace(std::move(name), entry.substr(eq + 1));
    }
  }
  return env;
}

const std::string& BuiltinIdentitySchema() {
  static const std::string schema = R"({
  "$id": "https://atrium.local/schemas/email.schema.json",
  "$schema": "http://json-schema.org/draft-07/schema#",
  "title": "Person",
  "type": "object",
  "properties": {
    "traits": {
      "type": "object",
      "properties": {
        "email": {
          "type": "string",
          "format": "email",
          "title": "E-Mail",
          "maxLength": 320,
          "ory.sh/kratos": {
            "credentials": {
              "password": {"identifier": true},
              "webauthn": {"identifier": true},
              "passkey": {"display_name": true},
              "code": {"identifier": true, "via": "email"}
            },
            "verification": {"via": "email"},
            "recovery": {"via": "email"}
          }
        }
      },
      "required": ["email"],
      "additionalProperties": false
    }
  }
})";
  return schema;
}

}  // namespace atrium::config

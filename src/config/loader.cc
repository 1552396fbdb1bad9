#include "config/loader.h"

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "base/strings.h"
#include "base/time.h"

extern char** environ;  // NOLINT: POSIX

namespace atrium::config {
namespace {

using Json = nlohmann::json;

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
  const auto number = Json::parse(s, nullptr, false);
  if (!number.is_discarded() && number.is_number()) {
    return number;
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

// ---- the key table (drives environment overrides) --------------------------------------------

enum class Kind { kString, kInt, kBool, kList, kJson };

struct Key {
  std::string path;
  Kind kind;
};

const std::vector<Key>& Keys() {
  static const std::vector<Key> keys = [] {
    std::vector<Key> k = {
        {"dsn", Kind::kString},
        {"identity.default_schema_id", Kind::kString},
        {"identity.schemas", Kind::kJson},
        {"selfservice.default_browser_return_url", Kind::kString},
        {"selfservice.allowed_return_urls", Kind::kList},
        {"selfservice.flows.registration.enabled", Kind::kBool},
        {"selfservice.flows.registration.ui_url", Kind::kString},
        {"selfservice.flows.registration.lifespan", Kind::kString},
        {"selfservice.flows.registration.login_hints", Kind::kBool},
        {"selfservice.flows.registration.style", Kind::kString},
        {"selfservice.flows.registration.enable_legacy_one_step", Kind::kBool},
        {"selfservice.flows.registration.before.hooks", Kind::kJson},
        {"selfservice.flows.registration.after.default_browser_return_url", Kind::kString},
        {"selfservice.flows.registration.after.hooks", Kind::kJson},
        {"selfservice.flows.error.ui_url", Kind::kString},
        {"selfservice.flows.verification.enabled", Kind::kBool},
        {"selfservice.flows.verification.ui_url", Kind::kString},
        {"selfservice.flows.verification.lifespan", Kind::kString},
        {"selfservice.flows.verification.use", Kind::kString},
        {"selfservice.methods.password.enabled", Kind::kBool},
        {"selfservice.methods.password.config.min_password_length", Kind::kInt},
        {"selfservice.methods.password.config.identifier_similarity_check_enabled", Kind::kBool},
        {"selfservice.methods.password.config.haveibeenpwned_enabled", Kind::kBool},
        {"selfservice.methods.password.config.haveibeenpwned_host", Kind::kString},
        {"selfservice.methods.password.config.max_breaches", Kind::kInt},
        {"selfservice.methods.password.config.ignore_network_errors", Kind::kBool},
        {"selfservice.methods.password.config.password_profile_registration_node_group",
         Kind::kString},
        {"selfservice.methods.code.enabled", Kind::kBool},
        {"selfservice.methods.code.passwordless_enabled", Kind::kBool},
        {"selfservice.methods.code.config.lifespan", Kind::kString},
        {"selfservice.methods.code.config.max_submissions", Kind::kInt},
        {"selfservice.methods.profile.enabled", Kind::kBool},
        {"selfservice.methods.oidc.enabled", Kind::kBool},
        {"selfservice.methods.webauthn.enabled", Kind::kBool},
        {"selfservice.methods.webauthn.config.passwordless", Kind::kBool},
        {"selfservice.methods.passkey.enabled", Kind::kBool},
        {"hashers.algorithm", Kind::kString},
        {"hashers.argon2.memory", Kind::kString},
        {"hashers.argon2.iterations", Kind::kInt},
        {"hashers.argon2.parallelism", Kind::kInt},
        {"hashers.argon2.salt_length", Kind::kInt},
        {"hashers.argon2.key_length", Kind::kInt},
        {"hashers.bcrypt.cost", Kind::kInt},
        {"hashers.workers", Kind::kInt},
        {"hashers.queue_capacity", Kind::kInt},
        {"session.lifespan", Kind::kString},
        {"session.cookie.name", Kind::kString},
        {"session.cookie.persistent", Kind::kBool},
        {"session.cookie.path", Kind::kString},
        {"session.cookie.domain", Kind::kString},
        {"session.cookie.same_site", Kind::kString},
        {"session.cookie.secure", Kind::kBool},
        {"cookies.path", Kind::kString},
        {"cookies.domain", Kind::kString},
        {"cookies.same_site", Kind::kString},
        {"cookies.secure", Kind::kBool},
        {"secrets.cookie", Kind::kList},
        {"secrets.cipher", Kind::kList},
        {"log.level", Kind::kString},
        {"log.format", Kind::kString},
        {"log.leak_sensitive_values", Kind::kBool},
        {"oauth2_provider.url", Kind::kString},
        {"oauth2_provider.override_return_to", Kind::kBool},
        {"atrium.io_threads", Kind::kInt},
        {"atrium.worker_threads", Kind::kInt},
        // ---- begin atrium.breach_check (branch h2-outbound) ----
        {"atrium.breach_check.corpus", Kind::kString},
        {"atrium.breach_check.timeout", Kind::kString},
        {"atrium.breach_check.cooldown", Kind::kString},
        // ---- end atrium.breach_check ----
    };
    for (const char* side : {"public", "admin"}) {
      const std::string base = std::string("serve.") + side + ".";
      k.push_back({base + "base_url", Kind::kString});
      k.push_back({base + "host", Kind::kString});
      k.push_back({base + "port", Kind::kInt});
    }
    for (const char* m : {"password", "oidc", "code", "webauthn", "passkey", "profile"}) {
      const std::string base = std::string("selfservice.flows.registration.after.") + m + ".";
      k.push_back({base + "hooks", Kind::kJson});
      k.push_back({base + "default_browser_return_url", Kind::kString});
    }
    return k;
  }();
  return keys;
}

std::string EnvName(const std::string& path) {
  std::string out;
  for (const char c : path) {
    out.push_back(c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

Status ApplyEnvironment(Json& root, const std::map<std::string, std::string>& env) {
  for (const Key& key : Keys()) {
    const auto it = env.find(EnvName(key.path));
    if (it == env.end()) {
      continue;
    }
    const std::string& raw = it->second;
    Json value;
    switch (key.kind) {
      case Kind::kString:
        value = raw;
        break;
      case Kind::kInt: {
        const auto parsed = Json::parse(raw, nullptr, false);
        if (parsed.is_discarded() || !parsed.is_number_integer()) {
          return Error::InvalidArgument(it->first + ": expected an integer, got " + GoQuote(raw));
        }
        value = parsed;
        break;
      }
      case Kind::kBool:
        if (raw != "true" && raw != "false") {
          return Error::InvalidArgument(it->first + ": expected true or false, got " +
                                        GoQuote(raw));
        }
        value = raw == "true";
        break;
      case Kind::kList:
        value = Json::array();
        for (std::string_view part : Split(raw, ',')) {
          if (!TrimSpace(part).empty()) {
            value.push_back(std::string(TrimSpace(part)));
          }
        }
        break;
      case Kind::kJson:
        value = Json::parse(raw, nullptr, false);
        if (value.is_discarded()) {
          return Error::InvalidArgument(it->first + ": expected JSON");
        }
        break;
    }
    Json* cur = &root;
    const auto parts = Split(key.path, '.');
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      Json& next = (*cur)[std::string(parts[i])];
      if (!next.is_object()) {
        next = Json::object();
      }
      cur = &next;
    }
    (*cur)[std::string(parts.back())] = std::move(value);
  }
  return OkStatus();
}

// ---- the strict typed reader ----------------------------------------------------------------

// Kratos keys that Atrium accepts and does not use (other self-service flows, courier, ...).
const std::set<std::string>& IgnoredKeys() {
  static const std::set<std::string> keys = {
      "version",
      "dev",
      "courier",
      "feature_flags",
      "clients",
      "tracing",
      "expose-metrics-port",
      "database",
      "organizations",
      "preview",
      "serve.public.cors",
      "serve.public.request_log",
      "serve.public.tls",
      "serve.admin.request_log",
      "serve.admin.tls",
      "serve.admin.cors",
      "selfservice.flows.login",
      "selfservice.flows.logout",
      "selfservice.flows.settings",
      "selfservice.flows.recovery",
      "selfservice.methods.totp",
      "selfservice.methods.lookup_secret",
      "selfservice.methods.link",
      "selfservice.methods.saml",
      "selfservice.methods.oidc.config",
      "selfservice.methods.webauthn.config.rp",
      "selfservice.methods.passkey.config",
      "session.whoami",
      "session.earliest_possible_extend",
      "secrets.default",
      "log.redaction_text",
      "hashers.bcrypt.legacy",
      "hashers.argon2.dedicated_memory",
      "hashers.argon2.expected_duration",
      "hashers.argon2.expected_deviation",
  };
  return keys;
}

class Reader {
 public:
  Reader(const Json* node, std::string path, std::vector<std::string>& errors)
      : node_(node), path_(std::move(path)), errors_(errors) {
    if (node_ != nullptr && !node_->is_object()) {
      Fail(path_, "expected a mapping, got " + TypeOf(*node_));
      node_ = nullptr;
    }
  }
  ~Reader() { CheckUnknown(); }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  bool Has(const std::string& key) {
    known_.insert(key);
    return node_ != nullptr && node_->contains(key) && !(*node_)[key].is_null();
  }
  Reader Child(const std::string& key) {
    known_.insert(key);
    return Reader(Has(key) ? &(*node_)[key] : nullptr, Join(key), errors_);
  }
  const Json* Raw(const std::string& key) { return Has(key) ? &(*node_)[key] : nullptr; }

  void Str(const std::string& key, std::string& out) {
    if (const Json* v = Raw(key)) {
      v->is_string() ? void(out = v->get<std::string>())
                     : Fail(Join(key), "expected a string, got " + TypeOf(*v));
    }
  }
  template <typename T>
  void Int(const std::string& key, T& out, int64_t min, int64_t max) {
    if (const Json* v = Raw(key)) {
      if (!v->is_number_integer()) {
        return Fail(Join(key), "expected an integer, got " + TypeOf(*v));
      }
      const int64_t x = v->get<int64_t>();
      if (x < min || x > max) {
        return Fail(Join(key), "must be between " + std::to_string(min) + " and " +
                                   std::to_string(max) + ", got " + std::to_string(x));
      }
      out = static_cast<T>(x);
    }
  }
  void Bool(const std::string& key, bool& out) {
    if (const Json* v = Raw(key)) {
      v->is_boolean() ? void(out = v->get<bool>())
                      : Fail(Join(key), "expected a boolean, got " + TypeOf(*v));
    }
  }
  void OptBool(const std::string& key, std::optional<bool>& out) {
    bool b = false;
    if (Has(key)) {
      Bool(key, b);
      out = b;
    }
  }
  void Dur(const std::string& key, Duration& out) {
    std::string s;
    Str(key, s);
    if (s.empty()) {
      return;
    }
    if (const auto d = ParseGoDuration(s); d && d->count() > 0) {
      out = *d;
    } else {
      Fail(Join(key), "expected a duration such as \"1h\" or \"10m\", got " + GoQuote(s));
    }
  }
  void StrList(const std::string& key, std::vector<std::string>& out) {
    if (const Json* v = Raw(key)) {
      if (!v->is_array()) {
        return Fail(Join(key), "expected a list, got " + TypeOf(*v));
      }
      out.clear();
      for (size_t i = 0; i < v->size(); ++i) {
        if (!(*v)[i].is_string()) {
          Fail(Join(key) + "." + std::to_string(i), "expected a string");
          continue;
        }
        out.push_back((*v)[i].get<std::string>());
      }
    }
  }
  void OneOf(const std::string& key, std::string& out, std::initializer_list<const char*> allowed) {
    Str(key, out);
    for (const char* a : allowed) {
      if (out == a) {
        return;
      }
    }
    std::string list;
    for (const char* a : allowed) {
      list += (list.empty() ? "" : ", ") + std::string(a);
    }
    Fail(Join(key), "must be one of " + list + ", got " + GoQuote(out));
  }

  void Fail(const std::string& path, const std::string& why) {
    errors_.push_back(path + ": " + why);
  }
  std::string Join(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  const std::string& path() const { return path_; }
  const Json* node() const { return node_; }

 private:
  static std::string TypeOf(const Json& v) {
    switch (v.type()) {
      case Json::value_t::string:
        return "string";
      case Json::value_t::boolean:
        return "boolean";
      case Json::value_t::number_integer:
      case Json::value_t::number_unsigned:
        return "integer";
      case Json::value_t::number_float:
        return "number";
      case Json::value_t::array:
        return "list";
      case Json::value_t::object:
        return "mapping";
      default:
        return "null";
    }
  }

  void CheckUnknown() {
    if (node_ == nullptr) {
      return;
    }
    for (const auto& [k, v] : node_->items()) {
      if (!known_.count(k) && !IgnoredKeys().count(Join(k))) {
        errors_.push_back(Join(k) + ": unknown configuration key");
      }
    }
  }

  const Json* node_;
  std::string path_;
  std::vector<std::string>& errors_;
  std::set<std::string> known_;
};

std::optional<uint32_t> ParseByteSizeKib(const Json& v) {
  if (v.is_number_integer()) {
    return static_cast<uint32_t>(v.get<int64_t>() / 1024);
  }
  if (!v.is_string()) {
    return std::nullopt;
  }
  const std::string s = v.get<std::string>();
  size_t i = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
    ++i;
  }
  if (i == 0) {
    return std::nullopt;
  }
  const uint64_t n = std::stoull(s.substr(0, i));
  const std::string unit = AsciiLower(TrimSpace(std::string_view(s).substr(i)));
  uint64_t bytes = 0;
  if (unit.empty() || unit == "b") {
    bytes = n;
  } else if (unit == "kb" || unit == "kib" || unit == "k") {
    bytes = n << 10;
  } else if (unit == "mb" || unit == "mib" || unit == "m") {
    bytes = n << 20;
  } else if (unit == "gb" || unit == "gib" || unit == "g") {
    bytes = n << 30;
  } else {
    return std::nullopt;
  }
  return static_cast<uint32_t>(bytes / 1024);
}

void ReadHooks(Reader& r, const std::string& key, std::vector<Hook>& out) {
  const Json* v = r.Raw(key);
  if (v == nullptr) {
    return;
  }
  const std::string path = r.Join(key);
  if (!v->is_array()) {
    return r.Fail(path, "expected a list of hooks");
  }
  for (size_t i = 0; i < v->size(); ++i) {
    const Json& h = (*v)[i];
    const std::string p = path + "." + std::to_string(i);
    if (!h.is_object() || !h.contains("hook") || !h["hook"].is_string()) {
      r.Fail(p, "expected {hook: <name>, config: {...}}");
      continue;
    }
    const std::string name = h["hook"].get<std::string>();
    static const std::set<std::string> kHooks = {"session",
                                                 "verification",
                                                 "show_verification_ui",
                                                 "web_hook",
                                                 "revoke_active_sessions",
                                                 "require_verified_address",
                                                 "two_step_registration"};
    if (!kHooks.count(name)) {
      r.Fail(p + ".hook", "unknown hook " + GoQuote(name));
      continue;
    }
    out.push_back(Hook{name, h.value("config", Json())});
  }
}

void ReadEndpoint(Reader& serve, const std::string& key, ServeEndpoint& out) {
  Reader r = serve.Child(key);
  r.Str("base_url", out.base_url);
  r.Str("host", out.host);
  r.Int("port", out.port, 0, 65535);
  r.Child("socket");
}

void ReadRegistration(Reader& flows, Config& c) {
  Reader r = flows.Child("registration");
  auto& reg = c.selfservice.registration;
  r.Bool("enabled", reg.enabled);
  r.Str("ui_url", reg.ui_url);
  r.Dur("lifespan", reg.lifespan);
  r.Bool("login_hints", reg.login_hints);
  if (r.Has("style")) {
    r.OneOf("style", reg.style, {"profile_first", "unified"});
  }
  r.Bool("enable_legacy_one_step", reg.enable_legacy_one_step);
  {
    Reader before = r.Child("before");
    ReadHooks(before, "hooks", reg.before_hooks);
  }
  Reader after = r.Child("after");
  after.Str("default_browser_return_url", reg.after_default_browser_return_url);
  ReadHooks(after, "hooks", reg.after_hooks);
  for (const char* m : {"password", "oidc", "code", "webauthn", "passkey", "profile", "saml",
                        "totp", "lookup_secret"}) {
    if (!after.Has(m)) {
      after.Child(m);
      continue;
    }
    Reader method = after.Child(m);
    AfterMethod am;
    method.Str("default_browser_return_url", am.default_browser_return_url);
    ReadHooks(method, "hooks", am.hooks);
    c.selfservice.registration.after_methods[m] = std::move(am);
  }
}

void ReadSelfService(Reader& root, Config& c) {
  Reader r = root.Child("selfservice");
  auto& s = c.selfservice;
  r.Str("default_browser_return_url", s.default_browser_return_url);
  r.StrList("allowed_return_urls", s.allowed_return_urls);
  {
    Reader flows = r.Child("flows");
    ReadRegistration(flows, c);
    {
      Reader error = flows.Child("error");
      error.Str("ui_url", s.error_ui_url);
    }
    Reader verification = flows.Child("verification");
    verification.Bool("enabled", s.verification.enabled);
    verification.Str("ui_url", s.verification.ui_url);
    verification.Dur("lifespan", s.verification.lifespan);
    if (verification.Has("use")) {
      verification.OneOf("use", s.verification.use, {"code", "link"});
    }
    verification.Child("after");
    verification.Child("before");
    bool notify_unknown = false;
    verification.Bool("notify_unknown_recipients", notify_unknown);
  }
  Reader methods = r.Child("methods");
  {
    Reader password = methods.Child("password");
    auto& pw = s.methods.password;
    password.Bool("enabled", pw.enabled);
    Reader cfg = password.Child("config");
    cfg.Int("min_password_length", pw.min_password_length, 6, 4096);
    cfg.Bool("identifier_similarity_check_enabled", pw.identifier_similarity_check_enabled);
    cfg.Bool("haveibeenpwned_enabled", pw.haveibeenpwned_enabled);
    cfg.Str("haveibeenpwned_host", pw.haveibeenpwned_host);
    cfg.Int("max_breaches", pw.max_breaches, 0, 100);
    cfg.Bool("ignore_network_errors", pw.ignore_network_errors);
    if (cfg.Has("password_profile_registration_node_group")) {
      cfg.OneOf("password_profile_registration_node_group",
                pw.password_profile_registration_node_group, {"default", "password"});
    }
  }
  {
    Reader code = methods.Child("code");
    code.Bool("enabled", s.methods.code.enabled);
    code.Bool("passwordless_enabled", s.methods.code.passwordless_enabled);
    bool mfa = false;
    code.Bool("mfa_enabled", mfa);
    Reader cfg = code.Child("config");
    cfg.Dur("lifespan", s.methods.code.lifespan);
    cfg.Int("max_submissions", s.methods.code.max_submissions, 1, 1000);
  }
  {
    Reader profile = methods.Child("profile");
    profile.Bool("enabled", s.methods.profile_enabled);
  }
  {
    Reader oidc = methods.Child("oidc");
    oidc.Bool("enabled", s.methods.oidc_enabled);
  }
  {
    Reader webauthn = methods.Child("webauthn");
    webauthn.Bool("enabled", s.methods.webauthn_enabled);
    Reader cfg = webauthn.Child("config");
    cfg.Bool("passwordless", s.methods.webauthn_passwordless);
  }
  Reader passkey = methods.Child("passkey");
  passkey.Bool("enabled", s.methods.passkey_enabled);
}

void ReadHashers(Reader& root, Config& c) {
  Reader r = root.Child("hashers");
  auto& h = c.hashers;
  if (r.Has("algorithm")) {
    r.OneOf("algorithm", h.algorithm, {"argon2", "bcrypt"});
  }
  {
    Reader argon = r.Child("argon2");
    if (const Json* m = argon.Raw("memory")) {
      const auto kib = ParseByteSizeKib(*m);
      if (!kib || *kib < 8) {
        argon.Fail(argon.Join("memory"), "expected a size such as \"19MB\" (at least 8KB)");
      } else {
        h.argon2.memory_kib = *kib;
      }
    }
    argon.Int("iterations", h.argon2.iterations, 1, 1000);
    argon.Int("parallelism", h.argon2.parallelism, 1, 255);
    argon.Int("salt_length", h.argon2.salt_length, 8, 1024);
    argon.Int("key_length", h.argon2.key_length, 16, 1024);
  }
  {
    Reader bcrypt = r.Child("bcrypt");
    bcrypt.Int("cost", h.bcrypt_cost, 4, 31);
  }
  r.Int("workers", h.workers, 0, 1024);
  r.Int("queue_capacity", h.queue_capacity, 1, 1 << 20);
}

void ReadSessionAndCookies(Reader& root, Config& c) {
  {
    Reader session = root.Child("session");
    session.Dur("lifespan", c.session.lifespan);
    Reader cookie = session.Child("cookie");
    cookie.Str("name", c.session.cookie.name);
    cookie.Bool("persistent", c.session.cookie.persistent);
    cookie.Str("path", c.session.cookie.path);
    cookie.Str("domain", c.session.cookie.domain);
    if (cookie.Has("same_site")) {
      cookie.OneOf("same_site", c.session.cookie.same_site, {"Strict", "Lax", "None"});
    }
    cookie.OptBool("secure", c.session.cookie.secure);
  }
  Reader cookies = root.Child("cookies");
  cookies.Str("path", c.cookies.path);
  cookies.Str("domain", c.cookies.domain);
  if (cookies.Has("same_site")) {
    cookies.OneOf("same_site", c.cookies.same_site, {"Strict", "Lax", "None"});
  }
  cookies.OptBool("secure", c.cookies.secure);
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
    e.base_url = WithSlash(e.base_url);
  };
  endpoint_defaults(c.serve_public, 4433);
  endpoint_defaults(c.serve_admin, 4434);
  const std::string& pub = c.serve_public.base_url;

  std::vector<std::string> missing;
  if (c.dsn.empty()) {
    c.dev ? void(c.dsn = "sqlite://atrium.db") : missing.push_back("dsn");
  }
  if (c.identity_schemas.empty()) {
    if (c.dev) {
      c.identity_schemas.push_back(
          IdentitySchemaRef{"default", "base64://" + Base64Encode(BuiltinIdentitySchema()), false});
      c.identity_default_schema_id = "default";
    } else {
      missing.push_back("identity.schemas");
    }
  }
  if (c.secrets.cookie.empty() && !c.dev) {
    missing.push_back("secrets.cookie");
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
  if (s.registration.ui_url == RegistrationFlow{}.ui_url) {
    s.registration.ui_url = pub + "ui/registration";
  }
  if (s.error_ui_url == SelfService{}.error_ui_url) {
    s.error_ui_url = pub + "ui/error";
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

  Config c;
  c.dev = options.dev;
  std::vector<std::string> errors;
  {
    Reader r(&root, "", errors);
    r.Str("dsn", c.dsn);
    {
      Reader serve = r.Child("serve");
      ReadEndpoint(serve, "public", c.serve_public);
      ReadEndpoint(serve, "admin", c.serve_admin);
    }
    {
      Reader identity = r.Child("identity");
      identity.Str("default_schema_id", c.identity_default_schema_id);
      if (const Json* schemas = identity.Raw("schemas")) {
        if (!schemas->is_array()) {
          identity.Fail("identity.schemas", "expected a list");
        } else {
          for (size_t i = 0; i < schemas->size(); ++i) {
            Reader s(&(*schemas)[i], "identity.schemas." + std::to_string(i), errors);
            IdentitySchemaRef ref;
            s.Str("id", ref.id);
            s.Str("url", ref.url);
            s.Bool("selfservice_selectable", ref.selfservice_selectable);
            if (ref.id.empty() || ref.url.empty()) {
              s.Fail(s.path(), "id and url are required");
            }
            c.identity_schemas.push_back(std::move(ref));
          }
        }
      }
    }
    ReadSelfService(r, c);
    ReadHashers(r, c);
    ReadSessionAndCookies(r, c);
    {
      Reader secrets = r.Child("secrets");
      secrets.StrList("cookie", c.secrets.cookie);
      secrets.StrList("cipher", c.secrets.cipher);
      for (const auto& s : c.secrets.cookie) {
        if (s.size() < 16) {
          secrets.Fail("secrets.cookie", "every secret must be at least 16 characters long");
          break;
        }
      }
    }
    {
      Reader log = r.Child("log");
      if (log.Has("level")) {
        log.OneOf("level", c.log.level,
                  {"trace", "debug", "info", "warning", "warn", "error", "fatal", "panic"});
      }
      if (log.Has("format")) {
        log.OneOf("format", c.log.format, {"text", "json"});
      }
      bool leak = false;
      log.Bool("leak_sensitive_values", leak);
    }
    {
      Reader hydra = r.Child("oauth2_provider");
      hydra.Str("url", c.oauth2_provider.url);
      hydra.Bool("override_return_to", c.oauth2_provider.override_return_to);
      hydra.Child("headers");
    }
    Reader atrium = r.Child("atrium");
    atrium.Int("io_threads", c.io_threads, 0, 256);
    atrium.Int("worker_threads", c.worker_threads, 1, 1024);
    {
      // ---- begin atrium.breach_check (branch h2-outbound) ----
      Reader breach = atrium.Child("breach_check");
      breach.Str("corpus", c.breach_check.corpus);
      breach.Dur("timeout", c.breach_check.timeout);
      breach.Dur("cooldown", c.breach_check.cooldown);
      // ---- end atrium.breach_check ----
    }
  }
  if (!errors.empty()) {
    std::string all;
    for (const auto& e : errors) {
      all += (all.empty() ? "" : "; ") + e;
    }
    return Error::InvalidArgument("invalid configuration: " + all);
  }
  ATRIUM_RETURN_IF_ERROR(Finish(c));
  return c;
}

std::map<std::string, std::string> EnvironmentFromProcess() {
  std::set<std::string> names;
  for (const Key& key : Keys()) {
    names.insert(EnvName(key.path));
  }
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const size_t eq = entry.find('=');
    if (eq != std::string_view::npos && names.count(std::string(entry.substr(0, eq)))) {
      env.emplace(entry.substr(0, eq), entry.substr(eq + 1));
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

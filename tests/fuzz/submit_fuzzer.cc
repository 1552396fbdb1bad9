// Coverage-guided fuzzing of the whole submit path (issue 9). Each input is a short script that
// one client runs against the real public routes of an Application (api::PublicApi and the
// built-in UI, reached through Application::PublicRouter()) backed by a real SQLite file:
// create a flow as an API client, a SPA (browser flow, Accept: application/json) or a classic
// browser form post, then submit generated bodies (JSON, form, multipart, JSON inside string
// fields, deep and huge values, garbage) with generated headers and query strings, and poke the
// flow, whoami, error, UI and schema routes with what the script learnt (flow id, CSRF cookie
// and token, session token, error id) or with garbage.
//
// Requests are built the way http::Server builds them after Beast parsed the bytes (so nothing
// that Beast would refuse is sent: header values without CR/LF/NUL, bodies up to the 5 MiB
// limit), and every handler answer is checked: no exception escapes (the server would turn it
// into a 500), no 5xx (SQLite is local and healthy here) except those Kratos gives on purpose
// (kIntended5xx), no CR/LF/NUL in a response header, every JSON answer parses, no HTML answer
// contains markup sent in a request, and the password of a submit never comes back. A violation
// aborts with the request printed; sanitizer reports, timeouts, leaks and out-of-memory are
// libFuzzer's own findings. ATRIUM_FUZZ_TRACE=1 prints every exchange (=<n>: n body bytes).
//
// The same harness is built twice: fuzz_submit drives registration flows, fuzz_login (built with
// ATRIUM_FUZZ_FLOW="login") drives login flows the same way, against applications that hold
// one known identity ({{known}} in generated text names it; its password is kPassword) and
// configure the login flow as the registration one (styles, UI URLs, expiry). Logout, the
// logout URL and the session routes are among its raw requests.
//
// Three applications serve the inputs (the input's first choice picks one):
//   0: style profile_first (login: identifier_first), external UI URLs, no trusted proxies,
//      sessions expire after 1 ms, an OAuth2 provider that cannot be reached (login_challenge
//      answered 500);
//   1: style unified, the built-in UI pages (/ui/...), 127.0.0.1 a trusted proxy, sign-in
//      throttling on (off in 0 and 2, so that the known identity stays usable);
//   2: style profile_first (login: unified), external UI URLs, flows expire after 1 ms.
//
// The order in which the choices are read from the FuzzedDataProvider is the seed format:
// tests/fuzz/make_seeds.py mirrors it. Keep one choice per statement (C++ leaves the order of
// evaluation of operands unspecified), and rerun `make_seeds.py --check` after changing it.
#include <stdlib.h>  // mkdtemp

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>
#include <spdlog/spdlog.h>

#include "app/application.h"
#include "base/json.h"
#include "base/strings.h"
#include "config/loader.h"
#include "http/http.h"

namespace atrium::fuzz {
namespace {

constexpr std::size_t kMaxBody = std::size_t{5} << 20;      // http::ServerOptions::max_body_bytes
constexpr std::size_t kMaxHeaders = std::size_t{60} << 10;  // under max_header_bytes (64 KiB)
constexpr std::size_t kMaxDeepBytes = std::size_t{2} << 20;
constexpr std::string_view kPassword = "l3f9toh1uaf81n21";

#ifndef ATRIUM_FUZZ_FLOW
#define ATRIUM_FUZZ_FLOW "registration"
#endif
// The flow this binary drives: "registration" (fuzz_submit) or "login" (fuzz_login).
constexpr std::string_view kFlow = ATRIUM_FUZZ_FLOW;
constexpr bool kLogin = kFlow == "login";
// The identity that fuzz_login's applications hold (registered at start).
constexpr std::string_view kKnownEmail = "known@example.com";

// "/self-service/<flow><suffix>".
std::string FlowPath(std::string_view suffix = "") {
  return "/self-service/" + std::string(kFlow) + std::string(suffix);
}
// Markup that no page of the built-in UI contains; requests carry it (dictionary, seeds).
constexpr std::string_view kMarkup = "<x-fuzz";

// ---------------------------------------------------------------------------------------------
// The applications under test.

// Traits of every JSON type, formats, identifiers (password and code), addresses for verification
// and recovery.
constexpr std::string_view kRichSchema = R"({
  "$id": "https://atrium.test/fuzz.schema.json",
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "properties": {"traits": {"type": "object", "properties": {
    "email": {"type": "string", "format": "email", "maxLength": 320, "title": "E-Mail",
      "ory.sh/kratos": {"credentials": {"password": {"identifier": true},
                                        "code": {"identifier": true, "via": "email"}},
                        "verification": {"via": "email"}, "recovery": {"via": "email"}}},
    "username": {"type": "string", "minLength": 3, "maxLength": 64, "pattern": "^[a-z0-9_.-]+$",
      "ory.sh/kratos": {"credentials": {"password": {"identifier": true}}}},
    "phone": {"type": "string", "format": "tel", "ory.sh/kratos": {"verification": {"via": "sms"}}},
    "name": {"type": "object", "properties": {"first": {"type": "string"},
                                               "last": {"type": "string", "maxLength": 40}}},
    "age": {"type": "integer", "minimum": 0, "maximum": 150},
    "score": {"type": "number"},
    "newsletter": {"type": "boolean"},
    "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 8},
    "website": {"type": "string", "format": "uri"},
    "birthday": {"type": "string", "format": "date"}
  }, "required": ["email"], "additionalProperties": false}}
})";

constexpr std::string_view kMinimalSchema = R"({
  "$id": "https://atrium.test/minimal.schema.json",
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "properties": {"traits": {"type": "object", "properties": {
    "email": {"type": "string", "format": "email",
      "ory.sh/kratos": {"credentials": {"password": {"identifier": true}}}}
  }, "required": ["email"]}}
})";

struct Instance {
  std::unique_ptr<app::Application> app;
  const http::Router* router = nullptr;
};

std::string g_dir;                             // scratch directory: configs and databases
std::vector<Instance>* g_instances = nullptr;  // never destroyed: pools keep running until exit
bool g_trace = false;                          // ATRIUM_FUZZ_TRACE set: print every exchange
std::size_t g_trace_bytes = 300;  // ... with this much of each body (ATRIUM_FUZZ_TRACE=<bytes>)
uint64_t g_emails = 0;            // numbers the {{email}} placeholder

[[noreturn]] void Fatal(const std::string& what) {
  std::fprintf(stderr, "fuzz_submit: %s\n", what.c_str());
  std::abort();
}

std::string ConfigText(const std::string& dir, int index) {
  const bool unified = index == 1;
  Json c = {
      {"serve",
       {{"public", {{"base_url", "http://127.0.0.1:4433/"}}},
        {"admin", {{"base_url", "http://127.0.0.1:4434/"}}}}},
      {"dsn", "sqlite://" + dir + "/atrium-" + std::to_string(index) + ".db"},
      {"identity",
       {{"default_schema_id", "default"},
        {"schemas",
         {{{"id", "default"}, {"url", "base64://" + Base64Encode(kRichSchema)}},
          {{"id", "minimal"},
           {"url", "base64://" + Base64Encode(kMinimalSchema)},
           {"selfservice_selectable", true}},
          {{"id", "internal"}, {"url", "base64://" + Base64Encode(kMinimalSchema)}}}}}},
      {"selfservice",
       {{"allowed_return_urls", {"http://127.0.0.1:4455/", "https://app.example.com/"}},
        {"flows",
         {{"registration", {{"style", unified ? "unified" : "profile_first"}}},
          {"login", {{"style", index == 0 ? "identifier_first" : "unified"}}}}},
        {"methods",
         {{"password", {{"config", {{"haveibeenpwned_enabled", false}}}}},
          {"code", {{"passwordless_enabled", true}}}}}}},
      {"secrets", {{"cookie", {"a-fuzz-cookie-secret-of-32-chars!"}}}},
      // Cheap hashing: the fuzzer is after the request path, not argon2.
      {"hashers",
       {{"algorithm", "argon2"},
        {"argon2", {{"memory", "1MB"}, {"iterations", 1}, {"parallelism", 1}}}}},
      {"atrium",
       {{"worker_threads", 2},
        {"hashers", {{"workers", 1}}},
        {"login_throttling", {{"enabled", index == 1}}}}},
  };
  // Expiry paths: sessions (whoami, signed-in submits) in 0, flows (submit, fetch) in 2.
  if (index == 0) {
    c["session"] = {{"lifespan", "1ms"}};
    // Nothing listens there: a ?login_challenge= is refused with 500 (HydraUnreachable).
    c["oauth2_provider"] = {{"url", "http://127.0.0.1:4445/"}};
  }
  if (index == 2) {
    c["selfservice"]["flows"][std::string(kFlow)]["lifespan"] = "1ms";
  } else {
    // The verification hook after sign-up (a flow, a code and a queued message).
    c["selfservice"]["flows"]["verification"] = {{"enabled", true}};
  }
  if (unified) {
    c["atrium"]["trusted_proxies"] = {"127.0.0.1/32"};
  } else {
    c["selfservice"]["default_browser_return_url"] = "http://127.0.0.1:4455/welcome";
    c["selfservice"]["flows"]["registration"]["ui_url"] = "http://127.0.0.1:4455/registration";
    c["selfservice"]["flows"]["login"]["ui_url"] = "http://127.0.0.1:4455/login";
    c["selfservice"]["flows"]["error"] = {{"ui_url", "http://127.0.0.1:4455/error"}};
  }
  return DumpJson(c);  // JSON is YAML
}

Instance Start(int index) {
  const std::string path = g_dir + "/atrium-" + std::to_string(index) + ".yml";
  std::ofstream(path) << ConfigText(g_dir, index);
  config::LoadOptions options;
  options.path = path;
  options.dev = true;
  auto config = config::LoadConfig(options);
  if (!config.ok()) {
    Fatal("configuration: " + config.error().reason);
  }
  auto created = app::Application::Create(std::move(config).value());
  if (!created.ok()) {
    Fatal("application: " + created.error().reason);
  }
  Instance instance;
  instance.app = std::move(created).value();
  instance.router = &instance.app->PublicRouter();
  return instance;
}

void RemoveScratch() {
  std::error_code ignored;
  std::filesystem::remove_all(g_dir, ignored);
}

// ---------------------------------------------------------------------------------------------
// One client's state within one input.

enum class ClientKind : uint8_t { kApi, kSpa, kClassic, kMaxValue = kClassic };

struct Client {
  ClientKind kind = ClientKind::kApi;
  http::Pairs jar;  // cookies set by the server, in order
  std::string flow_id;
  std::string csrf_token;  // the flow's csrf_token node value
  std::string session_token;
  std::string error_id;

  bool Browser() const { return kind != ClientKind::kApi; }

  std::string CookieHeader() const {
    std::string out;
    for (const auto& [name, value] : jar) {
      out += (out.empty() ? "" : "; ") + name + "=" + value;
    }
    return out;
  }
};

// Generated text may name what the client learnt, so that seeds and mutations can carry a valid
// CSRF token or flow id: {{csrf}} ({{csrf_query}} escaped for form bodies), {{flow}},
// {{session}}, {{email}} (a new address each time, so that a valid sign-up stays valid on every
// run) and {{known}} (fuzz_login's registered identity).
std::string Expand(std::string s, const Client& c) {
  if (s.find("{{") == std::string::npos) {
    return s;
  }
  const auto replace = [&s](std::string_view key, const std::function<std::string()>& value) {
    for (std::size_t at = s.find(key); at != std::string::npos; at = s.find(key, at)) {
      const std::string v = value();
      s.replace(at, key.size(), v);
      at += v.size();
    }
  };
  replace("{{csrf}}", [&] { return c.csrf_token; });
  replace("{{csrf_query}}", [&] { return QueryEscape(c.csrf_token); });  // for form bodies
  replace("{{flow}}", [&] { return c.flow_id; });
  replace("{{session}}", [&] { return c.session_token; });
  replace("{{email}}", [] { return "fuzz-" + std::to_string(++g_emails) + "@example.com"; });
  replace("{{known}}", [] { return std::string(kKnownEmail); });
  return s;
}

// What a client sends, before http::Server's normalisation.
struct Outgoing {
  std::string method = "GET";
  std::string path;
  std::string query;  // raw, without '?'
  http::Pairs headers;
  std::string body;
};

// Beast accepts no controls and no space in the request target.
std::string TargetChars(std::string_view s) {
  std::string out;
  for (const char ch : s) {
    const auto b = static_cast<unsigned char>(ch);
    if (b > 0x20 && b != 0x7f) {
      out.push_back(ch);
    }
  }
  return out;
}

// Beast accepts visible characters, obs-text, space and tab in a header value, and trims it.
std::string HeaderValueChars(std::string_view s) {
  std::string out;
  for (const char ch : s) {
    const auto b = static_cast<unsigned char>(ch);
    if ((b >= 0x20 && b != 0x7f) || b == '\t') {
      out.push_back(ch);
    }
  }
  return std::string(TrimSpace(out));
}

std::string Printable(std::string_view s, std::size_t max) {
  std::string out;
  for (const char ch : s.substr(0, max)) {
    const auto b = static_cast<unsigned char>(ch);
    if (b >= 0x20 && b < 0x7f && ch != '\\') {
      out.push_back(ch);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", b);
      out += hex;
    }
  }
  if (s.size() > max) {
    out += "... (" + std::to_string(s.size()) + " bytes)";
  }
  return out;
}

[[noreturn]] void Finding(const std::string& what, const http::Request& req,
                          const http::Response* res) {
  std::string report = "\n==== fuzz_submit finding: " + what + "\n" + req.method + " " +
                       Printable(req.target, 400) + "\n";
  for (const auto& [name, value] : req.headers) {
    report += name + ": " + Printable(value, 200) + "\n";
  }
  report += "\n" + Printable(req.body, 1000) + "\n";
  if (res != nullptr) {
    report += "---- answer " + std::to_string(res->status) + "\n";
    for (const auto& [name, value] : res->headers) {
      report += name + ": " + Printable(value, 200) + "\n";
    }
    report += "\n" + Printable(res->body, 1000) + "\n";
  }
  std::fputs(report.c_str(), stderr);
  std::abort();
}

// 5xx answers that Kratos gives on purpose, for requests this configuration cannot serve.
constexpr std::string_view kIntended5xx[] = {
    // ?login_challenge= without oauth2_provider.url (Kratos: ErrInternalServerError).
    "oauth2_provider.url is invalid or unset",
};

// Application 0's Hydra (oauth2_provider.url) does not run: a ?login_challenge= there is answered
// 500 on purpose, as Kratos answers when Hydra cannot be reached (the reason stays in the log).
bool HydraUnreachable(const http::Request& req, const http::Response& res) {
  return res.status == 500 && req.raw_query.find("login_challenge") != std::string::npos;
}

// Checks an answer; returns its JSON body (null for other bodies).
Json CheckAnswer(const http::Request& req, const http::Response& res) {
  const bool intended =
      HydraUnreachable(req, res) ||
      std::any_of(std::begin(kIntended5xx), std::end(kIntended5xx),
                  [&](std::string_view r) { return res.body.find(r) != std::string::npos; });
  if (res.status < 100 || (res.status >= 500 && !intended)) {
    Finding("status " + std::to_string(res.status), req, &res);
  }
  for (const auto& [name, value] : res.headers) {
    if (name.find_first_of(std::string_view("\r\n\0:", 4)) != std::string::npos ||
        value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      Finding("control character in response header " + Printable(name, 40), req, &res);
    }
  }
  const auto type = res.Header("Content-Type");
  // The built-in UI escapes what it shows: markup sent in a request never comes back as markup.
  if (type && http::MediaType(*type) == "text/html" &&
      res.body.find(kMarkup) != std::string::npos) {
    Finding("request markup unescaped in an HTML answer", req, &res);
  }
  Json parsed;
  if (type && http::MediaType(*type) == "application/json") {
    JsonError error;
    if (!ParseJson(res.body, JsonLimits{.max_bytes = std::size_t{64} << 20, .max_depth = 1024},
                   parsed, error)) {
      Finding("JSON answer does not parse: " + error.reason, req, &res);
    }
  }
  return parsed;
}

// The value of `name` in a query string or URL ("" when absent).
std::string QueryValue(std::string_view url, std::string_view name) {
  const std::size_t q = url.find('?');
  if (q == std::string_view::npos) {
    return "";
  }
  for (const std::string_view part : Split(url.substr(q + 1), '&')) {
    if (part.size() > name.size() && part.starts_with(name) && part[name.size()] == '=') {
      return PercentDecode(part.substr(name.size() + 1), true).value_or("");
    }
  }
  return "";
}

// What a real client keeps from an answer: cookies, the flow, its CSRF token, the session token
// and the id of a stored error.
void Learn(Client& c, const http::Response& res, const Json& body) {
  for (const auto& [name, value] : res.headers) {
    if (!EqualsIgnoreCase(name, "Set-Cookie")) {
      continue;
    }
    const std::string_view pair = Split(value, ';').front();
    const std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos) {
      continue;
    }
    const std::string cookie(pair.substr(0, eq));
    std::erase_if(c.jar, [&](const auto& kv) { return kv.first == cookie; });
    if (value.find("Max-Age=0") == std::string::npos &&
        value.find("Max-Age=-") == std::string::npos) {
      c.jar.emplace_back(cookie, std::string(pair.substr(eq + 1)));
    }
  }
  if (const auto location = res.Header("Location")) {
    if (auto id = QueryValue(*location, "flow"); !id.empty()) {
      c.flow_id = std::move(id);
    } else if (auto error = QueryValue(*location, "id"); !error.empty()) {
      c.error_id = std::move(error);
    }
  }
  if (!body.is_object()) {
    return;
  }
  if (const auto token = body.find("session_token");
      token != body.end() && token->is_string() && !token->get<std::string>().empty()) {
    c.session_token = token->get<std::string>();
  }
  const auto id = body.find("id");
  const auto ui = body.find("ui");
  if (id == body.end() || !id->is_string() || ui == body.end() || !ui->is_object()) {
    return;
  }
  c.flow_id = id->get<std::string>();
  const auto nodes = ui->find("nodes");
  if (nodes == ui->end() || !nodes->is_array()) {
    return;
  }
  for (const Json& node : *nodes) {
    const Json* attributes =
        node.is_object() && node.contains("attributes") ? &node["attributes"] : nullptr;
    if (attributes != nullptr && attributes->is_object() &&
        attributes->value("name", "") == "csrf_token" && attributes->contains("value") &&
        (*attributes)["value"].is_string()) {
      c.csrf_token = (*attributes)["value"].get<std::string>();
    }
  }
}

// Sends one request through the router as http::Server would, checks and learns the answer.
// `secret` (if not empty) must not appear in the answer.
http::Response Send(const Instance& instance, Client& c, Outgoing out,
                    std::string_view secret = {}) {
  http::Request req;
  req.method = std::move(out.method);
  std::string path = TargetChars(out.path);
  if (!path.starts_with('/')) {
    path.insert(0, "/");
  }
  const std::string query = TargetChars(out.query);
  req.target = query.empty() ? path : path + "?" + query;
  // As http::Server::TakeRequest.
  const std::size_t q = req.target.find('?');
  const std::string_view raw_path = std::string_view(req.target).substr(0, q);
  req.path = PercentDecode(raw_path, false).value_or(std::string(raw_path));
  req.raw_query = q == std::string::npos ? "" : req.target.substr(q + 1);
  std::size_t header_bytes = req.target.size();
  for (auto& [name, value] : out.headers) {
    std::string v = HeaderValueChars(value);
    header_bytes += name.size() + v.size() + 4;
    req.headers.emplace_back(std::move(name), std::move(v));
  }
  if (header_bytes > kMaxHeaders) {
    return http::Response{431, {}, {}};  // answered by the server without a handler
  }
  req.body = std::move(out.body);
  if (req.body.size() > kMaxBody) {
    req.body.resize(kMaxBody);  // the server answers 413 to more: send the most it takes
  }
  req.remote_address = "127.0.0.1";

  if (g_trace) {
    std::fprintf(stderr, "> %s %s [%s] %s\n", req.method.c_str(),
                 Printable(req.target, 200).c_str(),
                 std::string(req.Header("Content-Type").value_or("-")).c_str(),
                 Printable(req.body, g_trace_bytes).c_str());
  }
  const http::Router::Match match = instance.router->Find(req.method, req.path);
  if (match.handler == nullptr) {
    return http::Response{405, {}, {}};  // answered by the server
  }
  const auto started = std::chrono::steady_clock::now();
  http::Response res;
  try {
    res = (*match.handler)(req);
  } catch (const std::exception& e) {
    Finding(std::string("handler threw (the server answers 500): ") + e.what(), req, nullptr);
  } catch (...) {
    Finding("handler threw a non-std exception (the server answers 500)", req, nullptr);
  }
  Learn(c, res, CheckAnswer(req, res));
  // Only when the request carries it nowhere else (a garbage Content-Type is quoted back).
  const bool elsewhere = req.target.find(secret) != std::string::npos ||
                         std::any_of(req.headers.begin(), req.headers.end(), [&](const auto& h) {
                           return h.second.find(secret) != std::string::npos;
                         });
  if (!secret.empty() && !elsewhere) {
    bool leaked = res.body.find(secret) != std::string::npos;
    for (const auto& [name, value] : res.headers) {
      leaked = leaked || value.find(secret) != std::string::npos;
    }
    if (leaked) {
      Finding("the answer contains the submitted password", req, &res);
    }
  }
  if (g_trace) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    std::fprintf(stderr, "< %d (%lld ms) %s %s\n", res.status, static_cast<long long>(ms),
                 std::string(res.Header("Location").value_or("")).c_str(),
                 Printable(res.body, g_trace_bytes).c_str());
  }
  return res;
}

// ---------------------------------------------------------------------------------------------
// Generated pieces of requests.

template <std::size_t N>
std::string Pick(FuzzedDataProvider& p, const std::string_view (&options)[N]) {
  return std::string(options[p.ConsumeIntegralInRange<std::size_t>(0, N - 1)]);
}

constexpr std::string_view kAccepts[] = {
    "application/json",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "*/*",
    "text/html",
    "application/json, text/plain, */*",
    "text/*;q=0.3, application/json;q=0.2",
    "application/json;q=0",
    "",
};

constexpr std::string_view kHeaderNames[] = {
    "Accept",          "Cookie",     "Origin",           "Sec-Fetch-Mode",    "X-Session-Token",
    "Authorization",   "User-Agent", "X-Forwarded-For",  "X-Forwarded-Proto", "X-Forwarded-Host",
    "True-Client-IP",  "X-Real-IP",  "Cf-Connecting-IP", "Cf-Ipcity",         "Cf-Ipcountry",
    "X-Request-ID",    "Host",       "Content-Type",     "Referer",           "Accept-Language",
    "Accept-Encoding",
};

// A plausible value for a header, using what the client learnt.
std::string CannedHeaderValue(FuzzedDataProvider& p, const Client& c, std::string_view name) {
  if (name == "Accept") {
    return Pick(p, kAccepts);
  }
  if (name == "Cookie") {
    constexpr std::string_view kCookies[] = {
        "ory_kratos_session=",    "csrf_token=", "__cf_bm=x", "a=b; c", "=;;=",
        "ory_kratos_session=\"\""};
    const std::string extra = Pick(p, kCookies);
    return c.CookieHeader() + (c.jar.empty() ? "" : "; ") + extra + p.ConsumeRandomLengthString(64);
  }
  if (name == "Origin" || name == "Referer") {
    constexpr std::string_view kOrigins[] = {"http://127.0.0.1:4455", "https://evil.example",
                                             "null", "http://127.0.0.1:4433"};
    return Pick(p, kOrigins);
  }
  if (name == "Sec-Fetch-Mode") {
    constexpr std::string_view kModes[] = {"cors", "same-origin", "navigate", "no-cors"};
    return Pick(p, kModes);
  }
  if (name == "X-Session-Token") {
    return c.session_token;
  }
  if (name == "Authorization") {
    constexpr std::string_view kSchemes[] = {"Bearer ", "bearer ", "Basic ", "Bearer", ""};
    return Pick(p, kSchemes) + c.session_token;
  }
  if (name == "X-Forwarded-For" || name.ends_with("-IP")) {
    constexpr std::string_view kIps[] = {"203.0.113.7",  "203.0.113.7, 127.0.0.1",
                                         "::1",          "1.2.3.4,  , 127.0.0.1",
                                         "fe80::1%eth0", "999.1.1.1"};
    return Pick(p, kIps);
  }
  if (name == "Accept-Language") {
    constexpr std::string_view kLanguages[] = {"de", "de-DE,de;q=0.9,en;q=0.8", "en", "*",
                                               "fr;q=0"};
    return Pick(p, kLanguages);
  }
  if (name == "Content-Type") {
    return "application/json";
  }
  return "x";
}

// Up to three extra or replacing headers, canned or garbage.
void AddHeaders(FuzzedDataProvider& p, const Client& c, http::Pairs& headers) {
  const int n = p.ConsumeIntegralInRange(0, 3);
  for (int i = 0; i < n && p.remaining_bytes() > 0; ++i) {
    const std::string name = p.ConsumeBool() ? Pick(p, kHeaderNames) : "X-Fuzz";
    std::string value = p.ConsumeBool() ? CannedHeaderValue(p, c, name)
                                        : Expand(p.ConsumeRandomLengthString(256), c);
    if (p.ConsumeBool()) {
      std::erase_if(headers, [&](const auto& h) { return EqualsIgnoreCase(h.first, name); });
    }
    headers.emplace_back(name, std::move(value));
  }
}

// The headers a client of this kind sends on its own.
http::Pairs BaseHeaders(const Client& c) {
  http::Pairs h = {{"Host", "127.0.0.1:4433"}, {"User-Agent", "fuzz/1.0"}};
  switch (c.kind) {
    case ClientKind::kApi:
      h.emplace_back("Accept", "application/json");
      break;
    case ClientKind::kSpa:
      h.emplace_back("Accept", "application/json");
      h.emplace_back("Origin", "http://127.0.0.1:4455");
      break;
    case ClientKind::kClassic:
      h.emplace_back("Accept", "text/html,application/xhtml+xml,*/*;q=0.8");
      break;
  }
  if (c.Browser() && !c.jar.empty()) {
    h.emplace_back("Cookie", c.CookieHeader());
  }
  return h;
}

std::string FlowIdForQuery(FuzzedDataProvider& p, const Client& c) {
  switch (p.ConsumeIntegralInRange(0, 7)) {
    case 0:
      return p.ConsumeRandomLengthString(48);
    case 1:
      return "00000000-0000-0000-0000-000000000000";
    case 2:
      return c.flow_id.substr(0, c.flow_id.size() / 2);
    case 3:
      return c.flow_id + "%00";
    default:
      return c.flow_id;
  }
}

// Query strings of the init endpoints (return_to, identity_schema, ...).
std::string InitQuery(FuzzedDataProvider& p) {
  std::string q;
  const int n = p.ConsumeIntegralInRange(0, 4);
  for (int i = 0; i < n && p.remaining_bytes() > 0; ++i) {
    constexpr std::string_view kParams[] = {"return_to",
                                            "identity_schema",
                                            "login_challenge",
                                            "organization",
                                            "after_verification_return_to",
                                            "return_session_token_exchange_code",
                                            "flow"};
    constexpr std::string_view kValues[] = {"http://127.0.0.1:4455/after",
                                            "https://app.example.com/x?y=1",
                                            "https://evil.example/",
                                            "minimal",
                                            "default",
                                            "true",
                                            "%ff%fe",
                                            "//evil.example",
                                            "http://127.0.0.1:4455/%0d%0aX:%20y",
                                            "internal",
                                            ""};
    const std::string param = Pick(p, kParams);
    q += (q.empty() ? "" : "&") + param + "=" +
         (p.ConsumeBool() ? Pick(p, kValues) : p.ConsumeRandomLengthString(64));
  }
  return q;
}

// ---------------------------------------------------------------------------------------------
// Generated bodies.

// One body field. `raw_json` values are JSON text (maybe invalid) that JSON bodies embed as is;
// other values are strings.
struct Field {
  std::string name;
  std::string value;
  bool raw_json = false;
};

constexpr std::string_view kFieldNames[] = {
    "method",
    "password",
    "csrf_token",
    "traits",
    "traits.email",
    "traits.username",
    "traits.phone",
    "traits.name",
    "traits.name.first",
    "traits.name.last",
    "traits.age",
    "traits.score",
    "traits.newsletter",
    "traits.tags",
    "traits.website",
    "traits.birthday",
    "traits.unknown",
    "transient_payload",
    "transient_payload.a",
    "screen",
    "provider",
    "identifier",
    "traits.tags.0",
    "traits[email]",
    "",
    "traits.",
    ".",
    "traits.name.first.x",
};

enum class ValueKind : uint8_t {
  kEmail,
  kPassword,
  kCsrf,
  kMethod,
  kScreen,
  kText,
  kJsonText,
  kDeep,
  kHuge,
  kNumber,
  kBool,
  kNull,
  kObject,
  kArray,
  kMaxValue = kArray,
};

Field MakeValue(FuzzedDataProvider& p, const Client& c, int depth);

// A JSON object or array of a few generated members, as text.
std::string Composite(FuzzedDataProvider& p, const Client& c, int depth, bool object) {
  std::string out(1, object ? '{' : '[');
  const int n = depth > 3 ? 0 : p.ConsumeIntegralInRange(0, 4);
  for (int i = 0; i < n && p.remaining_bytes() > 0; ++i) {
    if (i > 0) {
      out += ',';
    }
    if (object) {
      const std::string key = p.ConsumeBool()
                                  ? Pick(p, kFieldNames).substr(0, 8) + std::to_string(i)
                                  : p.ConsumeRandomLengthString(16);
      out += DumpJson(Json(key)) + ":";
    }
    const Field member = MakeValue(p, c, depth + 1);
    out += member.raw_json ? member.value : DumpJson(Json(member.value));
  }
  out += object ? '}' : ']';
  return out;
}

Field MakeValue(FuzzedDataProvider& p, const Client& c, int depth) {
  Field f;
  switch (p.ConsumeEnum<ValueKind>()) {
    case ValueKind::kEmail: {
      constexpr std::string_view kDomains[] = {"@example.com",           "@EXAMPLE.com", "@ex", "@",
                                               "@xn--bcher-kva.example", "@exämple.com"};
      if (p.ConsumeBool()) {
        const auto n = p.ConsumeIntegral<uint16_t>();
        // fuzz_login: every other numbered address is the known identity's local part.
        f.value = kLogin && n % 2 == 0 ? "known" : "fuzz" + std::to_string(n);
      } else {
        f.value = p.ConsumeRandomLengthString(24);
      }
      f.value += Pick(p, kDomains);
      break;
    }
    case ValueKind::kPassword:
      f.value = p.ConsumeBool() ? std::string(kPassword) : p.ConsumeRandomLengthString(80);
      break;
    case ValueKind::kCsrf:
      f.value = c.csrf_token;
      // The choice is consumed even when there is no token: the seed format does not depend on
      // what the server answered.
      if (p.ConsumeBool() && !f.value.empty()) {
        f.value[p.ConsumeIntegral<uint8_t>() % f.value.size()] ^= 1;
      }
      break;
    case ValueKind::kMethod: {
      constexpr std::string_view kMethods[] = {"password", "profile",  "profile:back",
                                               "oidc",     "code",     "webauthn",
                                               "passkey",  "Password", ""};
      f.value = Pick(p, kMethods);
      break;
    }
    case ValueKind::kScreen: {
      constexpr std::string_view kScreens[] = {"credential-selection", "previous", "", "Previous"};
      f.value = Pick(p, kScreens);
      break;
    }
    case ValueKind::kText:
      f.value = Expand(p.ConsumeRandomLengthString(256), c);
      break;
    case ValueKind::kJsonText:
      f.value = Expand(p.ConsumeRandomLengthString(512), c);
      f.raw_json = true;
      break;
    case ValueKind::kDeep: {
      // Nesting far past the parser's depth limit (64 for bodies), closed or not.
      constexpr std::string_view kOpeners[] = {R"({"a":)", "[", R"({"email":)", R"([{"a":)"};
      const std::string open = Pick(p, kOpeners);
      // Mostly around the limit; megabytes now and then (they cost most of a run's time).
      const bool big = p.ConsumeIntegralInRange(0, 7) == 0;
      const std::size_t most = big ? kMaxDeepBytes / open.size() : 256;
      const std::size_t levels = p.ConsumeIntegralInRange<std::size_t>(1, most);
      std::string close;
      for (const char ch : open) {
        if (ch == '{') {
          close.insert(close.begin(), '}');
        } else if (ch == '[') {
          close.insert(close.begin(), ']');
        }
      }
      f.value.reserve(levels * (open.size() + close.size()) + 1);
      for (std::size_t i = 0; i < levels; ++i) {
        f.value += open;
      }
      f.value += open.back() == '[' ? "" : "1";
      if (p.ConsumeBool()) {
        for (std::size_t i = 0; i < levels; ++i) {
          f.value += close;
        }
      }
      f.raw_json = true;
      break;
    }
    case ValueKind::kHuge: {
      const bool big = p.ConsumeIntegralInRange(0, 7) == 0;  // as for kDeep
      const std::size_t most = big ? std::size_t{2} << 20 : 4096;
      const std::size_t n = p.ConsumeIntegralInRange<std::size_t>(1, most);
      f.value.assign(n, static_cast<char>(p.ConsumeIntegral<uint8_t>()));
      if (p.ConsumeBool()) {
        f.value += "@example.com";
      }
      break;
    }
    case ValueKind::kNumber: {
      constexpr std::string_view kNumbers[] = {"0",
                                               "-1",
                                               "150",
                                               "151",
                                               "1e308",
                                               "1e309",
                                               "-0",
                                               "3.5",
                                               "1E2",
                                               "-9223372036854775809",
                                               "18446744073709551616",
                                               "0.1e-400"};
      f.value = p.ConsumeBool() ? Pick(p, kNumbers) : std::to_string(p.ConsumeIntegral<int64_t>());
      f.raw_json = true;
      break;
    }
    case ValueKind::kBool: {
      constexpr std::string_view kBools[] = {"true", "false", "1", "on", "TRUE"};
      f.value = Pick(p, kBools);
      f.raw_json = f.value == "true" || f.value == "false";
      break;
    }
    case ValueKind::kNull:
      f.value = "null";
      f.raw_json = true;
      break;
    case ValueKind::kObject:
      f.value = Composite(p, c, depth, true);
      f.raw_json = true;
      break;
    case ValueKind::kArray:
      f.value = Composite(p, c, depth, false);
      f.raw_json = true;
      break;
  }
  return f;
}

std::vector<Field> MakeFields(FuzzedDataProvider& p, const Client& c) {
  std::vector<Field> fields;
  const int n = p.ConsumeIntegralInRange(0, 8);
  for (int i = 0; i < n && p.remaining_bytes() > 0; ++i) {
    std::string name = p.ConsumeIntegralInRange(0, 7) == 0 ? p.ConsumeRandomLengthString(32)
                                                           : Pick(p, kFieldNames);
    Field f = MakeValue(p, c, 0);
    f.name = std::move(name);
    fields.push_back(std::move(f));
  }
  return fields;
}

// A field tree for JSON bodies that spell "traits.email" as {"traits":{"email":...}}.
struct Tree {
  std::string leaf;
  bool has_leaf = false;
  std::vector<std::string> names;  // names[i] is the key of kids[i]
  std::vector<Tree> kids;

  void Insert(std::string_view path, const std::string& text) {
    const std::size_t dot = path.find('.');
    Tree& child = Child(path.substr(0, dot));
    if (dot == std::string_view::npos) {
      child.leaf = text;
      child.has_leaf = true;
    } else {
      child.Insert(path.substr(dot + 1), text);
    }
  }
  Tree& Child(std::string_view name) {
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (names[i] == name) {
        return kids[i];
      }
    }
    names.emplace_back(name);
    return kids.emplace_back();
  }
  std::string Text() const {
    if (kids.empty()) {
      return has_leaf ? leaf : "{}";
    }
    std::string out = "{";
    for (std::size_t i = 0; i < kids.size(); ++i) {
      out += (i > 0 ? "," : "") + DumpJson(Json(names[i])) + ":" + kids[i].Text();
    }
    return out + "}";
  }
};

std::string JsonBody(FuzzedDataProvider& p, const std::vector<Field>& fields) {
  const bool nested = p.ConsumeBool();
  // JSON inside string fields: raw JSON values sent as strings ("traits": "{\"email\":...}").
  const bool stringify = p.ConsumeIntegralInRange(0, 3) == 0;
  const bool escape = p.ConsumeIntegralInRange(0, 7) != 0;  // else raw bytes between quotes
  const auto text_of = [&](const Field& f) {
    if (f.raw_json && !stringify) {
      return f.value;
    }
    return escape ? DumpJson(Json(f.value)) : "\"" + f.value + "\"";
  };
  std::string body;
  if (nested) {
    Tree root;
    for (const Field& f : fields) {
      root.Insert(f.name, text_of(f));
    }
    body = root.Text();
  } else {
    body = "{";
    for (const Field& f : fields) {
      body += (body.size() > 1 ? "," : "") + DumpJson(Json(f.name)) + ":" + text_of(f);
    }
    body += "}";
  }
  if (p.ConsumeIntegralInRange(0, 7) == 0) {
    body += p.ConsumeRandomLengthString(32);  // trailing bytes (the decoder reads one value)
  }
  return body;
}

std::string FormEscape(std::string_view s, int mode) {
  if (mode == 0) {
    return QueryEscape(s);
  }
  if (mode == 1) {
    return std::string(s);  // unescaped
  }
  std::string out;
  for (const char ch : s) {
    char hex[4];
    std::snprintf(hex, sizeof hex, "%%%02X", static_cast<unsigned char>(ch));
    out += hex;
  }
  return out;
}

std::string FormBody(FuzzedDataProvider& p, const std::vector<Field>& fields) {
  const int mode = p.ConsumeIntegralInRange(0, 2);
  std::string body;
  for (const Field& f : fields) {
    body += (body.empty() ? "" : "&") + FormEscape(f.name, mode);
    if (p.ConsumeIntegralInRange(0, 15) != 0) {
      body += "=" + FormEscape(f.value, mode);
    }
  }
  return body;
}

std::string MultipartBody(FuzzedDataProvider& p, const std::vector<Field>& fields,
                          const std::string& boundary) {
  const std::string eol = p.ConsumeIntegralInRange(0, 7) == 0 ? "\n" : "\r\n";
  std::string body;
  if (p.ConsumeIntegralInRange(0, 7) == 0) {
    body += "preamble" + eol;
  }
  for (const Field& f : fields) {
    body += "--" + boundary + eol + "Content-Disposition: form-data; name=\"" + f.name + "\"";
    if (p.ConsumeIntegralInRange(0, 7) == 0) {
      body += "; filename=\"a.json\"";
    }
    body += eol;
    if (p.ConsumeIntegralInRange(0, 7) == 0) {
      body += "Content-Type: application/json" + eol;
    }
    body += eol + f.value + eol;
  }
  if (p.ConsumeIntegralInRange(0, 7) != 0) {
    body += "--" + boundary + "--" + eol;
  }
  return body;
}

enum class BodyFormat : uint8_t { kJson, kForm, kMultipart, kRaw, kMaxValue = kRaw };

// A submit body and its Content-Type (nullopt: no header).
// `has_password` is set when a generated (not raw) body has a field "password" holding
// kPassword.
std::pair<std::string, std::optional<std::string>> MakeBody(FuzzedDataProvider& p, const Client& c,
                                                            bool& has_password) {
  const BodyFormat format = p.ConsumeEnum<BodyFormat>();
  std::string body;
  std::optional<std::string> type;
  if (format == BodyFormat::kRaw) {
    constexpr std::string_view kTypes[] = {"application/json", "application/x-www-form-urlencoded",
                                           "multipart/form-data; boundary=XyZ", "text/plain"};
    body = Expand(p.ConsumeRandomLengthString(kMaxBody), c);
    type = Pick(p, kTypes);
  } else {
    const std::vector<Field> fields = MakeFields(p, c);
    // One field named "password", holding kPassword, and no other field holding it.
    const auto named = std::count_if(fields.begin(), fields.end(),
                                     [](const Field& f) { return f.name == "password"; });
    const auto holding = std::count_if(fields.begin(), fields.end(), [](const Field& f) {
      return f.value.find(kPassword) != std::string::npos;
    });
    has_password =
        named == 1 && holding == 1 && std::any_of(fields.begin(), fields.end(), [](const Field& f) {
          return f.name == "password" && f.value == kPassword;
        });
    if (format == BodyFormat::kJson) {
      body = JsonBody(p, fields);
      constexpr std::string_view kTypes[] = {"application/json", "application/json; charset=utf-8",
                                             "Application/JSON", "application/json;"};
      type = Pick(p, kTypes);
    } else if (format == BodyFormat::kForm) {
      body = FormBody(p, fields);
      constexpr std::string_view kTypes[] = {"application/x-www-form-urlencoded",
                                             "application/x-www-form-urlencoded; charset=utf-8"};
      type = Pick(p, kTypes);
    } else {
      constexpr std::string_view kBoundaries[] = {"XyZ", "----WebKitFormBoundary7MA4YWxkTrZu0gW",
                                                  "a b", "\"q\"", "-"};
      const std::string boundary =
          p.ConsumeBool() ? Pick(p, kBoundaries) : p.ConsumeRandomLengthString(72);
      body = MultipartBody(p, fields, boundary);
      type = "multipart/form-data; boundary=" +
             (p.ConsumeIntegralInRange(0, 3) == 0 ? "\"" + boundary + "\"" : boundary);
    }
  }
  // Sometimes a wrong, odd or missing Content-Type.
  switch (p.ConsumeIntegralInRange(0, 15)) {
    case 0:
      type.reset();
      break;
    case 1:
      type = p.ConsumeRandomLengthString(64);
      break;
    case 2:
      type = "multipart/form-data";
      break;
    case 3:
      type = "application/x-www-form-urlencoded";
      break;
    default:
      break;
  }
  return {std::move(body), std::move(type)};
}

// ---------------------------------------------------------------------------------------------
// The script.

void Init(FuzzedDataProvider& p, const Instance& in, Client& c) {
  Outgoing o;
  o.path = FlowPath(c.kind == ClientKind::kApi ? "/api" : "/browser");
  o.query = p.ConsumeBool() ? InitQuery(p) : "";
  o.headers = BaseHeaders(c);
  AddHeaders(p, c, o.headers);
  const http::Response res = Send(in, c, std::move(o));
  if (c.kind == ClientKind::kClassic && res.status == 303 && !c.flow_id.empty()) {
    // A server-rendered UI fetches the flow (with the CSRF cookie) to render the form.
    Outgoing fetch;
    fetch.path = FlowPath("/flows");
    fetch.query = "id=" + c.flow_id;
    fetch.headers = BaseHeaders(c);
    Send(in, c, std::move(fetch));
  }
}

void Submit(FuzzedDataProvider& p, const Instance& in, Client& c) {
  Outgoing o;
  constexpr std::string_view kMethods[] = {"POST", "POST", "POST", "POST", "GET", "PUT"};
  o.method = Pick(p, kMethods);
  o.path = FlowPath();
  o.query = "flow=" + FlowIdForQuery(p, c);
  if (p.ConsumeIntegralInRange(0, 7) == 0) {
    o.query =
        p.ConsumeBool() ? Expand(p.ConsumeRandomLengthString(64), c) : o.query + "&" + InitQuery(p);
  }
  o.headers = BaseHeaders(c);
  bool has_password = false;
  auto [body, type] = MakeBody(p, c, has_password);
  o.body = std::move(body);
  if (type) {
    o.headers.emplace_back("Content-Type", std::move(*type));
  }
  AddHeaders(p, c, o.headers);
  // The password must never come back. Checked when the body holds it once, in the password
  // field (elsewhere, e.g. in a trait or transient_payload, echoing it is right).
  std::string_view secret;
  if (has_password && o.body.find(kPassword) != std::string::npos &&
      o.body.find(kPassword) == o.body.rfind(kPassword)) {
    secret = kPassword;
  }
  Send(in, c, std::move(o), secret);
}

void FetchFlow(FuzzedDataProvider& p, const Instance& in, Client& c) {
  Outgoing o;
  o.path = FlowPath("/flows");
  o.query = "id=" + FlowIdForQuery(p, c);
  o.headers = BaseHeaders(c);
  AddHeaders(p, c, o.headers);
  Send(in, c, std::move(o));
}

void WhoAmI(FuzzedDataProvider& p, const Instance& in, Client& c) {
  Outgoing o;
  constexpr std::string_view kMethods[] = {"GET", "POST", "DELETE", "HEAD"};
  o.method = Pick(p, kMethods);
  o.path = "/sessions/whoami";
  o.headers = BaseHeaders(c);
  std::string token = p.ConsumeBool() ? c.session_token : p.ConsumeRandomLengthString(80);
  switch (p.ConsumeIntegralInRange(0, 3)) {
    case 0:
      o.headers.emplace_back("X-Session-Token", std::move(token));
      break;
    case 1:
      o.headers.emplace_back("Authorization", "Bearer " + token);
      break;
    case 2:
      o.headers.emplace_back("Cookie", "ory_kratos_session=" + token);
      break;
    default:
      break;  // the cookie jar only
  }
  AddHeaders(p, c, o.headers);
  Send(in, c, std::move(o));
}

void GetError(FuzzedDataProvider& p, const Instance& in, Client& c) {
  Outgoing o;
  o.path = "/self-service/errors";
  constexpr std::string_view kIds[] = {"stub:500", "", "00000000-0000-0000-0000-000000000000",
                                       "%ff"};
  const std::string id = p.ConsumeBool()   ? c.error_id
                         : p.ConsumeBool() ? Pick(p, kIds)
                                           : p.ConsumeRandomLengthString(48);
  o.query = (p.ConsumeBool() ? "id=" : "error=") + id;
  o.headers = BaseHeaders(c);
  AddHeaders(p, c, o.headers);
  Send(in, c, std::move(o));
}

void UiPage(FuzzedDataProvider& p, const Instance& in, Client& c) {
  Outgoing o;
  constexpr std::string_view kPages[] = {"/ui/registration", "/ui/error", "/ui/welcome", "/ui"};
  constexpr std::string_view kLoginPages[] = {"/ui/login", "/ui/error", "/ui/welcome", "/ui"};
  o.path = Pick(p, kLogin ? kLoginPages : kPages);
  o.query = o.path == "/ui/error" ? "id=" + (p.ConsumeBool() ? c.error_id : "stub:500")
                                  : "flow=" + FlowIdForQuery(p, c);
  o.headers = BaseHeaders(c);
  o.headers.emplace_back("Accept", "text/html");
  AddHeaders(p, c, o.headers);
  Send(in, c, std::move(o));
}

void Schemas(FuzzedDataProvider& p, const Instance& in, Client& c) {
  Outgoing o;
  constexpr std::string_view kIds[] = {"default",      "minimal", "ZGVmYXVsdA",
                                       "bWluaW1hbA==", "",        "%2e%2e"};
  o.path = p.ConsumeIntegralInRange(0, 3) == 0
               ? "/schemas"
               : "/schemas/" + (p.ConsumeBool() ? Pick(p, kIds) : p.ConsumeRandomLengthString(48));
  o.headers = BaseHeaders(c);
  Send(in, c, std::move(o));
}

// Anything at all: method, path, query, headers, body.
void Raw(FuzzedDataProvider& p, const Instance& in, Client& c) {
  Outgoing o;
  constexpr std::string_view kMethods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  o.method = Pick(p, kMethods);
  constexpr std::string_view kPaths[] = {"/self-service/registration",
                                         "/self-service/registration/browser",
                                         "/self-service/registration/api",
                                         "/self-service/registration/flows",
                                         "/self-service/errors",
                                         "/sessions/whoami",
                                         "/health/ready",
                                         "/ui/registration"};
  constexpr std::string_view kLoginPaths[] = {"/self-service/login",
                                              "/self-service/logout/browser",
                                              "/self-service/logout",
                                              "/self-service/logout/api",
                                              "/sessions",
                                              "/sessions/whoami",
                                              "/self-service/login/flows",
                                              "/ui/login"};
  o.path =
      p.ConsumeBool() ? Pick(p, kLogin ? kLoginPaths : kPaths) : p.ConsumeRandomLengthString(64);
  o.query = Expand(p.ConsumeRandomLengthString(128), c);
  o.headers = BaseHeaders(c);
  AddHeaders(p, c, o.headers);
  o.body = Expand(p.ConsumeRandomLengthString(4096), c);
  Send(in, c, std::move(o));
}

// fuzz_login: signs up kKnownEmail with kPassword through the API (profile first, then the
// password, which a unified form also takes).
void RegisterKnownIdentity(const Instance& in) {
  // Not traced: make_seeds.py --check reads the trace of the input alone.
  const bool trace = std::exchange(g_trace, false);
  Client c;
  Outgoing init;
  init.method = "GET";
  init.path = "/self-service/registration/api";
  Send(in, c, std::move(init));
  const std::string traits = R"("traits":{"email":")" + std::string(kKnownEmail) + R"("})";
  const std::string bodies[] = {
      R"({"method":"profile",)" + traits + "}",
      R"({"method":"password","password":")" + std::string(kPassword) + R"(",)" + traits + "}"};
  int status = 0;
  for (const std::string& body : bodies) {
    Outgoing submit;
    submit.method = "POST";
    submit.path = "/self-service/registration";
    submit.query = "flow=" + c.flow_id;
    submit.headers = {{"Accept", "application/json"}, {"Content-Type", "application/json"}};
    submit.body = body;
    status = Send(in, c, std::move(submit)).status;
  }
  g_trace = trace;
  if (status != 200) {
    Fatal("cannot sign up the known identity: status " + std::to_string(status));
  }
}

}  // namespace
}  // namespace atrium::fuzz

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  using namespace atrium::fuzz;  // NOLINT(google-build-using-namespace): entry point only
  spdlog::set_level(spdlog::level::off);
  if (const char* trace = std::getenv("ATRIUM_FUZZ_TRACE")) {
    g_trace = true;
    g_trace_bytes = std::max<std::size_t>(g_trace_bytes, std::strtoul(trace, nullptr, 10));
  }
  std::string pattern =
      (std::filesystem::temp_directory_path() / "atrium-fuzz-submit-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    Fatal("cannot create a scratch directory");
  }
  g_dir = pattern;
  std::atexit(RemoveScratch);
  g_instances = new std::vector<Instance>();  // NOLINT: deliberately never destroyed
  for (int index = 0; index < 3; ++index) {
    g_instances->push_back(Start(index));
    if (kLogin) {
      RegisterKnownIdentity(g_instances->back());
    }
  }
  spdlog::set_level(spdlog::level::off);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace atrium::fuzz;  // NOLINT(google-build-using-namespace): entry point only
  FuzzedDataProvider p(data, size);
  const Instance& in =
      (*g_instances)[p.ConsumeIntegralInRange<std::size_t>(0, g_instances->size() - 1)];
  Client c;
  c.kind = p.ConsumeEnum<ClientKind>();
  Init(p, in, c);
  for (int step = 0; step < 8 && p.remaining_bytes() > 0; ++step) {
    const int action = p.ConsumeIntegralInRange(0, 15);
    if (action < 8) {
      Submit(p, in, c);
    } else if (action == 8) {
      Init(p, in, c);
    } else if (action == 9) {
      FetchFlow(p, in, c);
    } else if (action == 10) {
      WhoAmI(p, in, c);
    } else if (action == 11) {
      GetError(p, in, c);
    } else if (action == 12) {
      UiPage(p, in, c);
    } else if (action == 13) {
      Schemas(p, in, c);
    } else if (action == 14) {
      Raw(p, in, c);
    } else {
      break;
    }
  }
  return 0;
}

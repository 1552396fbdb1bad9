#include "pages/pages.h"

#include <map>

#include "base/json.h"
#include "base/strings.h"
#include "pages/render.h"

namespace atrium::pages {
namespace {

// The same request, as an SPA would send it to the API: JSON answers, and the given target.
http::Request AsApiCall(const http::Request& page, std::string path, std::string raw_query) {
  http::Request api = page;
  std::erase_if(api.headers, [](const auto& h) { return EqualsIgnoreCase(h.first, "Accept"); });
  api.headers.emplace_back("Accept", "application/json");
  api.method = "GET";
  api.body.clear();
  api.path = std::move(path);
  api.raw_query = std::move(raw_query);
  api.target = api.path + (api.raw_query.empty() ? "" : "?" + api.raw_query);
  return api;
}

http::Response Redirect(std::string location, const http::Response* carry_cookies = nullptr) {
  http::Response r;
  r.status = 303;
  r.SetHeader("Location", std::move(location));
  if (carry_cookies != nullptr) {
    for (const auto& [k, v] : carry_cookies->headers) {
      if (EqualsIgnoreCase(k, "Set-Cookie")) {
        r.AddHeader(k, v);
      }
    }
  }
  return r;
}

http::Response Html(int status, const Page& page, const http::Response* carry_cookies = nullptr) {
  http::Response r;
  r.status = status;
  r.SetHeader("Content-Type", "text/html; charset=utf-8");
  r.SetHeader("Cache-Control", "private, no-cache, no-store, must-revalidate");
  r.SetHeader("Content-Security-Policy",
              "default-src 'none'; style-src 'nonce-" + page.nonce + "'; script-src 'nonce-" +
                  page.nonce + "'; img-src 'self' data:; form-action " + page.form_action +
                  "; base-uri 'none'; "
                  "frame-ancestors 'none'");
  r.SetHeader("X-Content-Type-Options", "nosniff");
  r.SetHeader("Referrer-Policy", "same-origin");
  r.SetHeader("Vary", "Cookie, Accept-Language");
  r.body = page.html;
  if (carry_cookies != nullptr) {
    for (const auto& [k, v] : carry_cookies->headers) {
      if (EqualsIgnoreCase(k, "Set-Cookie")) {
        r.AddHeader(k, v);
      }
    }
  }
  return r;
}

Json ParseBody(const http::Response& r) {
  auto parsed = ParseJson(r.body);
  return parsed.ok() && parsed->is_object() ? std::move(parsed).value() : Json::object();
}

// What a page carries over when it links to another flow: the flow's return_to and Hydra's
// login_challenge, as a query ("" when neither is set).
std::string CarriedQuery(const Json& flow) {
  std::string query;
  for (const auto& [key, param] : {std::pair{"return_to", "return_to"},
                                   std::pair{"oauth2_login_challenge", "login_challenge"}}) {
    const auto it = flow.find(key);
    if (it != flow.end() && it->is_string() && !it->get_ref<const std::string&>().empty()) {
      query += (query.empty() ? "?" : "&") + std::string(param) + "=" +
               QueryEscape(it->get_ref<const std::string&>());
    }
  }
  return query;
}

}  // namespace

http::Response Pages::Call(const http::Request& request) const {
  const http::Router::Match route = api_.Find(request.method, request.path);
  if (route.handler == nullptr) {
    http::Response r;
    r.status = 405;
    return r;
  }
  return (*route.handler)(request);
}

void Pages::Register(http::Router& router) const {
  router.Add("GET", "/ui/registration", [this](const http::Request& r) { return Registration(r); });
  router.Add("GET", "/ui/login", [this](const http::Request& r) { return Login(r); });
  router.Add("GET", "/ui/verification", [this](const http::Request& r) { return Verification(r); });
  router.Add("GET", "/ui/error", [this](const http::Request& r) { return ErrorPage(r); });
  router.Add("GET", "/ui/welcome", [this](const http::Request& r) { return Welcome(r); });
  router.Add(
      "GET", "/ui", [](const http::Request&) { return Redirect("/ui/registration"); },
      http::Execution::kInline);
  router.Add(
      "GET", "/ui/", [](const http::Request&) { return Redirect("/ui/registration"); },
      http::Execution::kInline);
}

std::string Pages::InitUrl(std::string_view flow, std::string_view query) const {
  return config_.serve_public.base_url + "self-service/" + std::string(flow) + "/browser" +
         std::string(query);
}

namespace {

// "https://host:port" of a URL, or "" when it has no http(s) scheme.
std::string OriginOf(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos ||
      (url.substr(0, scheme) != "https" && url.substr(0, scheme) != "http")) {
    return "";
  }
  const size_t end = url.find_first_of("/?#", scheme + 3);
  return std::string(url.substr(0, end));
}

// The CSP form-action of flow pages: 'self' and, with the oidc method on, the origins a provider
// button's submission is redirected to (the authorization endpoints).
std::string FormActionOf(const config::Config& c) {
  std::string out = "'self'";
  if (!c.selfservice.methods.oidc_enabled) {
    return out;
  }
  for (const auto& p : c.selfservice.methods.oidc_providers) {
    static const std::map<std::string, std::string> kDefaults = {
        {"google", "https://accounts.google.com"},
        {"github", "https://github.com"},
        {"github-app", "https://github.com"},
        {"microsoft", "https://login.microsoftonline.com"},
        {"apple", "https://appleid.apple.com"},
        {"gitlab", "https://gitlab.com"},
        {"discord", "https://discord.com"}};
    std::string origin = OriginOf(!p.auth_url.empty() ? p.auth_url : p.issuer_url);
    if (origin.empty()) {
      const auto it = kDefaults.find(p.provider);
      origin = it == kDefaults.end() ? "" : it->second;
    }
    if (!origin.empty() && out.find(" " + origin) == std::string::npos) {
      out += " " + origin;
    }
  }
  return out;
}

}  // namespace

http::Response Pages::FlowPage(const http::Request& req, std::string_view flow,
                               const FlowRenderer& render) const {
  const Language lang = LanguageFor(req.Header("Accept-Language").value_or(""));
  const std::string init = InitUrl(flow, "");
  const auto flow_id = req.Query("flow");
  if (!flow_id || flow_id->empty()) {
    // No flow yet: start one, passing return_to and friends (refresh, aal) through.
    return Redirect(init + (req.raw_query.empty() ? "" : "?" + req.raw_query));
  }
  const http::Response api = Call(AsApiCall(req, "/self-service/" + std::string(flow) + "/flows",
                                            "id=" + QueryEscape(*flow_id)));
  const Json body = ParseBody(api);
  if (api.status == 200) {
    Page page = render(body, lang);
    page.form_action = FormActionOf(config_);
    return Html(200, page, &api);
  }
  const Json error = body.value("error", Json::object());
  if (api.status == 410 || api.status == 404) {
    // Expired or unknown: start over (expired flows name where to go).
    std::string next = init;
    if (const auto details = error.find("details");
        details != error.end() && details->is_object()) {
      next = details->value("redirect_to", init);
    }
    return Redirect(next, &api);
  }
  return Html(api.status, RenderError(error, lang, init), &api);
}

http::Response Pages::Registration(const http::Request& req) const {
  return FlowPage(req, "registration", [this](const Json& flow, Language lang) {
    const std::string carried = CarriedQuery(flow);
    return RenderRegistration(
        flow, lang, FlowLinks{InitUrl("login", carried), InitUrl("registration", carried)});
  });
}

http::Response Pages::Login(const http::Request& req) const {
  return FlowPage(req, "login", [this](const Json& flow, Language lang) {
    const std::string carried = CarriedQuery(flow);
    return RenderLogin(flow, lang,
                       FlowLinks{InitUrl("registration", carried), InitUrl("login", carried)});
  });
}

http::Response Pages::Verification(const http::Request& req) const {
  return FlowPage(req, "verification",
                  [](const Json& flow, Language lang) { return RenderVerification(flow, lang); });
}

http::Response Pages::ErrorPage(const http::Request& req) const {
  const Language lang = LanguageFor(req.Header("Accept-Language").value_or(""));
  const auto id = req.Query("id").value_or("");
  const http::Response api = Call(AsApiCall(req, "/self-service/errors", "id=" + QueryEscape(id)));
  const Json error = ParseBody(api).value("error", Json::object());
  return Html(api.status == 200 ? 200 : api.status,
              RenderError(error, lang, InitUrl("registration", "")));
}

http::Response Pages::Welcome(const http::Request& req) const {
  const Language lang = LanguageFor(req.Header("Accept-Language").value_or(""));
  const http::Response whoami = Call(AsApiCall(req, "/sessions/whoami", ""));
  if (whoami.status != 200) {
    return Redirect(config_.serve_public.base_url + "ui/login");
  }
  // The sign-out link, as any UI gets it: the logout URL of the session the cookies carry.
  const http::Response logout = Call(AsApiCall(req, "/self-service/logout/browser", ""));
  const std::string logout_url =
      logout.status == 200 ? ParseBody(logout).value("logout_url", "") : "";
  return Html(200, RenderWelcome(ParseBody(whoami), lang, logout_url), &logout);
}

}  // namespace atrium::pages

#include "pages/pages.h"

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
                  page.nonce +
                  "'; img-src 'self' data:; form-action 'self'; base-uri 'none'; "
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
  return parsed.ok() ? std::move(parsed).value() : Json::object();
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
  router.Add("GET", "/ui/error", [this](const http::Request& r) { return ErrorPage(r); });
  router.Add("GET", "/ui/welcome", [this](const http::Request& r) { return Welcome(r); });
  router.Add(
      "GET", "/ui", [](const http::Request&) { return Redirect("/ui/registration"); },
      http::Execution::kInline);
  router.Add(
      "GET", "/ui/", [](const http::Request&) { return Redirect("/ui/registration"); },
      http::Execution::kInline);
}

http::Response Pages::Registration(const http::Request& req) const {
  const Language lang = LanguageFor(req.Header("Accept-Language").value_or(""));
  const std::string init = config_.serve_public.base_url + "self-service/registration/browser";
  const auto flow_id = req.Query("flow");
  if (!flow_id || flow_id->empty()) {
    // No flow yet: start one, passing return_to and friends through.
    return Redirect(init + (req.raw_query.empty() ? "" : "?" + req.raw_query));
  }
  const http::Response api =
      Call(AsApiCall(req, "/self-service/registration/flows", "id=" + QueryEscape(*flow_id)));
  const Json body = ParseBody(api);
  if (api.status == 200) {
    return Html(200, RenderRegistration(body, lang), &api);
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

http::Response Pages::ErrorPage(const http::Request& req) const {
  const Language lang = LanguageFor(req.Header("Accept-Language").value_or(""));
  const std::string init = config_.serve_public.base_url + "self-service/registration/browser";
  const auto id = req.Query("id").value_or("");
  const http::Response api = Call(AsApiCall(req, "/self-service/errors", "id=" + QueryEscape(id)));
  const Json error = ParseBody(api).value("error", Json::object());
  return Html(api.status == 200 ? 200 : api.status, RenderError(error, lang, init));
}

http::Response Pages::Welcome(const http::Request& req) const {
  const Language lang = LanguageFor(req.Header("Accept-Language").value_or(""));
  const http::Response api = Call(AsApiCall(req, "/sessions/whoami", ""));
  if (api.status != 200) {
    return Redirect("/ui/registration");
  }
  return Html(200, RenderWelcome(ParseBody(api), lang, "/ui/registration"));
}

}  // namespace atrium::pages

#pragma once
// The built-in HTML pages under /ui/ (registration, login, verification, error,
// welcome). They are a client of
// the public API: each page calls, in-process, the route an external UI would call over HTTP and
// renders the JSON it gets back. So the pages can never do something an API client cannot.

#include <functional>
#include <string>
#include <string_view>

#include "config/config.h"
#include "http/http.h"
#include "pages/render.h"

namespace atrium::pages {

class Pages final {
 public:
  // Both references must outlive the pages; `api` is the router of the public API.
  Pages(const config::Config& config, const http::Router& api) : config_(config), api_(api) {}
  void Register(http::Router& router) const;

 private:
  using FlowRenderer = std::function<Page(const Json& flow, Language lang)>;

  http::Response Registration(const http::Request& req) const;
  http::Response Login(const http::Request& req) const;
  http::Response Verification(const http::Request& req) const;
  http::Response ErrorPage(const http::Request& req) const;
  http::Response Welcome(const http::Request& req) const;

  // The page of a self-service flow ("registration", "login"): without ?flow= a redirect to the
  // flow's browser init; else the flow fetched from the API and rendered by `render`; expired
  // or unknown flows start over, other API errors show the error page.
  http::Response FlowPage(const http::Request& req, std::string_view flow,
                          const FlowRenderer& render) const;
  // The browser init URL of `flow` with `query` ("" or "?return_to=...").
  std::string InitUrl(std::string_view flow, std::string_view query) const;

  // Calls the public API's route for `request` in-process, as an external UI would over HTTP.
  http::Response Call(const http::Request& request) const;

  const config::Config& config_;
  const http::Router& api_;
};

}  // namespace atrium::pages

#pragma once
// The built-in HTML pages under /ui/ (registration, error, welcome). They are a client of the
// public API: each page calls, in-process, the route an external UI would call over HTTP and
// renders the JSON it gets back. So the pages can never do something an API client cannot.

#include <string>

#include "config/config.h"
#include "http/http.h"

namespace atrium::pages {

class Pages final {
 public:
  // Both references must outlive the pages; `api` is the router of the public API.
  Pages(const config::Config& config, const http::Router& api) : config_(config), api_(api) {}
  void Register(http::Router& router) const;

 private:
  http::Response Registration(const http::Request& req) const;
  http::Response ErrorPage(const http::Request& req) const;
  http::Response Welcome(const http::Request& req) const;

  // Calls the public API's route for `request` in-process, as an external UI would over HTTP.
  http::Response Call(const http::Request& request) const;

  const config::Config& config_;
  const http::Router& api_;
};

}  // namespace atrium::pages

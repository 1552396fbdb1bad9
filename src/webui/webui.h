#pragma once
// The built-in self-service UI under /ui/ (registration, error, welcome). It is a client of the
// public API: each page calls the same handler an external UI would call over HTTP, in-process,
// and renders the JSON it gets back. So the UI can never do something an API client cannot.

#include <string>

#include "api/public_api.h"
#include "config/config.h"
#include "http/http.h"

namespace atrium::webui {

class WebUi final {
 public:
  // Both references must outlive the UI.
  WebUi(const config::Config& config, const api::PublicApi& api) : config_(config), api_(api) {}
  void Register(http::Router& router) const;

 private:
  http::Response Registration(const http::Request& req) const;
  http::Response ErrorPage(const http::Request& req) const;
  http::Response Welcome(const http::Request& req) const;

  const config::Config& config_;
  const api::PublicApi& api_;
};

}  // namespace atrium::webui

#pragma once
// From the use cases' plain answers back to HTTP: JSON bodies, redirects, the error envelope,
// errors forwarded to the error UI, cookies, and the headers every self-service answer carries.

#include <string>

#include "base/clock.h"
#include "base/ids.h"
#include "flow/csrf.h"
#include "flow/error_store.h"
#include "flow/reply.h"
#include "flow/request.h"
#include "http/http.h"

namespace atrium::api {

class Renderer final {
 public:
  // References must outlive the renderer. `error_ui_url`: selfservice.flows.error.ui_url.
  Renderer(flow::ErrorStore& errors, const flow::CsrfGuard& csrf, std::string error_ui_url,
           IdGenerator& ids, const Clock& clock);

  // The HTTP response for `reply`; a CSRF cookie the request was issued (request.csrf.issued)
  // is set too.
  http::Response Render(const http::Request& req, const flow::Request& request,
                        const flow::Reply& reply) const;

  // An error as the JSON envelope, with the self-service headers.
  http::Response Error(const http::Request& req, const atrium::Error& error) const;

 private:
  // Stores the error for the error UI and answers 303 to it (docs/wire/registration.md §3.3).
  http::Response Forward(const http::Request& req, const atrium::Error& error) const;

  flow::ErrorStore& errors_;
  const flow::CsrfGuard& csrf_;
  std::string error_ui_url_;
  IdGenerator& ids_;
  const Clock& clock_;
};

// Headers of every self-service answer: no caching of GETs, and Vary: Cookie.
void AddSelfServiceHeaders(const http::Request& req, http::Response& res);

}  // namespace atrium::api

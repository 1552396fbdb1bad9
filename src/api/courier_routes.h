#pragma once
// The courier's admin routes: GET /admin/courier/messages (filters by status and recipient,
// keyset pages newest first, Link headers) and GET /admin/courier/messages/{id}, in Kratos'
// JSON. Outside dev mode subject and body read "<redacted-unless-dev-mode>", as in Kratos.

#include "config/config.h"
#include "courier/outbox.h"
#include "http/http.h"

namespace atrium::api {

class CourierAdmin final {
 public:
  // References must outlive the routes.
  CourierAdmin(courier::Outbox& outbox, const config::Config& config)
      : outbox_(outbox), config_(config) {}

  void Register(http::Router& admin) const;

  http::Response List(const http::Request& req) const;
  http::Response Get(const http::Request& req) const;

 private:
  courier::Outbox& outbox_;
  const config::Config& config_;
};

// A message as Kratos' admin API writes it (dispatches only when there are some).
Json MessageJson(const courier::Message& m, bool redact);

}  // namespace atrium::api

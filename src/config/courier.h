#pragma once
// courier.*: how queued messages are rendered and delivered (Kratos' keys and defaults), plus
// Atrium's own courier knobs under atrium.courier.*.

#include <chrono>
#include <map>
#include <string>

#include "base/clock.h"
#include "base/json.h"

namespace atrium::config {

// courier.templates.<name>.<valid|invalid>: file:// or base64:// URLs; "" keeps the built-in.
struct CourierTemplateUrls {
  std::string email_subject;
  std::string email_body_plaintext;
  std::string email_body_html;
  std::string sms_body;
};

struct Courier {
  struct Smtp {
    std::string connection_uri;  // "" = no SMTP server configured
    std::string from_address = "no-reply@ory.kratos.sh";
    std::string from_name;
    std::map<std::string, std::string> headers;
    std::string local_name = "localhost";  // the EHLO name
  } smtp;
  int message_retries = 5;                 // attempts after which a message is abandoned
  std::string delivery_strategy = "smtp";  // smtp or http
  Json http_request_config;                // courier.http.request_config; null when absent
  // Keyed by Kratos' template type: "registration_code_valid", "verification_valid", ...
  std::map<std::string, CourierTemplateUrls> templates;
  std::string template_override_path;  // a directory laid out as Kratos' built-in templates
  int pull_count = 10;                 // courier.worker.pull_count
  Duration pull_wait = std::chrono::seconds(1);  // courier.worker.pull_wait
  // Atrium only (atrium.courier.*): the budget of one delivery, the lease a sender holds on a
  // claimed message, and the retry backoff (base * 2^(attempt-1), capped at backoff_max).
  Duration send_timeout = std::chrono::seconds(30);
  Duration lease = std::chrono::minutes(2);
  Duration backoff = std::chrono::seconds(30);
  Duration backoff_max = std::chrono::hours(1);
};

}  // namespace atrium::config

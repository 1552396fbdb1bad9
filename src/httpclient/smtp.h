#pragma once
// Delivery of one e-mail over SMTP (libcurl): Kratos' courier.smtp.connection_uri semantics,
// a total time budget per message, and failures told apart as temporary or permanent.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace atrium::httpclient::smtp {

// A parsed courier.smtp.connection_uri:
//   smtp://[user:password@]host[:port]/?[disable_starttls=true][&skip_ssl_verify=true]
//     STARTTLS is required unless disable_starttls=true (then plain text, never upgraded);
//   smtps://[user:password@]host[:port]/?[skip_ssl_verify=true]   implicit TLS.
// User and password are percent-decoded. `legacy_ssl` (Kratos before v0.5) is refused.
struct Endpoint {
  std::string scheme;  // "smtp" or "smtps"
  std::string host;    // without brackets for IPv6
  int port = 0;        // 25 for smtp, 465 for smtps when the URI has none
  std::string username;
  std::string password;
  bool starttls = true;  // smtp only: require STARTTLS
  bool skip_ssl_verify = false;

  // "smtp://host:port": no credentials, safe for logs and errors.
  std::string Origin() const;
};

// InvalidArgument (the text never holds the password) for a malformed URI, another scheme, an
// unknown boolean, or legacy_ssl.
Result<Endpoint> ParseConnectionUri(std::string_view uri);

struct Options {
  std::string local_name;  // the EHLO name; empty = libcurl's default
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};  // connect to QUIT, per message
};

// Sends `data` (a complete RFC 5322 message, mime::Build) from `from` to `to`. Errors:
// Unprocessable when the server refused for good (a 5xx to MAIL FROM, RCPT TO or DATA: sending
// again will not help); GatewayTimeout when the budget ran out; Unavailable for everything worth
// another try (refused or dropped connections, TLS, 4xx, authentication). Error texts name the
// server by Endpoint::Origin only. Thread-safe; loads libcurl on first use (GlobalInit, client.h).
// Consecutive messages sent by one thread to one server share a connection.
Status Send(const Endpoint& endpoint, const Options& options, std::string_view from,
            std::string_view to, std::string_view data);

}  // namespace atrium::httpclient::smtp

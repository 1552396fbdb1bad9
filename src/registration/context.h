#pragma once
// What the registration service needs to know about a request, and what it answers. These are
// plain values: the transport (api/) builds RequestContext from HTTP and renders the Reply.

#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "base/json.h"
#include "registration/body.h"
#include "session/session.h"

namespace atrium::registration {

struct RequestContext {
  std::string url;            // the full request URL (spec §4.1 step 1)
  bool is_json = false;       // Kratos IsJSONRequest (Accept negotiation or exact JSON type)
  bool accepts_json = false;  // text/html vs application/json negotiation (redirect-or-JSON)
  bool ajax = false;          // Sec-Fetch-Mode cors or same-origin
  std::optional<session::Session> session;  // a valid, active session of the request

  // CSRF and the API-flow browser check.
  bool has_cookie_header = false;
  std::string csrf_cookie;  // the request's valid CSRF cookie value, "" if none
  std::string masked_csrf;  // a fresh masked form of csrf_cookie ("" if none)
  bool has_origin = false;
  bool has_non_cloudflare_cookie = false;
  bool json_content_type = false;  // Content-Type starts with application/json

  // Device of a new session.
  std::string ip_address;
  std::optional<std::string> user_agent;
  std::string location;
};

struct InitParams {
  std::string return_to;
  std::optional<std::string> login_challenge;
  std::string after_verification_return_to;
  std::string organization;
  std::string identity_schema;
  bool return_session_token_exchange_code = false;
};

struct SubmitParams {
  std::string flow_id;
  // Set when the body could be decoded; otherwise `body_error` holds the decoder's 400 error.
  std::optional<Body> body;
  std::optional<Error> body_error;
};

// The answer of a use case, rendered by the transport.
struct Reply {
  enum class Kind {
    kJson,          // `status` with `body`
    kRedirect,      // `status` (302/303) to `location`
    kError,         // the error envelope, always JSON
    kErrorForward,  // JSON envelope for JSON requests, else the error UI (spec §3.3)
  };
  Kind kind = Kind::kJson;
  int status = 200;
  Json body;
  std::string location;
  Error error;

  // Cookies to issue.
  std::optional<std::string> session_token;  // set the session cookie for this token
  Timestamp session_expires_at;
  bool regenerate_csrf = false;

  static Reply JsonBody(int status, Json body);
  static Reply Redirect(int status, std::string location);
  static Reply ErrorJson(Error e);
  static Reply Forward(Error e);
};

}  // namespace atrium::registration

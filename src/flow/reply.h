#pragma once
// The answer of a self-service use case, as a plain value that the transport renders: a JSON
// document, a redirect, or an error (as the JSON envelope, or forwarded to the error UI for
// browsers), plus the cookies to set.

#include <string>
#include <utility>
#include <vector>

#include "base/cookie.h"
#include "base/error.h"
#include "base/json.h"

namespace atrium::flow {

// A flow as stored: its public JSON without what only its first answer carries (transient
// payload, session token exchange code, return_to), plus the CSRF token and internal context.
inline Json StorageJson(Json public_json, const std::string& csrf_token,
                        const Json& internal_context) {
  public_json.erase("transient_payload");
  public_json.erase("session_token_exchange_code");
  public_json.erase("return_to");
  public_json["csrf_token"] = csrf_token;
  public_json["internal_context"] = internal_context;
  return public_json;
}

// Appends "flow=<id>" to a UI URL, keeping the URL's own query parameters.
inline std::string WithFlowParam(const std::string& url, const std::string& id) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "flow=" + id;
}

struct Reply {
  enum class Kind {
    kJson,          // `status` with `body`
    kRedirect,      // `status` (302/303) to `location`
    kError,         // the error envelope, always JSON
    kErrorForward,  // the JSON envelope for JSON requests, else the error UI (§3.3)
  };
  Kind kind = Kind::kJson;
  int status = 200;
  Json body;
  // kJson only: the body already serialized (a stored flow served as it was written); when set
  // it is sent instead of `body`.
  std::string text;
  std::string location;
  Error error;
  std::vector<SetCookie> cookies;  // to set with the answer (session, rotated CSRF token)

  static Reply JsonBody(int status, Json body) {
    Reply r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
  // The document of a kJson reply, however it is held (`text` is parsed; null if unreadable).
  Json Document() const {
    if (text.empty()) {
      return body;
    }
    auto parsed = ParseJson(text);
    return parsed.ok() ? std::move(parsed).value() : Json();
  }

  static Reply JsonText(int status, std::string text) {
    Reply r;
    r.status = status;
    r.text = std::move(text);
    return r;
  }
  static Reply Redirect(int status, std::string location) {
    Reply r;
    r.kind = Kind::kRedirect;
    r.status = status;
    r.location = std::move(location);
    return r;
  }
  static Reply ErrorJson(Error e) {
    Reply r;
    r.kind = Kind::kError;
    r.error = std::move(e);
    return r;
  }
  static Reply Forward(Error e) {
    Reply r;
    r.kind = Kind::kErrorForward;
    r.error = std::move(e);
    return r;
  }
};

}  // namespace atrium::flow

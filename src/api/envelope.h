#pragma once
// The herodot error envelope (docs/wire/registration.md §3.2) and the one mapping from ErrorCode to
// HTTP status.

#include <string>
#include <string_view>

#include "base/error.h"
#include "base/json.h"
#include "http/http.h"

namespace atrium::api {

int HttpStatus(ErrorCode code);
std::string_view StatusText(int status);
// The error object: {"id"?,"code","status","request"?,"reason"?,"details"?,"message"}.
Json ErrorObject(const Error& e, std::string_view request_id);
// A complete error response: envelope body, Ory-Error-Id, Content-Type application/json.
http::Response ErrorResponse(const Error& e, std::string_view request_id);
// A JSON success response (Content-Type with charset, trailing newline).
http::Response JsonResponse(int status, const Json& body);
// The same with the document already serialized.
http::Response JsonTextResponse(int status, std::string_view text);

}  // namespace atrium::api

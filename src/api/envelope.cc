#include "api/envelope.h"

#include "base/json.h"
#include "base/log.h"
#include "base/random.h"

namespace atrium::api {
namespace {

std::string_view StandardMessage(ErrorCode code, int status) {
  if (code == ErrorCode::kMisconfigured) {
    return "Invalid configuration";
  }
  switch (status) {
    case 400:
      return "The request was malformed or contained invalid parameters";
    case 401:
      return "The request could not be authorized";
    case 403:
      return "The requested action was forbidden";
    case 404:
      return "The requested resource could not be found";
    case 409:
      return "The resource could not be created due to a conflict";
    case 410:
      return "The requested resource is no longer available";
    case 413:
      return "The request body is too large";
    case 422:
      return "The request was well-formed but was unable to be followed due to semantic errors";
    case 429:
      return "Too many requests, please try again later";
    case 502:
      return "Upstream error";
    case 503:
      return "The service is temporarily unavailable";
    case 504:
      return "The upstream service did not respond in time";
    default:
      return "An internal server error occurred, please contact the system administrator";
  }
}

}  // namespace

int HttpStatus(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kForbidden:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kConflict:
      return 409;
    case ErrorCode::kGone:
      return 410;
    case ErrorCode::kPayloadTooLarge:
      return 413;
    case ErrorCode::kUnprocessable:
      return 422;
    case ErrorCode::kTooManyRequests:
      return 429;
    case ErrorCode::kInternal:
    case ErrorCode::kMisconfigured:
      return 500;
    case ErrorCode::kBadGateway:
      return 502;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kGatewayTimeout:
      return 504;
  }
  return 500;
}

std::string_view StatusText(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 307:
      return "Temporary Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 413:
      return "Request Entity Too Large";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "";
  }
}

Json ErrorObject(const Error& e, std::string_view request_id) {
  const int status = HttpStatus(e.code);
  // A failure on our side (the database, an internal fault) is the operator's business: its
  // cause can name hosts, ports or queries, so it goes to the log under a request id, and the
  // client gets the id and the standard message only.
  const bool ours = e.code == ErrorCode::kUnavailable || e.code == ErrorCode::kInternal;
  std::string id(request_id);
  if (ours) {
    if (id.empty()) {
      id = NewUuid();
    }
    LogError("request {}: {} ({})", id, e.reason, StatusText(status));
  }
  Json j;
  if (!e.id.empty()) {
    j["id"] = e.id;
  }
  j["code"] = status;
  j["status"] = StatusText(status);
  if (!id.empty()) {
    j["request"] = id;
  }
  if (!e.reason.empty() && !ours) {
    j["reason"] = e.reason;
  }
  if (e.details.is_object() && !e.details.empty()) {
    // Go maps are serialized with sorted keys.
    j["details"] = SortedKeys(e.details);
  }
  j["message"] = e.message.empty() ? std::string(StandardMessage(e.code, status)) : e.message;
  return j;
}

http::Response ErrorResponse(const Error& e, std::string_view request_id) {
  Json body;
  body["error"] = ErrorObject(e, request_id);
  if (e.extra.is_object()) {
    for (const auto& [k, v] : e.extra.items()) {
      body[k] = v;
    }
  }
  http::Response r;
  r.status = HttpStatus(e.code);
  r.SetHeader("Content-Type", "application/json");
  r.SetHeader("Ory-Error-Id", e.id);
  if (e.retry_after_seconds > 0) {
    r.SetHeader("Retry-After", std::to_string(e.retry_after_seconds));
  }
  r.body = DumpJson(body) + "\n";
  return r;
}

http::Response JsonTextResponse(int status, std::string_view text) {
  http::Response r;
  r.status = status;
  r.SetHeader("Content-Type", "application/json; charset=utf-8");
  r.body.reserve(text.size() + 1);
  r.body.append(text).push_back('\n');
  return r;
}

http::Response JsonResponse(int status, const Json& body) {
  return JsonTextResponse(status, DumpJson(body));
}

}  // namespace atrium::api

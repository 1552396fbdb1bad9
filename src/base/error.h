#pragma once
// The one error type that crosses module boundaries. A closed set of codes; the HTTP layer maps
// each code to a status with one exhaustive switch (api/envelope.cc).

#include <cstdint>
#include <string>
#include <utility>

#include "base/json_type.h"

namespace atrium {

enum class ErrorCode {
  kInvalidArgument,  // 400: the caller sent something we cannot accept
  kUnauthenticated,  // 401
  kForbidden,        // 403
  kNotFound,         // 404
  kConflict,         // 409: a uniqueness constraint (duplicate identifier)
  kGone,             // 410
  kPayloadTooLarge,  // 413
  kUnprocessable,    // 422
  kTooManyRequests,  // 429: throttled; Error::retry_after_seconds says for how long
  kInternal,         // 500
  kMisconfigured,    // 500 with message "Invalid configuration"
  kBadGateway,       // 502: an upstream answered improperly
  kUnavailable,      // 503: a dependency (database) is unreachable
  kGatewayTimeout,   // 504
};

// Error mirrors the fields of Kratos' herodot error object so that it can be rendered on the wire
// without loss. Only `code` and `reason` are mandatory; `id`, `message` and `details` are optional.
struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string reason;               // human readable cause (herodot "reason")
  std::string id;                   // stable error id, e.g. "security_csrf_violation"
  std::string message;              // overrides the standard message for the status
  Json details;                     // null when absent; keys are emitted sorted
  Json extra;                       // extra top-level envelope keys (e.g. "use_flow_id"), or null
  int64_t retry_after_seconds = 0;  // 429/503: the Retry-After header when positive

  static Error InvalidArgument(std::string reason) {
    return Error{ErrorCode::kInvalidArgument, std::move(reason), {}, {}, {}, {}};
  }
  static Error NotFound(std::string reason) {
    return Error{ErrorCode::kNotFound, std::move(reason), {}, {}, {}, {}};
  }
  static Error Conflict(std::string reason) {
    return Error{ErrorCode::kConflict, std::move(reason), {}, {}, {}, {}};
  }
  static Error Internal(std::string reason) {
    return Error{ErrorCode::kInternal, std::move(reason), {}, {}, {}, {}};
  }
  static Error Unavailable(std::string reason) {
    return Error{ErrorCode::kUnavailable, std::move(reason), {}, {}, {}, {}};
  }

  static Error BadGateway(std::string reason) {
    return Error{ErrorCode::kBadGateway, std::move(reason), {}, {}, {}, {}};
  }
  static Error Unprocessable(std::string reason) {
    return Error{ErrorCode::kUnprocessable, std::move(reason), {}, {}, {}, {}};
  }
  static Error GatewayTimeout(std::string reason) {
    return Error{ErrorCode::kGatewayTimeout, std::move(reason), {}, {}, {}, {}};
  }

  Error&& WithId(std::string v) && {
    id = std::move(v);
    return std::move(*this);
  }
  Error&& WithMessage(std::string v) && {
    message = std::move(v);
    return std::move(*this);
  }
  Error&& WithDetails(Json v) && {
    details = std::move(v);
    return std::move(*this);
  }
};

}  // namespace atrium

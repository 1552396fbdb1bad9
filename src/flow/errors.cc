#include "flow/errors.h"

#include <chrono>
#include <cstdio>

#include "base/strings.h"
#include "base/time.h"

namespace atrium::flow {
namespace {

Error Make(ErrorCode code, std::string reason, std::string id = {}, std::string message = {}) {
  return Error{code, std::move(reason), std::move(id), std::move(message), {}, {}};
}

std::string Minutes(Duration d) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", std::chrono::duration<double>(d).count() / 60.0);
  return buf;
}

}  // namespace

Error SessionAlreadyAvailable() {
  return Make(ErrorCode::kInvalidArgument,
              "A valid session was detected and thus registration is not possible.",
              "session_already_available", "you are already logged in");
}

Error ReturnToForbidden(std::string_view url) {
  return Make(ErrorCode::kInvalidArgument,
              "Requested return_to URL " + GoQuote(url) + " is not allowed.",
              "self_service_flow_return_to_forbidden");
}

Error ReturnToUnparsable(std::string_view why) {
  return Make(ErrorCode::kInvalidArgument,
              "Unable to parse the return_to query parameter as an URL: " + std::string(why));
}

Error RegistrationDisabled() {
  return Make(ErrorCode::kInvalidArgument, "Registration is not allowed because it was disabled.",
              "self_service_flow_disabled", "registration flow disabled");
}

Error MethodDisabled() {
  return Make(ErrorCode::kNotFound,
              "This endpoint was disabled by system administrator. Please check your url or "
              "contact the system administrator to enable it.");
}

Error FlowNotFound() { return Make(ErrorCode::kNotFound, "", "", "Unable to locate the resource"); }

Error FlowParamMalformed() {
  return Make(ErrorCode::kInvalidArgument, "The flow query parameter is missing or malformed.");
}

Error SchemaDoesNotExist(std::string_view id) {
  return Make(ErrorCode::kInvalidArgument,
              "Requested identity schema " + GoQuote(id) + " does not exist.");
}

Error SchemaNotSelectable(std::string_view id) {
  return Make(ErrorCode::kInvalidArgument, "Requested identity schema " + GoQuote(id) +
                                               " is not enabled for self-service flows.");
}

Error ExpiredOnGet(bool api, std::string_view public_base_url, std::string_view return_to) {
  Json details;
  std::string reason;
  if (api) {
    reason =
        "The registration flow has expired. Call the registration flow init API endpoint to "
        "initialize a new registration flow.";
    details["api"] = std::string(public_base_url) + "self-service/registration/api";
  } else {
    reason =
        "The registration flow has expired. Redirect the user to the registration flow init "
        "endpoint to initialize a new registration flow.";
    std::string redirect = std::string(public_base_url) + "self-service/registration/browser";
    if (!return_to.empty()) {
      redirect += "?return_to=" + QueryEscape(return_to);
    }
    details["redirect_to"] = redirect;
    details["return_to"] = return_to;
  }
  return Make(ErrorCode::kGone, std::move(reason), "self_service_flow_expired",
              "The requested resource is no longer available because it has expired or is "
              "otherwise invalid.")
      .WithDetails(std::move(details));
}

Error ExpiredOnSubmit(Timestamp expired_at, Timestamp now, std::string_view use_flow_id) {
  Error e = Make(ErrorCode::kGone,
                 "The self-service flow expired " + Minutes(now - expired_at) +
                     " minutes ago, initialize a new one.",
                 "self_service_flow_expired", "self-service flow expired");
  e.extra["expired_at"] = FormatRfc3339(expired_at);
  e.extra["since"] = (now - expired_at).count();
  e.extra["use_flow_id"] = use_flow_id;
  return e;
}

Error ApiFlowWithOrigin() {
  return Make(ErrorCode::kInvalidArgument,
              "The HTTP Request Header included the \"Origin\" key, indicating that this request "
              "was made as part of an AJAX request in a Browser. The flow however was initiated as "
              "an API request. To prevent potential misuse and mitigate several attack vectors "
              "including CSRF, the request has been blocked. Please consult the documentation.");
}

Error ApiFlowWithCookies() {
  return Make(ErrorCode::kInvalidArgument,
              "The HTTP Request Header included the \"Cookie\" key, indicating that this request "
              "was made by a Browser. The flow however was initiated as an API request. To "
              "prevent potential misuse and mitigate several attack vectors including CSRF, the "
              "request has been blocked. Please consult the documentation.");
}

Error LoginChallengeWithoutHydra() {
  return Make(ErrorCode::kMisconfigured,
              "refusing to parse login_challenge query parameter because oauth2_provider.url is "
              "invalid or unset",
              "", "Invalid configuration");
}

Error LoginChallengeEmpty() {
  return Make(ErrorCode::kInvalidArgument, "the login_challenge parameter is present but empty");
}

}  // namespace atrium::flow

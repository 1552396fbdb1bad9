#include "flow/errors.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <utility>

#include "base/strings.h"
#include "base/time.h"
#include "flow/outcome.h"

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

Error SessionAlreadyAvailable(Kind kind) {
  return Make(ErrorCode::kInvalidArgument,
              kind == Kind::kLogin ? "A valid session was detected and thus login is not possible. "
                                     "Did you forget to set `?refresh=true`?"
                                   : "A valid session was detected and thus registration is not "
                                     "possible.",
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

Error ExpiredOnGet(Kind kind, bool api, std::string_view public_base_url,
                   std::string_view return_to) {
  std::string name = "registration";
  if (kind == Kind::kLogin) {
    name = "login";
  } else if (kind == Kind::kVerification) {
    name = "verification";
  }
  Json details;
  std::string reason;
  if (api) {
    reason = "The " + name + " flow has expired. Call the " + name +
             " flow init API endpoint to initialize a new " + name + " flow.";
    details["api"] = std::string(public_base_url) + "self-service/" + name + "/api";
  } else {
    reason = "The " + name + " flow has expired. Redirect the user to the " + name +
             " flow init endpoint to initialize a new " + name + " flow.";
    std::string redirect = std::string(public_base_url) + "self-service/" + name + "/browser";
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

Status CheckLoginChallenge(const std::optional<std::string>& challenge,
                           std::string_view oauth2_provider_url) {
  if (!challenge) {
    return OkStatus();
  }
  if (oauth2_provider_url.empty()) {
    return LoginChallengeWithoutHydra();
  }
  if (challenge->empty()) {
    return LoginChallengeEmpty();
  }
  return OkStatus();
}

Error BrowserLocationChangeRequired(const std::string& url) {
  Error e = Make(ErrorCode::kUnprocessable,
                 "In order to complete this flow please redirect the browser to: " + url,
                 "browser_location_change_required", "browser location change required");
  e.extra = {{"redirect_browser_to", url}};
  return e;
}

Reply AnswerRedirect(bool is_json, Redirect redirect) {
  Reply reply = is_json ? Reply::ErrorJson(BrowserLocationChangeRequired(redirect.url))
                        : Reply::Redirect(303, std::move(redirect.url));
  reply.cookies = std::move(redirect.cookies);
  return reply;
}

Error SessionAal1Required() {
  return Make(ErrorCode::kUnauthenticated,
              "You can not requested a higher AAL (AAL2/AAL3) without an active session.",
              "session_aal1_required",
              "aal2 and aal3 can only be requested if a session exists already");
}

Error AalUnparsable(std::string_view value) {
  return Make(ErrorCode::kInvalidArgument,
              "Unable to parse AuthenticationMethod Assurance Level (AAL): expected one of [aal1, "
              "aal2] but got " +
                  std::string(value));
}

Error SessionInactive() {
  return Make(ErrorCode::kUnauthenticated, "No active session was found in this request.",
              "session_inactive", "request does not have a valid authentication session");
}

Error LogoutTokenMissing() {
  return Make(ErrorCode::kInvalidArgument, "Please include a token in the URL query.");
}

Error LogoutTokenMismatch() {
  return Make(ErrorCode::kForbidden,
              "Unable to log out because the logout token in the URL query does not match the "
              "session cookie.");
}

Error SessionTokenUnknown() {
  return Make(ErrorCode::kForbidden,
              "The provided Ory Session Token could not be found, is invalid, or otherwise "
              "malformed.");
}

Error TooManyAttempts(Duration retry_after) {
  const auto seconds =
      std::max<int64_t>(1, std::chrono::ceil<std::chrono::seconds>(retry_after).count());
  Error e = Make(ErrorCode::kTooManyRequests,
                 "Too many failed sign-in attempts. Please wait " + std::to_string(seconds) +
                     " seconds and try again.",
                 "self_service_login_throttled", "too many failed sign-in attempts");
  e.retry_after_seconds = seconds;
  return e;
}

Error VerificationDisabled() {
  return Make(ErrorCode::kInvalidArgument, "Verification is not allowed because it was disabled.");
}

Error VerificationFlowNotFound() {
  return Make(ErrorCode::kNotFound,
              "The verification request could not be found. Please restart the flow.", "",
              "Unable to locate the resource");
}

Error FlowReplaced(std::string_view reason, std::string_view use_flow_id) {
  Error e = Make(ErrorCode::kGone, std::string(reason), "self_service_flow_replaced",
                 "self-service flow replaced");
  e.extra["use_flow_id"] = use_flow_id;
  return e;
}

Error TooManyCodes(Duration retry_after) {
  const auto seconds =
      std::max<int64_t>(1, std::chrono::ceil<std::chrono::seconds>(retry_after).count());
  Error e = Make(ErrorCode::kTooManyRequests,
                 "Too many codes were sent. Please wait " + std::to_string(seconds) +
                     " seconds and try again.",
                 "self_service_code_throttled", "too many one-time codes were sent");
  e.retry_after_seconds = seconds;
  return e;
}

}  // namespace atrium::flow

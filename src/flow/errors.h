#pragma once
// The Kratos errors of self-service flows, with their exact ids, reasons and messages
// (docs/wire/registration.md §22).

#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/error.h"
#include "base/result.h"

namespace atrium::flow {

// Which self-service flow an error is about (its texts name it).
enum class Kind { kRegistration, kLogin, kVerification };

Error SessionAlreadyAvailable(Kind kind = Kind::kRegistration);
Error ReturnToForbidden(std::string_view url);
Error ReturnToUnparsable(std::string_view why);
Error RegistrationDisabled();
Error MethodDisabled();
Error FlowNotFound();
Error FlowParamMalformed();
Error SchemaDoesNotExist(std::string_view id);
Error SchemaNotSelectable(std::string_view id);
// GET flow on an expired flow (no replacement): 410 with redirect details.
Error ExpiredOnGet(Kind kind, bool api, std::string_view public_base_url,
                   std::string_view return_to);
// Submit on an expired flow: 410 with expired_at, since and use_flow_id beside the error.
Error ExpiredOnSubmit(Timestamp expired_at, Timestamp now, std::string_view use_flow_id);
Error ApiFlowWithOrigin();
Error ApiFlowWithCookies();
Error LoginChallengeWithoutHydra();
// Login.
Error SessionAal1Required();                  // 401: aal2 requested without a session
Error AalUnparsable(std::string_view value);  // 400
Error SessionInactive();                      // 401: logout without a session
Error LogoutTokenMissing();                   // 400
Error LogoutTokenMismatch();                  // 403
Error SessionTokenUnknown();                  // 403: native logout of an unknown token
Error TooManyAttempts(Duration retry_after);  // 429: throttled sign-ins
Error TooManyCodes(Duration retry_after);     // 429: one-time codes sent too often (Atrium)
Error LoginChallengeEmpty();
// Verification (docs/wire/verification.md §8).
Error VerificationDisabled();      // 400, forwarded to the error UI for browsers
Error VerificationFlowNotFound();  // 404 on submit
// 410 self_service_flow_replaced: use the new flow `use_flow_id`, which carries the message.
Error FlowReplaced(std::string_view reason, std::string_view use_flow_id);
// Both at once, as every flow's init checks ?login_challenge= (nullopt: not sent).
Status CheckLoginChallenge(const std::optional<std::string>& challenge,
                           std::string_view oauth2_provider_url);

}  // namespace atrium::flow

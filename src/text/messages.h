#pragma once
// The message catalogue (Kratos text ids, docs/wire/registration.md §23, docs/wire/login.md §17).
// Every constructor returns the English text; ids are literals and never renumbered.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "text/message.h"

namespace atrium::text {

// Labels and info messages.
Message SignUp();                                                                   // 1040001
Message SignUpWith(std::string_view provider_label, std::string_view provider_id);  // 1040002
Message RegistrationContinue();                                                     // 1040003
Message Back();                                                                     // 1040008
Message ChooseCredential();                                                         // 1040009
Message PasswordLabel();                                                            // 1070001
Message TraitLabel(std::string_view title, std::string_view name);                  // 1070002

// Sign-up by one-time code (docs/wire/registration.md §17.3).
Message RegistrationCodeSent();     // 1040005
Message SendSignUpCode();           // 1040006
Message ResendCode();               // 1070008
Message RegistrationCodeLabel();    // 1070012
Message TraitsMismatch();           // 4000036
Message RegistrationCodeInvalid();  // 4040003

// Sign-up with a passkey or a security key (docs/wire/registration.md §17.4, §17.5).
Message SignUpWithSecurityKey();  // 1040004
Message SignUpWithPasskey();      // 1040007
Message SecurityKeyNameLabel();   // 1050013

// Errors.
Message Generic(std::string_view reason);     // 4000001
Message Required(std::string_view property);  // 4000002
Message DuplicateIdentifier();                // 4000007
Message NoIdentifiers();                      // 4000009
Message DuplicateWithHints(std::string_view hint, const std::vector<std::string>& credential_types,
                           const std::vector<std::string>& oidc_providers);  // 4000028
Message PasswordTooLong(int64_t max, int64_t actual);                        // 4000033
Message PasswordPolicy(std::string_view reason);                             // 4000005
Message PasswordTooSimilar();                                                // 4000031
Message PasswordTooShort(int64_t min, int64_t actual);                       // 4000032
Message PasswordBreached(int64_t breaches);                                  // 4000034
Message NoStrategy();                                                        // 4010003
Message IdentityDisabled();                                                  // 4010011
// The registration (4040001), login (4010001) or verification (4070005) flow expired `ago`.
enum class FlowKind { kRegistration, kLogin, kVerification };
Message FlowExpired(FlowKind kind, Timestamp expired_at, Duration ago);

// Login.
Message SignIn();                   // 1010001
Message ConfirmItIsYou();           // 1010003
Message CompleteSecondFactor();     // 1010004
Message SignInWithPassword();       // 1010022
Message IdentifierLabelFallback();  // 1070004 "ID"
Message Continue();                 // 1070009
Message InvalidCredentials();       // 4000006
Message AddressNotVerified();       // 4000010
Message NoLoginMethod();            // 4000037
Message NoLoginStrategy();          // 4010002

// Verification (docs/wire/verification.md §7).
Message EmailLabel();                      // 1070007
Message VerificationCodeLabel();           // 1070011
Message VerificationSuccessful();          // 1080002 (success)
Message VerificationEmailWithCodeSent();   // 1080003
Message VerificationRetrySuccess();        // 4070002
Message VerificationCodeInvalidOrUsed();   // 4070006
Message VerificationEmailWithLinkSent();   // 1080001
Message VerificationTokenInvalidOrUsed();  // 4070001
Message NoVerificationStrategy();          // 4010006

}  // namespace atrium::text

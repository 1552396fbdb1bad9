#include "text/messages.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "base/strings.h"
#include "base/time.h"

namespace atrium::text {
namespace {

Message Info(int64_t id, std::string text, Json context = nullptr) {
  return Message{id, std::move(text), MessageType::kInfo, std::move(context)};
}

Message Err(int64_t id, std::string text, Json context = nullptr) {
  return Message{id, std::move(text), MessageType::kError, std::move(context)};
}

std::string HumanCredentialType(const std::string& type) {
  if (type == "password") {
    return "your password";
  }
  if (type == "oidc" || type == "saml") {
    return "social sign in";
  }
  if (type == "webauthn") {
    return "your passkey or a security key";
  }
  if (type == "passkey") {
    return "your passkey";
  }
  return type;
}

std::string TitleCase(const std::string& s) {
  if (s.find('{') != std::string::npos || s.find('}') != std::string::npos) {
    return s;
  }
  std::string out = s;
  bool start = true;
  for (char& c : out) {
    if (start && c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    }
    start = c == ' ' || c == '-' || c == '_';
  }
  return out;
}

}  // namespace

Message SignUp() { return Info(1040001, "Sign up"); }

Message SignUpWithSecurityKey() { return Info(1040004, "Sign up with security key"); }

Message SignUpWithPasskey() { return Info(1040007, "Sign up with passkey"); }

Message SecurityKeyNameLabel() { return Info(1050013, "Name of the security key"); }

Message SignUpWith(std::string_view provider_label, std::string_view provider_id) {
  Json ctx;
  ctx["provider"] = provider_label;
  ctx["provider_id"] = provider_id;
  return Info(1040002, "Sign up with " + std::string(provider_label), std::move(ctx));
}

Message RegistrationContinue() { return Info(1040003, "Continue"); }

Message Back() { return Info(1040008, "Back"); }

Message ChooseCredential() {
  return Info(1040009, "Please choose a credential to authenticate yourself with.");
}

Message PasswordLabel() { return Info(1070001, "Password"); }

Message TraitLabel(std::string_view title, std::string_view name) {
  Json ctx;
  ctx["name"] = name;
  ctx["title"] = title;
  return Info(1070002, std::string(title), std::move(ctx));
}

Message Generic(std::string_view reason) {
  Json ctx;
  ctx["reason"] = reason;
  return Err(4000001, std::string(reason), std::move(ctx));
}

Message Required(std::string_view property) {
  Json ctx;
  ctx["property"] = property;
  return Err(4000002, "Property " + std::string(property) + " is missing.", std::move(ctx));
}

Message DuplicateIdentifier() {
  return Err(4000007,
             "An account with the same identifier (email, phone, username, ...) exists already.");
}

Message NoIdentifiers() {
  return Err(4000009,
             "Could not find any login identifiers. Did you forget to set them? This could also be "
             "caused by a server misconfiguration.");
}

Message DuplicateWithHints(std::string_view hint, const std::vector<std::string>& credential_types,
                           const std::vector<std::string>& oidc_providers) {
  if (hint.empty() && credential_types.empty() && oidc_providers.empty()) {
    return DuplicateIdentifier();
  }
  std::string text = "You tried signing in with ";
  text += hint.empty() ? std::string("an email, phone, or username") : std::string(hint);
  text += " which is already in use by another account.";
  std::vector<std::string> human;
  for (const auto& t : credential_types) {
    std::string h = HumanCredentialType(t);
    if (std::find(human.begin(), human.end(), h) == human.end()) {
      human.push_back(std::move(h));
    }
  }
  if (!human.empty()) {
    if (human.size() > 1) {
      human.back() = "or " + human.back();
    }
    text += " You can sign in using ";
    for (size_t i = 0; i < human.size(); ++i) {
      text += (i ? ", " : "") + human[i];
    }
    text += ".";
  }
  if (!oidc_providers.empty()) {
    text += " You can sign in using one of the following social sign in providers: ";
    for (size_t i = 0; i < oidc_providers.size(); ++i) {
      text += (i ? ", " : "") + TitleCase(oidc_providers[i]);
    }
    text += ".";
  }
  Json ctx;
  ctx["available_credential_types"] = credential_types;
  ctx["available_oidc_providers"] = oidc_providers;
  ctx["credential_identifier_hint"] = hint;
  return Err(4000028, std::move(text), std::move(ctx));
}

Message PasswordTooLong(int64_t max, int64_t actual) {
  Json ctx;
  ctx["actual_length"] = actual;
  ctx["max_length"] = max;
  return Err(4000033,
             "The password must be at most " + std::to_string(max) + " characters long, but got " +
                 std::to_string(actual) + ".",
             std::move(ctx));
}

Message PasswordPolicy(std::string_view reason) {
  Json ctx;
  ctx["reason"] = reason;
  return Err(4000005, "The password can not be used because " + std::string(reason) + ".",
             std::move(ctx));
}

Message PasswordTooSimilar() {
  return Err(4000031, "The password can not be used because it is too similar to the identifier.",
             nullptr);
}

Message PasswordTooShort(int64_t min, int64_t actual) {
  Json ctx;
  ctx["actual_length"] = actual;
  ctx["min_length"] = min;
  return Err(4000032,
             "The password must be at least " + std::to_string(min) + " characters long, but got " +
                 std::to_string(actual) + ".",
             std::move(ctx));
}

Message PasswordBreached(int64_t breaches) {
  Json ctx;
  ctx["breaches"] = breaches;
  return Err(4000034, "The password has been found in data breaches and must no longer be used.",
             std::move(ctx));
}

Message NoStrategy() {
  return Err(4010003,
             "Could not find a strategy to sign you up with. Did you fill out the form correctly?");
}

Message IdentityDisabled() {
  return Err(4010011, "This account has been disabled. Please contact support for assistance.");
}

Message FlowExpired(FlowKind kind, Timestamp expired_at, Duration ago) {
  const double minutes = std::chrono::duration<double>(ago).count() / 60.0;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", minutes);
  Json ctx;
  ctx["expired_at"] = FormatRfc3339(expired_at);
  ctx["expired_at_unix"] =
      std::chrono::duration_cast<std::chrono::seconds>(expired_at.time_since_epoch()).count();
  int64_t id = 4040001;
  std::string name = "The registration";
  if (kind == FlowKind::kLogin) {
    id = 4010001;
    name = "The login";
  } else if (kind == FlowKind::kVerification) {
    id = 4070005;
    name = "The verification";
  }
  return Err(id, name + " flow expired " + buf + " minutes ago, please try again.", std::move(ctx));
}

Message RegistrationCodeSent() {
  return Info(1040005,
              "A code has been sent to the address(es) you provided. If you have not received a "
              "message, check the spelling of the address and retry the registration.");
}

Message SendSignUpCode() { return Info(1040006, "Send sign up code"); }

Message ResendCode() { return Info(1070008, "Resend code"); }

Message RegistrationCodeLabel() { return Info(1070012, "Registration code"); }

Message TraitsMismatch() {
  return Err(4000036,
             "The provided traits do not match the traits previously associated with this flow.");
}

Message RegistrationCodeInvalid() {
  return Err(4040003,
             "The registration code is invalid or has already been used. Please try again.");
}

Message SignIn() { return Info(1010001, "Sign in"); }

Message ConfirmItIsYou() {
  return Info(1010003, "Please confirm this action by verifying that it is you.");
}

Message CompleteSecondFactor() {
  return Info(1010004, "Please complete the second authentication challenge.");
}

Message SignInWithPassword() { return Info(1010022, "Sign in with password"); }

Message IdentifierLabelFallback() { return Info(1070004, "ID"); }

Message Continue() { return Info(1070009, "Continue"); }

Message InvalidCredentials() {
  return Err(4000006,
             "The provided credentials are invalid, check for spelling mistakes in your password "
             "or username, email address, or phone number.");
}

Message AddressNotVerified() {
  return Err(4000010, "Account not active yet. Did you forget to verify your email address?");
}

Message NoLoginMethod() {
  return Err(4000037, "This account does not exist or has no login method configured.");
}

Message NoLoginStrategy() {
  return Err(4010002,
             "Could not find a strategy to log you in with. Did you fill out the form correctly?");
}

Message EmailLabel() { return Info(1070007, "Email"); }

Message VerificationCodeLabel() { return Info(1070011, "Verification code"); }

Message VerificationSuccessful() {
  return Message{1080002, "You successfully verified your email address.", MessageType::kSuccess,
                 nullptr};
}

Message VerificationEmailWithCodeSent() {
  return Info(1080003,
              "An email containing a verification code has been sent to the email address you "
              "provided. If you have not received an email, check the spelling of the address and "
              "make sure to use the address you registered with.");
}

Message VerificationEmailWithLinkSent() {
  return Info(1080001,
              "An email containing a verification link has been sent to the email address you "
              "provided. If you have not received an email, check the spelling of the address and "
              "make sure to use the address you registered with.");
}

Message VerificationTokenInvalidOrUsed() {
  return Err(4070001,
             "The verification token is invalid or has already been used. Please retry the flow.");
}

Message VerificationRetrySuccess() {
  return Err(4070002, "The request was already completed successfully and can not be retried.");
}

Message VerificationCodeInvalidOrUsed() {
  return Err(4070006,
             "The verification code is invalid or has already been used. Please try again.");
}

Message NoVerificationStrategy() {
  return Err(4010006,
             "Could not find a strategy to verify your account with. Did you fill out the form "
             "correctly?");
}

}  // namespace atrium::text

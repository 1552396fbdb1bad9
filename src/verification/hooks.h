#pragma once
// The after-registration hooks of verification (docs/wire/registration.md §18.2, §18.3;
// docs/wire/verification.md §9), plugged into registration's post-persist seam.

#include <string_view>

#include "flow/csrf.h"
#include "registration/hook.h"
#include "verification/service.h"

namespace atrium::verification {

// Built in when verification is enabled: starts a verification flow for the first unverified
// address, queues its code and remembers the flow in the registration flow's internal context.
// Adds no continue_with item itself.
class VerificationHook final : public registration::PostPersistHook {
 public:
  VerificationHook(const Service& service, const flow::CsrfGuard& csrf)
      : service_(service), csrf_(csrf) {}
  std::string_view Name() const override { return "verification"; }
  Status Run(const flow::Request& request, registration::Flow& flow, identity::Identity& identity,
             registration::HookEffects& effects) const override;

 private:
  const Service& service_;
  const flow::CsrfGuard& csrf_;
};

// `show_verification_ui`: the continue_with item for the flow the verification hook started, and
// for classic browsers the final redirect to the verification UI.
class ShowVerificationUiHook final : public registration::PostPersistHook {
 public:
  std::string_view Name() const override { return "show_verification_ui"; }
  Status Run(const flow::Request& request, registration::Flow& flow, identity::Identity& identity,
             registration::HookEffects& effects) const override;
};

// The key of the internal context under which the started flow is remembered (Kratos' name).
inline constexpr const char* kVerificationFlowContextKey = "verification_flow";

}  // namespace atrium::verification

#include "verification/hooks.h"

#include <optional>
#include <utility>

#include "base/log.h"

namespace atrium::verification {

Status VerificationHook::Run(const flow::Request& /*request*/, registration::Flow& flow,
                             identity::Identity& identity,
                             registration::HookEffects& effects) const {
  if (!service_.Enabled()) {
    return OkStatus();
  }
  for (identity::VerifiableAddress& address : identity.verifiable_addresses) {
    if (address.verified || address.value.empty()) {
      continue;
    }
    Origin origin;
    origin.type = flow.IsApi() ? FlowType::kApi : FlowType::kBrowser;
    origin.request_url = flow.request_url;
    origin.transient_payload = flow.transient_payload;
    std::optional<flow::CsrfGuard::Rotation> rotation;
    if (!flow.IsApi()) {
      // The verification flow is bound to a new CSRF token, set with this answer.
      rotation = csrf_.Rotate();
      origin.csrf_masked = rotation->masked;
    }
    ATRIUM_ASSIGN_OR_RETURN(const Started started, service_.StartFor(origin, identity, address));
    address.status = "sent";
    if (rotation) {
      effects.cookies.push_back(std::move(rotation->cookie));
      effects.csrf_rotated = true;
    }
    Json ref;
    ref["id"] = started.id;
    ref["verifiable_address"] = started.verifiable_address;
    if (!started.url.empty()) {
      ref["url"] = started.url;
    }
    flow.internal_context[kVerificationFlowContextKey] = std::move(ref);
    break;  // one flow: a client can be sent to one UI only
  }
  return OkStatus();
}

Status ShowVerificationUiHook::Run(const flow::Request& request, registration::Flow& flow,
                                   identity::Identity& /*identity*/,
                                   registration::HookEffects& effects) const {
  const auto ref = flow.internal_context.find(kVerificationFlowContextKey);
  if (ref == flow.internal_context.end() || !ref->is_object()) {
    LogWarning(
        "registration flow {}: hook show_verification_ui found no verification flow (is "
        "verification enabled and does the identity have an unverified address?)",
        flow.id);
    return OkStatus();
  }
  effects.continue_with.push_back({{"action", "show_verification_ui"}, {"flow", *ref}});
  if (const auto url = ref->find("url");
      url != ref->end() && url->is_string() && !request.is_json && !request.accepts_json) {
    effects.browser_redirect = url->get<std::string>();
  }
  return OkStatus();
}

}  // namespace atrium::verification

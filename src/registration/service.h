#pragma once
// The registration use cases (spec §4-§7, §14-§18): create, fetch and submit flows. Transport
// free: requests come in as RequestContext values, answers go out as Reply values.

#include <memory>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "config/config.h"
#include "flow/return_to.h"
#include "identity/schema.h"
#include "registration/context.h"
#include "registration/store.h"
#include "registration/strategy.h"

namespace atrium::registration {

class Service final : public FormBuilder {
 public:
  // `strategies` in Kratos' fixed submit order (profile, password, oidc, code, passkey, webauthn).
  // All references must outlive the service. Thread-safe: no mutable state.
  Service(const config::Config& config, const identity::SchemaRegistry& schemas, FlowStore& flows,
          RegistrationStore& registrations, std::vector<Strategy*> strategies, const Clock& clock);

  Reply InitBrowser(const RequestContext& request, const InitParams& params) const;
  Reply InitApi(const RequestContext& request, const InitParams& params) const;
  Reply GetFlow(const RequestContext& request, std::string_view id) const;
  Reply Submit(const RequestContext& request, const SubmitParams& params) const;

  void Build(Flow& flow, const identity::IdentitySchema& schema, FormStep step) const override;

 private:
  Result<Flow> CreateFlow(const RequestContext& request, const InitParams& params,
                          FlowType type) const;
  Reply HandleExpired(const RequestContext& request, const Flow& expired) const;
  // Spec §7.2: messages or an error on the flow, rendered as 400 flow / 302 / forwarded error.
  Reply FlowError(const RequestContext& request, Flow& flow, const SubmitContext* ctx,
                  std::vector<FieldMessage> messages) const;
  Reply FlowError(const RequestContext& request, Flow& flow, const SubmitContext* ctx,
                  const Error& error) const;
  Reply Complete(const RequestContext& request, SubmitContext& ctx, std::string_view method) const;
  const identity::IdentitySchema& SchemaOf(const Flow& flow) const;
  bool HasSessionHook(std::string_view method) const;
  std::string ReturnUrlDefault(std::string_view method) const;
  std::string UiUrl(const Flow& flow) const;

  const config::Config& config_;
  const identity::SchemaRegistry& schemas_;
  FlowStore& flows_;
  RegistrationStore& registrations_;
  std::vector<Strategy*> strategies_;
  const Clock& clock_;
  flow::ReturnToPolicy return_to_;
};

}  // namespace atrium::registration

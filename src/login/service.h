#pragma once
// The login use cases (docs/wire/login.md §2-§12): create, fetch and submit login flows, and
// the post-login pipeline that signs the identity in. Transport free, like registration: methods
// plug in through login::Strategy, sessions come from session::Manager.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/ids.h"
#include "config/config.h"
#include "flow/csrf.h"
#include "flow/reply.h"
#include "flow/request.h"
#include "flow/return_to.h"
#include "identity/schema_registry.h"
#include "identity/store.h"
#include "login/store.h"
#include "login/strategy.h"
#include "login/throttle.h"
#include "session/manager.h"

namespace atrium::login {

struct InitParams {
  std::string refresh;  // the query value; Go's ParseBool decides
  std::string aal;      // "" = aal1
  std::string return_to;
  std::optional<std::string> login_challenge;
  std::string organization;
  std::string identity_schema;
  bool return_session_token_exchange_code = false;
};

struct SubmitParams {
  std::string flow_id;
  // Set when the body could be decoded; otherwise `body_error` holds the decoder's 400 error.
  std::optional<flow::Body> body;
  std::optional<Error> body_error;
};

// Everything the service uses; all references must outlive it.
struct Dependencies {
  const config::Config& config;
  const identity::SchemaRegistry& schemas;
  FlowStore& flows;
  identity::IdentityStore& identities;
  const session::Manager& sessions;
  const flow::CsrfGuard& csrf;
  Throttle& throttle;
  // The methods, in the order Kratos tries them (password, oidc, code, totp, passkey, webauthn,
  // lookup_secret, identifier_first): the first one responsible for a submission handles it.
  std::vector<const Strategy*> strategies;
  IdGenerator& ids;
  const Clock& clock;
};

class Service final : public FormBuilder {
 public:
  // Thread-safe: no mutable state.
  explicit Service(Dependencies deps);

  flow::Reply InitBrowser(const flow::Request& request, const InitParams& params) const;
  flow::Reply InitApi(const flow::Request& request, const InitParams& params) const;
  flow::Reply GetFlow(const flow::Request& request, std::string_view id) const;
  flow::Reply Submit(const flow::Request& request, const SubmitParams& params) const;

  bool Build(Flow& flow, const identity::IdentitySchema& schema, FormStep step,
             const identity::Identity* identity) const override;

 private:
  Result<Flow> CreateFlow(const flow::Request& request, const InitParams& params,
                          FlowType type) const;
  flow::Reply HandleExpired(const flow::Request& request, const Flow& expired) const;
  flow::Reply Finish(const flow::Request& request, SubmitContext& ctx, std::string_view method,
                     Outcome outcome) const;
  // docs/wire/login.md §6.2: messages or an error on the flow, rendered as 400 flow, 303 to the
  // form, or a forwarded error.
  flow::Reply FlowError(const flow::Request& request, Flow& flow, const Json& decoded,
                        std::vector<flow::FieldMessage> messages) const;
  flow::Reply FlowError(const flow::Request& request, Flow& flow, const Json& decoded,
                        const Error& error) const;
  // The post-login pipeline: the session, hooks, the answer (docs/wire/login.md §12).
  flow::Reply SignIn(const flow::Request& request, SubmitContext& ctx, std::string_view method,
                     const identity::Identity& identity) const;
  // The flow's form with the request's masked CSRF token (browser flows).
  void RefreshCsrf(const flow::Request& request, Flow& flow) const;
  void Sort(const flow::Request& request, Flow& flow) const;
  Status Save(Flow& flow) const;
  const identity::IdentitySchema& SchemaOf(const Flow& flow) const;
  std::string ReturnUrlDefault(std::string_view method) const;
  std::string UiUrl(const Flow& flow) const;
  const std::vector<config::Hook>& HooksOf(std::string_view method) const;

  Dependencies d_;
  flow::ReturnToPolicy return_to_;
};

}  // namespace atrium::login

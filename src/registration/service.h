#pragma once
// The registration use cases (docs/wire/registration.md §4-§7, §14-§18): create, fetch and
// submit flows, resume them from callbacks, and the after-registration pipeline. Transport
// free: requests come in as flow::Request values, answers go out as flow::Reply values. Knows no
// method by name: methods plug in through registration::Strategy.

#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/ids.h"
#include "config/config.h"
#include "courier/composer.h"
#include "flow/csrf.h"
#include "flow/reply.h"
#include "flow/request.h"
#include "flow/return_to.h"
#include "hydra/hydra.h"
#include "identity/schema_registry.h"
#include "registration/hook.h"
#include "registration/store.h"
#include "registration/strategy.h"
#include "session/manager.h"
#include "session/token_exchange.h"

namespace atrium::registration {

struct InitParams {
  std::string return_to;
  std::optional<std::string> login_challenge;
  std::string after_verification_return_to;
  std::string organization;
  std::string identity_schema;
  bool return_session_token_exchange_code = false;
};

using SubmitParams = flow::SubmitParams;

// Everything the service uses; all references must outlive it.
struct Dependencies {
  const config::Config& config;
  const identity::SchemaRegistry& schemas;
  FlowStore& flows;
  RegistrationStore& registrations;
  const session::Manager& sessions;
  const flow::CsrfGuard& csrf;
  // The methods, in the order Kratos tries them (profile, password, oidc, code, passkey,
  // webauthn): the first one responsible for a submission handles it.
  std::vector<const Strategy*> strategies;
  IdGenerator& ids;
  const Clock& clock;
  // The post-persist hooks Atrium implements, looked up by name (§18 step 7).
  std::vector<const PostPersistHook*> hooks;
  // The hooks with a configuration of their own (web_hook), looked up by name (§18.7-§18.9).
  std::vector<const ConfiguredHook*> configured_hooks = {};
  // Rung after a registration queued hook notifications; may be null.
  courier::Doorbell* doorbell = nullptr;
  // Hydra (oauth2_provider.url), or null when none is configured (§20).
  const hydra::Provider* hydra = nullptr;
  // Native apps' session token exchange (§17.6); null = not offered.
  const session::TokenExchanges* exchanges = nullptr;
};

class Service final : public FormBuilder {
 public:
  // Thread-safe: no mutable state.
  explicit Service(Dependencies deps);

  flow::Reply InitBrowser(const flow::Request& request, const InitParams& params) const;
  flow::Reply InitApi(const flow::Request& request, const InitParams& params) const;
  // InitApi without waiting for the store, for the I/O thread: the flow is built on the calling
  // thread and `answer` is called with InitApi's reply once the store has committed it (from a
  // store thread). false, and `answer` is never called, when the request needs what may wait (a
  // before hook, a session token exchange, a session, a store that cannot write later): then
  // call InitApi. `request` must carry no session credentials (it is not looked up).
  bool InitApiLater(const flow::Request& request, const InitParams& params,
                    std::function<void(flow::Reply)> answer) const;
  flow::Reply GetFlow(const flow::Request& request, std::string_view id) const;
  // GetFlow's answer if it can be given at once, without waiting for the store (on the I/O
  // thread): the stored answer of a flow the store reads without waiting, sent as it is. nullopt:
  // call GetFlow. `request` is called (once) only when the store had the flow at hand, so that a
  // store that never reads at once costs no request to build.
  using RequestOf = std::function<const flow::Request&()>;
  std::optional<flow::Reply> GetFlowNow(const RequestOf& request, std::string_view id) const;
  // The same for a store that reads later (FlowStore::GetFlowAnswerLater, batched with other
  // fetches), without blocking the calling thread: `answer` is called once, from a store thread,
  // with the reply, or with nullopt when the flow must be decoded (then call GetFlow, on a thread
  // that may wait). false, and `answer` is never called: call GetFlow. `request` must outlive the
  // call of `answer`.
  bool GetFlowLater(const flow::Request& request, std::string_view id,
                    std::function<void(std::optional<flow::Reply>)> answer) const;
  flow::Reply Submit(const flow::Request& request, const SubmitParams& params) const;
  // GET|POST /self-service/methods/<method>/callback/<path>.
  flow::Reply Callback(const CallbackRequest& callback, std::string_view method) const;

  // Every script the enabled methods need, for the API to serve.
  std::vector<Script> Scripts() const;

  void Build(Flow& flow, const identity::IdentitySchema& schema, FormStep step) const override;

 private:
  // A new flow with its form, not stored yet (before hooks not run).
  Result<Flow> NewFlow(const flow::Request& request, const InitParams& params, FlowType type) const;
  // Creates and stores a new flow. `answer`, when given, receives the stored answer if that is
  // the flow's whole public JSON (else it is left empty).
  Result<Flow> CreateFlow(const flow::Request& request, const InitParams& params, FlowType type,
                          std::string* answer = nullptr) const;
  static flow::Reply AnswerCreated(const Flow& created, std::string stored_answer);
  // Whether a fetch of `id` is worth a read of the stored answer (registration enabled, an id
  // that can name a flow); otherwise the decoding path answers it.
  bool MayHaveStoredAnswer(std::string_view id) const;
  // A stored answer sent as it is (flow::AnswerStored); nullopt when the flow must be decoded.
  std::optional<flow::Reply> AnswerStored(
      const flow::Request& request, const Result<std::optional<flow::StoredAnswer>>& stored) const;
  flow::Reply HandleExpired(const flow::Request& request, const Flow& expired) const;
  // Runs `outcome` of a method to its answer (submissions and callbacks alike).
  flow::Reply Finish(const flow::Request& request, SubmitContext& ctx, std::string_view method,
                     Outcome outcome) const;
  // docs/wire/registration.md §7.2: messages or an error on the flow, rendered as 400 flow,
  // 302 to the form, or a forwarded error.
  flow::Reply FlowError(const flow::Request& request, Flow& flow, const Json& decoded,
                        std::vector<flow::FieldMessage> messages) const;
  flow::Reply FlowError(const flow::Request& request, Flow& flow, const Json& decoded,
                        const Error& error) const;
  flow::Reply Complete(const flow::Request& request, SubmitContext& ctx, std::string_view method,
                       identity::Identity identity) const;
  flow::Reply SignInExisting(const flow::Request& request, Flow& flow, std::string_view method,
                             const identity::Identity& identity, bool from_callback) const;
  // §20: Hydra's login request of a flow started with a login_challenge (nullopt without one).
  Result<std::optional<hydra::LoginRequest>> LoginRequestOf(const Flow& flow) const;
  // Accepts the flow's login challenge for `session`: Hydra's redirect_to.
  Result<std::string> AcceptLogin(const std::string& challenge,
                                  const session::Session& session) const;
  // Hydra's redirect_to after a sign-up inside an OAuth2 login ("" without a challenge, or when
  // the verification UI is shown first), the login accepted for `session`.
  Result<std::string> OAuth2Redirect(const Flow& flow, const session::Session& session,
                                     const HookEffects& effects) const;
  // `oauth2_redirect`: where the browser goes instead of the return URL ("" = nowhere else).
  flow::Reply Success(const flow::Request& request, const Flow& flow,
                      const identity::Identity& identity, const session::Session* session,
                      const std::string& return_url, HookEffects effects,
                      const std::string& oauth2_redirect, bool from_callback) const;
  // The configured entries of `method` in the order they run (§18 steps 1 and 7).
  const std::vector<config::Hook>& ConfiguredEntries(std::string_view method) const;
  const ConfiguredHook* FindConfigured(std::string_view name) const;
  // Before hooks at flow creation (§18.8).
  Status RunBeforeHooks(const flow::Request& request, const Flow& flow) const;
  // The post-persist hooks for `method` in the order they run (§18 step 7), `session` excluded.
  std::vector<const PostPersistHook*> HooksOf(std::string_view method) const;
  // The flow with the request's masked CSRF token in its form, sorted unless `keep_order`.
  void RefreshForm(const flow::Request& request, Flow& flow, bool keep_order = false) const;
  const identity::IdentitySchema& SchemaOf(const Flow& flow) const;
  FormStep StepOf() const;
  bool HasSessionHook(std::string_view method) const;
  std::string ReturnUrlDefault(std::string_view method) const;
  std::string UiUrl(const Flow& flow) const;
  const Strategy* Find(std::string_view method) const;

  Dependencies d_;
  flow::ReturnToPolicy return_to_;
};

}  // namespace atrium::registration

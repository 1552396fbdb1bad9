#pragma once
// The verification use cases (docs/wire/verification.md): create, fetch and submit verification
// flows with the `code` method (send a code to an address, then check it), and start a flow on
// behalf of a sign-up (the verification hook, §9). Transport free, like login and registration.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/cookie.h"
#include "base/ids.h"
#include "config/config.h"
#include "courier/composer.h"
#include "flow/body.h"
#include "flow/csrf.h"
#include "flow/reply.h"
#include "flow/request.h"
#include "flow/return_to.h"
#include "identity/identity.h"
#include "identity/store.h"
#include "login/throttle.h"
#include "otp/codes.h"
#include "text/message.h"
#include "ui/node.h"
#include "verification/store.h"

namespace atrium::verification {

// Everything the service uses; all references must outlive it.
struct Dependencies {
  const config::Config& config;
  FlowStore& flows;
  // Code submissions per flow are counted here, under "verification_code:<flow id>".
  login::AttemptStore& submissions;
  AddressStore& addresses;
  identity::IdentityStore& identities;
  otp::CodeStore& codes;
  const otp::Digester& digester;
  const courier::Composer& composer;
  courier::Doorbell* doorbell;  // may be null: the sender polls the outbox
  const flow::CsrfGuard& csrf;
  IdGenerator& ids;
  const Clock& clock;
};

// The flow a verification flow is started for (a registration), as the hook sees it.
struct Origin {
  FlowType type = FlowType::kBrowser;
  std::string request_url;  // its after_verification_return_to becomes the new return_to
  Json transient_payload;
  std::string csrf_masked;  // browser: the masked form of the token the response sets
};

// A verification flow started for an address: continue_with's `flow` object.
struct Started {
  std::string id;
  std::string verifiable_address;
  std::string url;  // the verification UI with ?flow=; "" for API flows
};

class Service final {
 public:
  // Thread-safe: no mutable state.
  explicit Service(Dependencies deps);

  flow::Reply InitBrowser(const flow::Request& request) const;
  flow::Reply InitApi(const flow::Request& request) const;
  flow::Reply GetFlow(const flow::Request& request, std::string_view id) const;
  flow::Reply Submit(const flow::Request& request, const flow::SubmitParams& params) const;
  // GET /self-service/verification?flow=&code= (the link in the e-mail), the query as the body:
  // a code fills the form and the browser goes to the UI to submit it (§5.4).
  flow::Reply SubmitByLink(const flow::Request& request, const flow::SubmitParams& params) const;

  // §9: a flow in state sent_email for `address` of `identity`, its code queued and the address
  // marked "sent".
  Result<Started> StartFor(const Origin& origin, const identity::Identity& identity,
                           const identity::VerifiableAddress& address) const;

  bool Enabled() const { return d_.config.selfservice.verification.enabled; }
  std::string UiUrl(const Flow& flow) const;

 private:
  struct Body;
  static Result<Body> DecodeBody(const flow::SubmitParams& params);

  // A new flow in state choose_method. Errors: return_to of `request_url` not allowed.
  Result<Flow> NewFlow(std::string request_url, FlowType type, std::string csrf_masked) const;
  Result<Flow> CreateFlow(const flow::Request& request, FlowType type) const;
  // The method of selfservice.flows.verification.use ("code" or "link"): the node group, the
  // `method` value and what is sent.
  std::string_view Method() const;
  bool MethodEnabled() const;
  otp::Purpose Purpose() const;  // of what the method sends
  ui::Node EmailInput(std::string value) const;
  void PopulateChooseMethod(Flow& flow) const;
  // State sent_email after a submitted address.
  void PopulateSent(Flow& flow, std::string_view address) const;
  // State sent_email for a flow started after a sign-up (§9).
  void PopulateStarted(Flow& flow, std::string_view address) const;
  Status Save(Flow& flow) const;

  flow::Reply Handle(const flow::Request& request, const flow::SubmitParams& params,
                     bool by_link) const;
  flow::Reply FillCode(const flow::Request& request, Flow& flow, const std::string& code) const;
  // Sends a code or a link to the submitted address (nothing to an unknown one).
  flow::Reply Send(const flow::Request& request, Flow& flow, const Body& body) const;
  flow::Reply UseCode(const flow::Request& request, Flow& flow, const std::string& code) const;
  // The token of a verification link (§5.5).
  flow::Reply UseToken(const flow::Request& request, Flow& flow, const std::string& token) const;
  // The flow in state passed_challenge with its Continue link, saved.
  Status PassChallenge(const flow::Request& request, Flow& flow) const;
  // Queues a code or a link to `address` of `identity` for `flow` (the secret's digest and the
  // message in one transaction) and marks the address "sent".
  Status Issue(const Flow& flow, const identity::Identity& identity,
               const identity::VerifiableAddress& address) const;
  // The flow as the answer: browsers go to the UI, everyone else gets the JSON with `status`.
  flow::Reply Show(const flow::Request& request, const Flow& flow, int status) const;
  // §8.3: messages on the flow (400, or 303 to the UI for browsers); errors other than 400 are
  // forwarded.
  flow::Reply FlowError(const flow::Request& request, Flow& flow, const Error& error) const;
  flow::Reply FlowMessages(const flow::Request& request, Flow& flow, text::Message message,
                           std::string_view node) const;
  // A new flow of `type` carrying `message`, stored; a browser flow is bound to a new CSRF token,
  // whose cookie is added to `cookies`.
  Result<Flow> Replacement(std::string request_url, FlowType type, text::Message message,
                           std::vector<SetCookie>& cookies) const;
  // §8.2: a new flow carrying `message`, replacing `old` (410 for JSON, 303 for browsers).
  flow::Reply Retry(const flow::Request& request, const Flow& old, text::Message message,
                    std::string_view reason) const;
  flow::Reply HandleExpired(const flow::Request& request, const Flow& expired) const;
  // Where the Continue link of a verified flow points (§6).
  std::string ContinueUrl(const Flow& flow) const;

  Dependencies d_;
  flow::ReturnToPolicy return_to_;
};

}  // namespace atrium::verification

#pragma once
// The seam every registration method plugs into (docs/adr/0004-strategy-seam.md). A method is a
// class in its own folder under src/strategy/ that implements Strategy, and one line in the
// composition root (src/app) that adds it; the registration service knows no method by name.
//
// A method contributes nodes to the form, decodes and validates the submissions addressed to
// it, and finishes in one of the outcomes below; the service does the rest (persisting,
// sessions, hooks, rendering). Methods never see HTTP.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "base/cookie.h"
#include "base/error.h"
#include "base/json.h"
#include "flow/body.h"
#include "flow/form.h"
#include "flow/outcome.h"
#include "flow/request.h"
#include "identity/identity.h"
#include "identity/schema_registry.h"
#include "registration/flow.h"

namespace atrium::registration {

// Which form a method adds its nodes to.
enum class FormStep {
  kOneStep,      // "unified": every method's full form
  kProfile,      // two-step, step 1: traits only
  kCredentials,  // two-step, step 2: credential methods
};

// Rebuilds a flow's form from every enabled method's nodes (the service implements it; the
// profile method uses it to switch between the two steps).
class FormBuilder {
 public:
  virtual ~FormBuilder() = default;
  virtual void Build(Flow& flow, const identity::IdentitySchema& schema, FormStep step) const = 0;
};

// ---- outcomes ------------------------------------------------------------------------------
// The shared ones (flow/outcome.h), and registration's own two.

using flow::Failed;
using flow::FormErrors;
using flow::NextStep;
using flow::NotResponsible;
using flow::Redirect;

// Create this identity (traits validated, the method's credential inside). The service assigns
// ids and timestamps, runs the after-registration pipeline and writes everything at once.
struct Created {
  identity::Identity identity;
};
// An existing identity proved itself (e.g. a social sign-in subject that is registered already):
// the service signs it in instead of creating anything.
struct SignIn {
  identity::Identity identity;
};

using Outcome =
    std::variant<NotResponsible, Created, SignIn, FormErrors, NextStep, Redirect, Failed>;

// ---- inputs ------------------------------------------------------------------------------

struct SubmitContext {
  const flow::Request& request;
  Flow& flow;  // the method may change the form (next steps, submitted values)
  const identity::IdentitySchema& schema;
  const flow::Body& body;
  FormStep step = FormStep::kOneStep;  // kOneStep or kProfile: the flow's style
  const FormBuilder& forms;
  const flow::CsrfGuard& csrf;  // for flow::VerifyOrigin once the body is read
  // The body as the method decoded it; its "traits" are copied back into the form on errors.
  Json decoded;
  // Set when a callback resumed the flow (the browser came back from an external page).
  bool from_callback = false;
  // Cookies a callback sets on the answer, whatever it is (oidc: clearing its continuity cookie).
  std::vector<SetCookie> cookies = {};
};

// A request an external party sends back to a method
// (GET|POST /self-service/methods/<method>/callback/<path>).
struct CallbackRequest {
  const flow::Request& request;
  std::string path;                                          // what follows "callback/"
  std::vector<std::pair<std::string, std::string>> params;   // query, or form fields of a POST
  std::vector<std::pair<std::string, std::string>> cookies;  // the request's cookies
};

// A script the method's nodes load in the browser (passkeys), served by the API at `path`.
struct Script {
  std::string path;  // "/.well-known/ory/webauthn.js"
  std::string content_type;
  std::string body;
};

// What every method does first with a submission addressed to it: decode the body with the
// method's body schema into ctx.decoded and validate it. nullopt to go on, else the outcome.
std::optional<Outcome> DecodeSubmission(SubmitContext& ctx, flow::BodySchemaCache& schemas);
// DecodeSubmission, then remember the transient payload and check the request's origin (CSRF for
// browser flows, no browser for API flows).
std::optional<Outcome> AcceptSubmission(SubmitContext& ctx, flow::BodySchemaCache& schemas);

class Strategy {
 public:
  virtual ~Strategy() = default;
  Strategy() = default;
  Strategy(const Strategy&) = delete;
  Strategy& operator=(const Strategy&) = delete;

  // "password": the `method` value of its submissions and the group of its nodes.
  virtual std::string_view Id() const = 0;
  virtual bool Enabled() const = 0;

  // Adds this method's nodes to the form of `step` (and removes any it added before).
  virtual void Populate(Flow& flow, const identity::IdentitySchema& schema,
                        FormStep step) const = 0;

  // Handles a submission: NotResponsible unless it is addressed to this method.
  virtual Outcome Register(SubmitContext& ctx) const = 0;

  // Callbacks (social providers): the flow a callback resumes, from its state; nullopt when the
  // callback carries no state of this method (forged, replayed or foreign).
  virtual std::optional<std::string> FlowOfCallback(const CallbackRequest& callback) const;
  // Continues the flow with the callback's parameters (also in ctx.body, as form fields).
  virtual Outcome Resume(SubmitContext& ctx, const CallbackRequest& callback) const;

  // Scripts the method's nodes load.
  virtual std::vector<Script> Scripts() const { return {}; }
};

}  // namespace atrium::registration

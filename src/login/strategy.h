#pragma once
// The seam every login method plugs into (the login side of docs/adr/0004-strategy-seam.md): a
// method contributes nodes to the login form and checks the submissions addressed to it; the
// login service does the rest (sessions, hooks, rendering). Methods never see HTTP.

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/json.h"
#include "flow/body.h"
#include "flow/csrf.h"
#include "flow/form.h"
#include "flow/outcome.h"
#include "flow/request.h"
#include "identity/identity.h"
#include "identity/schema_registry.h"
#include "identity/store.h"
#include "login/flow.h"

namespace atrium::login {

// Which form a method adds its nodes to (docs/wire/login.md §2.1 step 10, §8).
enum class FormStep {
  kFirstFactor,      // the unified form: every method's first-factor nodes
  kRefresh,          // refresh=true with a session: re-authenticate `identity`
  kIdentifierFirst,  // identifier_first style, first screen: the identifier only
  kChosen,           // identifier_first style, second screen: the methods of `identity`
};

// ---- outcomes ------------------------------------------------------------------------------

using flow::Failed;
using flow::FormErrors;
using flow::NextStep;
using flow::NotResponsible;
using flow::Redirect;

// The identity proved itself with this method: the service signs it in.
struct Authenticated {
  identity::Identity identity;
};
// Wrong credentials (unknown identifier, wrong password): shown like FormErrors, and counted by
// the throttle against the submitted identifier and the client's address.
struct Rejected {
  std::vector<flow::FieldMessage> messages;
};

using Outcome =
    std::variant<NotResponsible, Authenticated, Rejected, FormErrors, NextStep, Redirect, Failed>;

// ---- inputs ------------------------------------------------------------------------------

// Rebuilds a flow's form from every enabled method (the identifier-first step uses it to show
// the methods of the identity it found). The login service implements it.
class FormBuilder {
 public:
  virtual ~FormBuilder() = default;
  // Adds every enabled method's nodes for `step`; true when some method offered a way in.
  virtual bool Build(Flow& flow, const identity::IdentitySchema& schema, FormStep step,
                     const identity::Identity* identity) const = 0;
};

struct SubmitContext {
  const flow::Request& request;
  Flow& flow;  // the method may change the form (next screens, submitted values)
  const identity::IdentitySchema& schema;
  const flow::Body& body;
  const flow::CsrfGuard& csrf;  // for flow::VerifyOrigin once the body is read
  identity::IdentityStore& identities;
  const FormBuilder& form;
  // The body as the method decoded it; its "identifier" is copied back into the form on errors.
  Json decoded;
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  Strategy() = default;
  Strategy(const Strategy&) = delete;
  Strategy& operator=(const Strategy&) = delete;

  // "password": the `method` value of its submissions and the group of its nodes.
  virtual std::string_view Id() const = 0;
  virtual bool Enabled() const = 0;

  // Adds this method's nodes for `step`. `identity` is the one to re-authenticate (kRefresh) or
  // the one the identifier named (kChosen; null when unknown). True when the nodes offer a way
  // to sign in (for kChosen: the identity can use this method, or account enumeration
  // mitigation hides whether it can).
  virtual bool Populate(Flow& flow, const identity::IdentitySchema& schema, FormStep step,
                        const identity::Identity* identity) const = 0;

  // Handles a submission: NotResponsible unless it is addressed to this method.
  virtual Outcome Login(SubmitContext& ctx) const = 0;
};

// The identity holding `submitted` as an identifier of credential `type`: the text exactly as
// typed first (rows stored before normalization existed), then its normalized form
// (docs/wire/login.md §11.1 step 4).
Result<std::optional<identity::Identity>> FindByIdentifier(identity::IdentityStore& identities,
                                                           std::string_view type,
                                                           const std::string& submitted);

// The label of the identifier input (docs/wire/login.md §8.1): the title of the one trait that is
// an identifier, or "ID".
text::Message IdentifierLabel(const identity::IdentitySchema& schema);

}  // namespace atrium::login

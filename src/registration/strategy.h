#pragma once
// A registration method (profile, password, ...). Strategies populate the form and handle the
// submissions they are responsible for; they never write HTTP responses themselves.

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/json.h"
#include "identity/identity.h"
#include "identity/schema.h"
#include "registration/context.h"
#include "registration/flow.h"
#include "text/message.h"

namespace atrium::registration {

// Which form a strategy adds its nodes to.
enum class FormStep {
  kOneStep,      // "unified": every method's full form
  kProfile,      // two-step, step 1: traits only
  kCredentials,  // two-step, step 2: credential methods
};

// A message for a node ("" = the flow's global ui.messages).
struct FieldMessage {
  std::string node;
  text::Message message;
};

struct SubmitContext;

// Builds a flow's form: every enabled strategy's nodes for a step, then sorted.
class FormBuilder {
 public:
  virtual ~FormBuilder() = default;
  virtual void Build(Flow& flow, const identity::IdentitySchema& schema, FormStep step) const = 0;
};

struct NotResponsible {};
struct Respond {
  Reply reply;
};
struct FormUpdated {};  // the flow's form changed (two-step step): persist and show it
struct Succeeded {};    // ctx.identity holds traits and credentials
struct Invalid {
  std::vector<FieldMessage> messages;
};
struct Failed {
  Error error;
};
using Outcome = std::variant<NotResponsible, Respond, FormUpdated, Succeeded, Invalid, Failed>;

struct SubmitContext {
  const RequestContext& request;
  Flow& flow;
  const identity::IdentitySchema& schema;
  const Body& body;
  const FormBuilder& forms;
  bool two_step = false;
  identity::Identity identity;  // filled by the responsible strategy
  Json decoded;                 // the decoded body, for copying traits back into the form
  std::string group;            // node group of the responsible strategy (error handling)
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  Strategy() = default;
  Strategy(const Strategy&) = delete;
  Strategy& operator=(const Strategy&) = delete;

  virtual std::string_view Id() const = 0;
  virtual bool Enabled() const = 0;
  // Adds (or removes) this strategy's nodes for a step.
  virtual void Populate(Flow& flow, const identity::IdentitySchema& schema,
                        FormStep step) const = 0;
  virtual Outcome Register(SubmitContext& ctx) = 0;
};

}  // namespace atrium::registration

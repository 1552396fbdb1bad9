#include "strategy/profile/profile.h"

#include "flow/request.h"
#include "identity/validator.h"
#include "text/messages.h"

namespace atrium::strategy {
namespace {

using registration::FormStep;
using registration::Outcome;

ui::Node SubmitButton(std::string name, std::string value, std::string group, text::Message label) {
  ui::Node n = ui::Node::Input(std::move(name), "submit", std::move(group));
  n.input.value = std::move(value);
  n.label = std::move(label);
  return n;
}

// The fields of a profile step (§10.2) besides the traits.
Json BodyProperties() {
  return {{"csrf_token", {{"type", "string"}}},
          {"screen", {{"type", "string"}, {"enum", {"credential-selection", "previous"}}}},
          {"method", {{"type", "string"}}},
          {"transient_payload", {{"type", "object"}}}};
}

}  // namespace

ProfileStrategy::ProfileStrategy(const config::Config& config)
    : config_(config), body_schemas_(BodyProperties(), Json()) {}

void ProfileStrategy::Populate(registration::Flow& flow, const identity::IdentitySchema& schema,
                               FormStep step) const {
  if (step == FormStep::kCredentials) {
    return;  // the credential screen keeps the traits as hidden inputs (ToCredentials)
  }
  const bool in_password_group =
      config_.selfservice.methods.password.password_profile_registration_node_group == "password" &&
      step == FormStep::kOneStep;
  flow.ui.RemoveGroup("profile");
  for (auto& n : flow::TraitNodes(schema, in_password_group ? "password" : "default")) {
    flow.ui.Upsert(std::move(n));
  }
  if (step == FormStep::kProfile) {
    flow.ui.nodes.push_back(SubmitButton("method", "profile", "profile", text::SignUp()));
  }
}

Outcome ProfileStrategy::Register(registration::SubmitContext& ctx) const {
  if (ctx.step != FormStep::kProfile) {
    return registration::NotResponsible{};
  }
  const std::string method = flow::PeekField(ctx.body, "method");
  const std::string screen = flow::PeekField(ctx.body, "screen");
  if (method != "profile" && method != "profile:back" && screen.empty()) {
    return registration::NotResponsible{};
  }
  if (auto refused = registration::DecodeSubmission(ctx, body_schemas_)) {
    return std::move(*refused);
  }
  ctx.flow.ui.ResetMessages();
  const bool back = screen == "previous" || (screen.empty() && method == "profile:back");
  Outcome outcome = back ? BackToProfile(ctx) : ToCredentials(ctx);
  if (std::holds_alternative<registration::NextStep>(outcome)) {
    flow::CopyTraitsIntoNodes(ctx.flow.ui, ctx.decoded["traits"]);
    ctx.flow.transient_payload = ctx.decoded["transient_payload"];
  }
  return outcome;
}

Outcome ProfileStrategy::BackToProfile(registration::SubmitContext& ctx) const {
  registration::Flow& flow = ctx.flow;
  flow.organization_id.reset();
  std::erase_if(flow.ui.nodes, [](const ui::Node& n) { return n.group != "default"; });
  ctx.forms.Build(flow, ctx.schema, FormStep::kProfile);
  return registration::NextStep{};
}

Outcome ProfileStrategy::ToCredentials(registration::SubmitContext& ctx) const {
  registration::Flow& flow = ctx.flow;
  flow.active.clear();
  flow.state = "choose_method";
  if (auto s = flow::VerifyOrigin(ctx.request, flow.IsApi(), ctx.csrf,
                                  ctx.decoded.value("csrf_token", ""));
      !s.ok()) {
    return registration::Failed{std::move(s).error()};
  }
  identity::Identity probe;
  probe.traits = ctx.decoded["traits"];
  const auto validation = identity::ValidateTraits(ctx.schema, probe);
  if (!validation.ok()) {
    return registration::FormErrors{flow::ToFieldMessages(validation.errors)};
  }
  flow.ui.RemoveGroup("profile");
  ctx.forms.Build(flow, ctx.schema, FormStep::kCredentials);
  for (auto& n : flow.ui.nodes) {
    if (n.group == "default" && n.type == ui::NodeType::kInput) {
      n.input.type = "hidden";
    }
  }
  flow.ui.nodes.push_back(SubmitButton("screen", "previous", "profile", text::Back()));
  flow.ui.messages.push_back(text::ChooseCredential());
  return registration::NextStep{};
}

}  // namespace atrium::strategy

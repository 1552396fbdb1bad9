#include "strategy/profile/profile.h"

#include "identity/validator.h"
#include "registration/forms.h"
#include "text/messages.h"
#include "ui/sort.h"

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

}  // namespace

ProfileStrategy::ProfileStrategy(const config::Config& config, const Clock& clock)
    : config_(config), clock_(clock) {}

void ProfileStrategy::Populate(registration::Flow& flow, const identity::IdentitySchema& schema,
                               FormStep step) const {
  if (step == FormStep::kCredentials) {
    return;  // the credential screen is built by Register (hidden traits + Back)
  }
  const std::string group =
      config_.selfservice.methods.password.password_profile_registration_node_group == "password" &&
              step == FormStep::kOneStep
          ? "password"
          : "default";
  flow.ui.RemoveGroup("profile");
  for (auto& n : registration::TraitNodes(schema, group)) {
    flow.ui.Upsert(std::move(n));
  }
  if (step == FormStep::kProfile) {
    flow.ui.nodes.push_back(SubmitButton("method", "profile", "profile", text::SignUp()));
  }
}

Result<std::shared_ptr<const registration::BodySchema>> ProfileStrategy::BodySchemaFor(
    const identity::IdentitySchema& schema) {
  std::lock_guard lock(mu_);
  if (const auto it = body_schemas_.find(schema.id); it != body_schemas_.end()) {
    return it->second;
  }
  const Json properties = {
      {"csrf_token", {{"type", "string"}}},
      {"screen", {{"type", "string"}, {"enum", {"credential-selection", "previous"}}}},
      {"method", {{"type", "string"}}},
      {"transient_payload", {{"type", "object"}}}};
  ATRIUM_ASSIGN_OR_RETURN(auto built, registration::BodySchema::Build(schema, properties, Json()));
  body_schemas_[schema.id] = built;
  return built;
}

Outcome ProfileStrategy::Register(registration::SubmitContext& ctx) {
  if (!ctx.two_step) {
    return registration::NotResponsible{};
  }
  const std::string method = registration::PeekField(ctx.body, "method");
  const std::string screen = registration::PeekField(ctx.body, "screen");
  if (method != "profile" && method != "profile:back" && screen.empty()) {
    return registration::NotResponsible{};
  }
  auto body_schema = BodySchemaFor(ctx.schema);
  if (!body_schema.ok()) {
    return registration::Failed{std::move(body_schema).error()};
  }
  ctx.decoded = (*body_schema)->Decode(ctx.body);
  if (auto errors = (*body_schema)->Validate(ctx.decoded); !errors.empty()) {
    return registration::Invalid{registration::ToFieldMessages(errors)};
  }
  registration::Flow& flow = ctx.flow;
  const Json& traits = ctx.decoded["traits"];
  const bool back = screen == "previous" || (screen.empty() && method == "profile:back");

  flow.ui.ResetMessages();
  if (back) {
    // Back to the traits screen: every method re-adds its profile-step nodes.
    flow.organization_id.reset();
    std::erase_if(flow.ui.nodes, [](const ui::Node& n) { return n.group != "default"; });
    ctx.forms.Build(flow, ctx.schema, FormStep::kProfile);
  } else {
    flow.active.clear();
    flow.state = "choose_method";
    const std::string csrf = ctx.decoded.value("csrf_token", "");
    if (auto s = registration::VerifyRequestOrigin(ctx.request, flow, csrf); !s.ok()) {
      return registration::Failed{std::move(s).error()};
    }
    identity::Identity probe;
    probe.schema_id = ctx.schema.id;
    probe.traits = traits;
    const auto validation = identity::ValidateTraits(ctx.schema, probe, clock_);
    if (!validation.ok()) {
      return registration::Invalid{registration::ToFieldMessages(validation.errors)};
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
  }
  registration::CopyTraitsIntoNodes(flow, traits);
  registration::RefreshCsrf(flow, ctx.request);
  ui::SortNodes(flow.ui.nodes, ctx.schema.leaf_keys);
  flow.transient_payload = ctx.decoded["transient_payload"];
  return registration::FormUpdated{};
}

}  // namespace atrium::strategy

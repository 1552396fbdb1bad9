#include "strategy/webauthn/webauthn.h"

#include "base/strings.h"
#include "flow/errors.h"
#include "flow/form.h"
#include "flow/request.h"
#include "identity/validator.h"
#include "text/messages.h"

namespace atrium::strategy {
namespace {

using registration::FormStep;
using registration::Outcome;

// The fields of a webauthn submission (§10.2) besides the traits.
Json BodyProperties() {
  return {{"method", {{"type", "string"}}},
          {"csrf_token", {{"type", "string"}}},
          {"webauthn_register", {{"type", "string"}}},
          {"webauthn_register_displayname", {{"type", "string"}}},
          {"transient_payload", {{"type", "object"}}}};
}

registration::FormErrors Global(text::Message m) {
  return registration::FormErrors{{flow::FieldMessage{"", std::move(m)}}};
}

}  // namespace

WebAuthnStrategy::WebAuthnStrategy(const config::Config& config,
                                   identity::IdentityStore& identities, const Clock& clock)
    : config_(config),
      identities_(identities),
      ceremony_(config, config.selfservice.methods.webauthn,
                CeremonySpec{"webauthn_session_data", "webauthn_session_options", false}, clock),
      body_schemas_(BodyProperties(), Json()) {}

bool WebAuthnStrategy::Offered(const registration::Flow& flow) const {
  return Enabled() && config_.selfservice.methods.webauthn_passwordless && !flow.IsApi();
}

void WebAuthnStrategy::AddNodes(registration::Flow& flow) const {
  flow.ui.RemoveGroup("webauthn");
  const std::string options = DumpJson(ceremony_.Options(flow));
  ui::Node name = ui::Node::Input("webauthn_register_displayname", "text", "webauthn");
  name.input.value = "";
  name.label = text::SecurityKeyNameLabel();
  flow.ui.nodes.push_back(std::move(name));
  ui::Node trigger = ui::Node::Input("webauthn_register_trigger", "button", "webauthn");
  trigger.input.value = options;
  trigger.input.onclick = "window.oryWebAuthnRegistration(" + options + ")";
  trigger.input.onclick_trigger = "oryWebAuthnRegistration";
  trigger.label = text::SignUpWithSecurityKey();
  flow.ui.nodes.push_back(std::move(trigger));
  flow.ui.nodes.push_back(WebAuthnScriptNode(config_));
  ui::Node response = ui::Node::Input("webauthn_register", "hidden", "webauthn");
  response.input.value = "";
  flow.ui.nodes.push_back(std::move(response));
}

void WebAuthnStrategy::Populate(registration::Flow& flow, const identity::IdentitySchema&,
                                FormStep step) const {
  if (!Offered(flow)) {
    return;
  }
  // The script node may have come with the passkey method; this group brings its own.
  flow.ui.RemoveGroup("webauthn");
  if (step == FormStep::kProfile) {
    return;
  }
  AddNodes(flow);
}

Outcome WebAuthnStrategy::Register(registration::SubmitContext& ctx) const {
  if (flow::PeekField(ctx.body, "webauthn_register").empty()) {
    return registration::NotResponsible{};
  }
  if (!Offered(ctx.flow)) {
    return registration::Failed{flow::MethodDisabled()};
  }
  if (auto refused = registration::AcceptSubmission(ctx, body_schemas_)) {
    return std::move(*refused);
  }
  registration::Flow& flow = ctx.flow;
  flow.active = Id();
  // The challenge is used once, whatever comes of it: where the form shows the method, it shows
  // fresh options from now on.
  const bool shown = flow.ui.Find("webauthn_register_trigger", "webauthn") != nullptr;
  std::optional<CeremonySession> session = ceremony_.Take(flow);
  if (shown) {
    AddNodes(flow);
  }
  auto accepted = ceremony_.Accept(std::move(session), ctx.decoded.value("webauthn_register", ""),
                                   ctx, identities_);
  if (auto* answer = std::get_if<Outcome>(&accepted)) {
    return std::move(*answer);
  }
  auto& [ceremony_session, credential, identity, validation] = std::get<AcceptedResponse>(accepted);
  std::vector<std::string> identifiers = validation.extracted.webauthn_identifiers;
  if (identifiers.empty()) {
    return Global(text::NoIdentifiers());
  }
  identifiers.push_back(Ceremony::CredentialIdentifier(credential.credential.id));
  identity::Credential stored;
  stored.type = "webauthn";
  stored.version = 1;
  stored.identifiers = std::move(identifiers);
  stored.config = {
      {"credentials",
       Json::array({ceremony_.CredentialJson(
           credential, ctx.decoded.value("webauthn_register_displayname", ""), true)})},
      {"user_handle", Base64Encode(ceremony_session.user_id)}};
  identity.credentials["webauthn"] = std::move(stored);
  return registration::Created{std::move(identity)};
}

std::vector<registration::Script> WebAuthnStrategy::Scripts() const { return {WebAuthnScript()}; }

}  // namespace atrium::strategy

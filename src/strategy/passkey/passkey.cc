#include "strategy/passkey/passkey.h"

#include <algorithm>

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

// The fields of a passkey submission (§10.2) besides the traits.
Json BodyProperties() {
  return {{"method", {{"type", "string"}}},
          {"csrf_token", {{"type", "string"}}},
          {"passkey_register", {{"type", "string"}}},
          {"passkey_create_data", {{"type", "string"}}},
          {"transient_payload", {{"type", "object"}}}};
}

bool Flagged(const Json& extension) {
  if (!extension.is_object()) {
    return false;
  }
  const auto creds = extension.find("credentials");
  if (creds == extension.end() || !creds->is_object()) {
    return false;
  }
  const auto flag = [&](const char* type, const char* key) {
    const auto t = creds->find(type);
    return t != creds->end() && t->is_object() && t->value(key, false);
  };
  return flag("passkey", "display_name") || flag("webauthn", "identifier");
}

}  // namespace

PasskeyStrategy::PasskeyStrategy(const config::Config& config, identity::IdentityStore& identities,
                                 const Clock& clock)
    : config_(config),
      identities_(identities),
      ceremony_(config, config.selfservice.methods.passkey,
                CeremonySpec{"passkey_session_data", "passkey_session_options", true}, clock),
      body_schemas_(BodyProperties(), Json()) {}

std::vector<std::string> PasskeyStrategy::DisplayNameFields(
    const identity::IdentitySchema& schema) {
  std::vector<std::string> out;
  for (const auto& p : schema.paths) {
    if (p.name.starts_with("traits.") && Flagged(p.extension)) {
      out.push_back(p.name);
    }
  }
  if (out.empty()) {
    for (const auto& p : schema.paths) {
      if (p.name.starts_with("traits.") && p.title.empty() && p.type == "string") {
        out.push_back(p.name);
        break;
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

void PasskeyStrategy::AddNodes(registration::Flow& flow,
                               const identity::IdentitySchema& schema) const {
  flow.ui.RemoveGroup("passkey");
  const std::vector<std::string> fields = DisplayNameFields(schema);
  if (fields.empty()) {
    return;  // no trait can name the passkey (Kratos skips the method with a warning)
  }
  const Json data = {{"credentialOptions", ceremony_.Options(flow)},
                     {"displayNameFieldName", fields.front()},
                     {"displayNameFieldNames", fields}};
  ui::Node create = ui::Node::Input("passkey_create_data", "hidden", "passkey");
  create.input.value = DumpJson(data);
  flow.ui.nodes.push_back(std::move(create));
  ui::Node trigger = ui::Node::Input("passkey_register_trigger", "button", "passkey");
  if (!flow.IsApi()) {
    trigger.input.onclick = "window.oryPasskeyRegistration()";
  }
  trigger.input.onclick_trigger = "oryPasskeyRegistration";
  trigger.label = text::SignUpWithPasskey();
  flow.ui.nodes.push_back(std::move(trigger));
  if (!flow.IsApi()) {
    flow.ui.Upsert(WebAuthnScriptNode(config_));
  }
  flow.ui.nodes.push_back(ui::Node::Input("passkey_register", "hidden", "passkey"));
}

void PasskeyStrategy::Populate(registration::Flow& flow, const identity::IdentitySchema& schema,
                               FormStep step) const {
  flow.ui.RemoveGroup("passkey");
  if (step == FormStep::kProfile) {
    return;
  }
  AddNodes(flow, schema);
}

Outcome PasskeyStrategy::Register(registration::SubmitContext& ctx) const {
  const std::string response = flow::PeekField(ctx.body, "passkey_register");
  if (response.empty() || response == "true") {
    return registration::NotResponsible{};
  }
  if (!Enabled()) {
    return registration::Failed{flow::MethodDisabled()};
  }
  if (auto refused = registration::AcceptSubmission(ctx, body_schemas_)) {
    return std::move(*refused);
  }
  registration::Flow& flow = ctx.flow;
  // The challenge is used once, whatever comes of it: the form shows fresh options from now on
  // (where it shows the method: the one-step form, or the credential screen of two steps).
  const bool shown = flow.ui.Find("passkey_create_data", "passkey") != nullptr;
  std::optional<CeremonySession> session = ceremony_.Take(flow);
  if (shown) {
    AddNodes(flow, ctx.schema);
  }
  auto accepted = ceremony_.Accept(std::move(session), ctx.decoded.value("passkey_register", ""),
                                   ctx, identities_);
  if (auto* answer = std::get_if<Outcome>(&accepted)) {
    return std::move(*answer);
  }
  auto& [ceremony_session, credential, identity, validation] = std::get<AcceptedResponse>(accepted);
  identity::Credential stored;
  stored.type = "passkey";
  stored.version = 1;
  stored.identifiers = {ceremony_session.user_id,
                        Ceremony::CredentialIdentifier(credential.credential.id)};
  stored.config = {{"credentials", Json::array({ceremony_.CredentialJson(credential, "", true)})},
                   {"user_handle", Base64Encode(ceremony_session.user_id)}};
  identity.credentials["passkey"] = std::move(stored);
  return registration::Created{std::move(identity)};
}

std::vector<registration::Script> PasskeyStrategy::Scripts() const { return {WebAuthnScript()}; }

}  // namespace atrium::strategy

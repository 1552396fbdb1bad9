#include "strategy/password/password.h"

#include "flow/errors.h"
#include "flow/request.h"
#include "identity/validator.h"
#include "text/messages.h"

namespace atrium::strategy {
namespace {

using registration::FormStep;
using registration::Outcome;

registration::FormErrors OnPassword(text::Message m) {
  return registration::FormErrors{{flow::FieldMessage{"password", std::move(m)}}};
}

// The fields of a password submission (§10.2) besides the traits.
Json BodyProperties() {
  return {{"csrf_token", {{"type", "string"}}},
          {"password", {{"type", "string"}, {"minLength", 1}}},
          {"method", {{"type", "string"}}},
          {"transient_payload", {{"type", "object"}}}};
}

Json BodyRules() {
  return {{"if", {{"properties", {{"method", {{"const", "password"}}}}}, {"required", {"method"}}}},
          {"then", {{"required", {"password"}}}}};
}

}  // namespace

PasswordStrategy::PasswordStrategy(const config::Config& config, hash::HashPool& hashing,
                                   const password::PasswordPolicy& policy)
    : config_(config),
      hashing_(hashing),
      policy_(policy),
      body_schemas_(BodyProperties(), BodyRules()) {}

void PasswordStrategy::Populate(registration::Flow& flow, const identity::IdentitySchema&,
                                FormStep step) const {
  flow.ui.Remove("password", "password");
  flow.ui.Remove("method", "password");
  if (step == FormStep::kProfile) {
    return;
  }
  ui::Node input = ui::Node::Input("password", "password", "password");
  input.input.required = true;
  input.input.autocomplete = "new-password";
  input.label = text::PasswordLabel();
  flow.ui.nodes.push_back(std::move(input));
  ui::Node submit = ui::Node::Input("method", "submit", "password");
  submit.input.value = "password";
  submit.label = text::SignUp();
  flow.ui.nodes.push_back(std::move(submit));
}

Outcome PasswordStrategy::Register(registration::SubmitContext& ctx) const {
  if (flow::PeekField(ctx.body, "method") != "password") {
    return registration::NotResponsible{};
  }
  if (!Enabled()) {
    return registration::Failed{flow::MethodDisabled()};
  }
  if (auto refused = registration::AcceptSubmission(ctx, body_schemas_)) {
    return std::move(*refused);
  }
  const std::string password = ctx.decoded.value("password", "");
  if (password.empty()) {
    return OnPassword(text::Required("password"));
  }

  identity::Identity identity;
  identity.traits = ctx.decoded["traits"];
  auto validation = identity::ValidateTraits(ctx.schema, identity);
  if (!validation.ok()) {
    return registration::FormErrors{flow::ToFieldMessages(validation.errors)};
  }
  const auto& identifiers = validation.extracted.password_identifiers;
  if (identifiers.empty()) {
    return registration::FormErrors{{flow::FieldMessage{"", text::NoIdentifiers()}}};
  }
  for (const auto& identifier : identifiers) {
    auto violation = policy_.Check(identifier, password);
    if (!violation.ok()) {
      return registration::Failed{std::move(violation).error()};
    }
    if (violation->has_value()) {
      return OnPassword(std::move(**violation));
    }
  }
  if (config_.hashers.algorithm == "bcrypt" && password.size() > hash::kBcryptMaxBytes) {
    return OnPassword(
        text::PasswordTooLong(hash::kBcryptMaxBytes, static_cast<int64_t>(password.size())));
  }
  auto hashed = hashing_.Hash(password);
  if (!hashed.ok()) {
    return registration::Failed{std::move(hashed).error()};
  }
  identity::Credential credential;
  credential.type = "password";
  credential.identifiers = identifiers;
  credential.config = {{"hashed_password", *hashed}};
  identity.credentials["password"] = std::move(credential);
  return registration::Created{std::move(identity)};
}

}  // namespace atrium::strategy

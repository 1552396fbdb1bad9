#include "strategy/password/password.h"

#include "flow/errors.h"
#include "identity/validator.h"
#include "registration/forms.h"
#include "text/messages.h"

namespace atrium::strategy {
namespace {

using registration::FieldMessage;
using registration::FormStep;
using registration::Outcome;

constexpr size_t kBcryptMaxBytes = 72;

registration::Invalid OnPassword(text::Message m) {
  return registration::Invalid{{FieldMessage{"password", std::move(m)}}};
}

}  // namespace

PasswordStrategy::PasswordStrategy(const config::Config& config, hash::HashPool& hashing,
                                   const password::PasswordPolicy& policy, const Clock& clock)
    : config_(config), hashing_(hashing), policy_(policy), clock_(clock) {}

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

Result<std::shared_ptr<const registration::BodySchema>> PasswordStrategy::BodySchemaFor(
    const identity::IdentitySchema& schema) {
  std::lock_guard lock(mu_);
  if (const auto it = body_schemas_.find(schema.id); it != body_schemas_.end()) {
    return it->second;
  }
  const Json properties = {{"csrf_token", {{"type", "string"}}},
                           {"password", {{"type", "string"}, {"minLength", 1}}},
                           {"method", {{"type", "string"}}},
                           {"transient_payload", {{"type", "object"}}}};
  const Json extra = {
      {"if", {{"properties", {{"method", {{"const", "password"}}}}}, {"required", {"method"}}}},
      {"then", {{"required", {"password"}}}}};
  ATRIUM_ASSIGN_OR_RETURN(auto built, registration::BodySchema::Build(schema, properties, extra));
  body_schemas_[schema.id] = built;
  return built;
}

Outcome PasswordStrategy::Register(registration::SubmitContext& ctx) {
  if (registration::PeekField(ctx.body, "method") != "password") {
    return registration::NotResponsible{};
  }
  if (!Enabled()) {
    return registration::Failed{flow::MethodDisabled()};
  }
  auto body_schema = BodySchemaFor(ctx.schema);
  if (!body_schema.ok()) {
    return registration::Failed{std::move(body_schema).error()};
  }
  ctx.decoded = (*body_schema)->Decode(ctx.body);
  if (auto errors = (*body_schema)->Validate(ctx.decoded); !errors.empty()) {
    return registration::Invalid{registration::ToFieldMessages(errors)};
  }
  ctx.flow.transient_payload = ctx.decoded["transient_payload"];
  const std::string csrf = ctx.decoded.value("csrf_token", "");
  if (auto s = registration::VerifyRequestOrigin(ctx.request, ctx.flow, csrf); !s.ok()) {
    return registration::Failed{std::move(s).error()};
  }
  const std::string password = ctx.decoded.value("password", "");
  if (password.empty()) {
    return OnPassword(text::Required("password"));
  }

  ctx.identity.traits = ctx.decoded["traits"];
  auto validation = identity::ValidateTraits(ctx.schema, ctx.identity, clock_);
  if (!validation.ok()) {
    return registration::Invalid{registration::ToFieldMessages(validation.errors)};
  }
  const auto& identifiers = validation.extracted.password_identifiers;
  if (identifiers.empty()) {
    return registration::Invalid{{FieldMessage{"", text::NoIdentifiers()}}};
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
  if (config_.hashers.algorithm == "bcrypt" && password.size() > kBcryptMaxBytes) {
    return OnPassword(
        text::PasswordTooLong(kBcryptMaxBytes, static_cast<int64_t>(password.size())));
  }
  auto hashed = hashing_.Hash(password);
  if (!hashed.ok()) {
    return registration::Failed{std::move(hashed).error()};
  }
  identity::Credential credential;
  credential.type = "password";
  credential.identifiers = identifiers;
  credential.config = {{"hashed_password", *hashed}};
  ctx.identity.credentials["password"] = std::move(credential);
  return registration::Succeeded{};
}

}  // namespace atrium::strategy

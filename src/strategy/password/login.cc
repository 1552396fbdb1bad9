#include "strategy/password/login.h"

#include "base/random.h"
#include "flow/errors.h"
#include "flow/request.h"
#include "text/messages.h"

namespace atrium::strategy {
namespace {

using login::FormStep;
using login::Outcome;

// The fields of a password sign-in (docs/wire/login.md §7).
Json BodyProperties() {
  return {{"csrf_token", {{"type", "string"}}},
          {"identifier", {{"type", "string"}, {"minLength", 1}}},
          {"password", {{"type", "string"}, {"minLength", 1}}},
          {"password_identifier", {{"type", "string"}}},
          {"method", {{"type", "string"}}},
          {"transient_payload", {{"type", "object"}}}};
}

// `identifier` is required unless the deprecated `password_identifier` is given; `password`
// for method=password.
Json BodyRules() {
  const Json identifier_rule = {{"if",
                                 {{"properties", {{"password_identifier", {{"minLength", 1}}}}},
                                  {"required", {"password_identifier"}}}},
                                {"else", {{"required", {"identifier"}}}}};
  const Json password_rule = {
      {"if", {{"properties", {{"method", {{"const", "password"}}}}}, {"required", {"method"}}}},
      {"then", {{"required", {"password"}}}}};
  return {{"allOf", Json::array({identifier_rule, password_rule})}};
}

// The stored hash of an identity's password credential; "" when it has none that can be used.
std::string StoredHash(const identity::Identity& identity) {
  const auto it = identity.credentials.find("password");
  if (it == identity.credentials.end() || it->second.identifiers.empty()) {
    return {};
  }
  const Json& config = it->second.config;
  const auto hashed = config.find("hashed_password");
  return hashed != config.end() && hashed->is_string() ? hashed->get<std::string>() : "";
}

// A credential imported without a hash, to be checked by the migration web hook (§11.4).
bool WantsMigrationHook(const identity::Identity& identity) {
  const auto it = identity.credentials.find("password");
  return it != identity.credentials.end() && it->second.config.is_object() &&
         it->second.config.value("use_password_migration_hook", false);
}

ui::Node PasswordInput() {
  ui::Node input = ui::Node::Input("password", "password", "password");
  input.input.required = true;
  input.input.autocomplete = "current-password";
  input.label = text::PasswordLabel();
  return input;
}

ui::Node SubmitButton(text::Message label) {
  ui::Node submit = ui::Node::Input("method", "submit", "password");
  submit.input.value = "password";
  submit.label = std::move(label);
  return submit;
}

}  // namespace

PasswordLogin::PasswordLogin(const config::Config& config, hash::HashPool& hashing)
    : config_(config),
      hashing_(hashing),
      body_schema_(flow::BodySchema::Plain(BodyProperties(), BodyRules())) {}

const std::string& PasswordLogin::DummyHash() const {
  std::call_once(dummy_once_, [this] {
    auto hashed = hashing_.Hash(RandomAlphanumeric(24));
    dummy_hash_ = hashed.ok() ? *hashed : std::string();
  });
  return dummy_hash_;
}

bool PasswordLogin::Populate(login::Flow& flow, const identity::IdentitySchema& schema,
                             FormStep step, const identity::Identity* identity) const {
  flow.ui.Remove("password", "password");
  flow.ui.Remove("method", "password");
  switch (step) {
    case FormStep::kFirstFactor: {
      ui::Node identifier = ui::Node::Input("identifier", "text", "default");
      identifier.input.value = "";
      identifier.input.required = true;
      identifier.label = login::IdentifierLabel(schema);
      flow.ui.Upsert(std::move(identifier));
      flow.ui.nodes.push_back(PasswordInput());
      flow.ui.nodes.push_back(SubmitButton(text::SignInWithPassword()));
      return true;
    }
    case FormStep::kRefresh: {
      // Only an identity with a usable password re-authenticates with one (§8.3).
      if (identity == nullptr || StoredHash(*identity).empty()) {
        return false;
      }
      ui::Node identifier = ui::Node::Input("identifier", "hidden", "default");
      identifier.input.value = identity->credentials.at("password").identifiers.front();
      flow.ui.Upsert(std::move(identifier));
      flow.ui.nodes.push_back(PasswordInput());
      flow.ui.nodes.push_back(SubmitButton(text::SignIn()));
      return true;
    }
    case FormStep::kIdentifierFirst:
      return false;
    case FormStep::kChosen: {
      // With enumeration mitigation the field shows for everybody, known or not.
      const bool has_password = identity != nullptr && !StoredHash(*identity).empty();
      if (!has_password && !config_.account_enumeration_mitigate) {
        return false;
      }
      flow.ui.nodes.push_back(PasswordInput());
      flow.ui.nodes.push_back(SubmitButton(text::SignInWithPassword()));
      return true;
    }
  }
  return false;
}

Outcome PasswordLogin::Login(login::SubmitContext& ctx) const {
  if (ctx.flow.requested_aal != "aal1" || flow::PeekField(ctx.body, "method") != "password") {
    return login::NotResponsible{};
  }
  if (!Enabled()) {
    return login::Failed{flow::MethodDisabled()};
  }
  if (!body_schema_.ok()) {
    return login::Failed{body_schema_.error()};
  }
  ctx.decoded = (*body_schema_)->Decode(ctx.body);
  if (auto errors = (*body_schema_)->Validate(ctx.decoded); !errors.empty()) {
    return login::FormErrors{flow::ToFieldMessages(errors)};
  }
  ctx.flow.transient_payload = ctx.decoded.value("transient_payload", Json::object());
  if (auto s = flow::VerifyOrigin(ctx.request, ctx.flow.IsApi(), ctx.csrf,
                                  ctx.decoded.value("csrf_token", ""));
      !s.ok()) {
    return login::Failed{std::move(s).error()};
  }
  std::string submitted = ctx.decoded.value("identifier", "");
  if (submitted.empty()) {
    submitted = ctx.decoded.value("password_identifier", "");
  }
  const std::string password = ctx.decoded.value("password", "");

  auto found = login::FindByIdentifier(ctx.identities, "password", submitted);
  if (!found.ok()) {
    return login::Failed{std::move(found).error()};
  }
  const login::Rejected rejected{{flow::FieldMessage{"", text::InvalidCredentials()}}};
  const std::string stored = found->has_value() ? StoredHash(**found) : std::string();
  if (stored.empty()) {
    // Unknown identifier: the same work as a wrong password, the same answer.
    (void)hashing_.Verify(password, DummyHash());
    if (found->has_value() && WantsMigrationHook(**found)) {
      return login::Failed{
          Error::Internal("Password migration hook is not enabled but password migration is "
                          "requested.")};
    }
    return rejected;
  }
  auto matches = hashing_.Verify(password, stored);
  if (!matches.ok() || !*matches) {
    return rejected;  // a wrong password, or a hash format nobody here can read
  }
  identity::Identity identity = std::move(**found);
  if (!hashing_.IsCurrent(stored)) {
    // Upgrade to the current algorithm and parameters (Kratos upgrades on a format change
    // only). A failure keeps the old hash and the sign-in.
    if (auto rehashed = hashing_.Hash(password); rehashed.ok()) {
      (void)ctx.identities.UpdateCredentialConfig(identity.id, "password",
                                                  Json{{"hashed_password", *rehashed}});
    }
  }
  return login::Authenticated{std::move(identity)};
}

}  // namespace atrium::strategy

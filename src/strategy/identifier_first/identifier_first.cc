#include "strategy/identifier_first/identifier_first.h"

#include "flow/csrf.h"
#include "flow/request.h"
#include "text/messages.h"

namespace atrium::strategy {
namespace {

constexpr std::string_view kGroup = "identifier_first";

Json BodyProperties() {
  return {{"csrf_token", {{"type", "string"}}},
          {"identifier", {{"type", "string"}, {"minLength", 1}}},
          {"method", {{"type", "string"}}},
          {"transient_payload", {{"type", "object"}}}};
}

// The credential types an identifier can belong to.
constexpr std::string_view kCredentialTypes[] = {"password", "code", "webauthn", "passkey"};

}  // namespace

IdentifierFirst::IdentifierFirst(const config::Config& config)
    : config_(config), body_schema_(flow::BodySchema::Plain(BodyProperties(), Json::object())) {}

bool IdentifierFirst::Populate(login::Flow& flow, const identity::IdentitySchema& schema,
                               login::FormStep step, const identity::Identity*) const {
  if (step != login::FormStep::kIdentifierFirst) {
    return false;
  }
  ui::Node identifier = ui::Node::Input("identifier", "text", std::string(kGroup));
  identifier.input.value = "";
  identifier.input.required = true;
  identifier.input.autocomplete = "username webauthn";
  identifier.label = login::IdentifierLabel(schema);
  flow.ui.Upsert(std::move(identifier));
  ui::Node submit = ui::Node::Input("method", "submit", std::string(kGroup));
  submit.input.value = std::string(kGroup);
  submit.label = text::Continue();
  flow.ui.nodes.push_back(std::move(submit));
  return false;  // the identifier alone signs nobody in
}

login::Outcome IdentifierFirst::Login(login::SubmitContext& ctx) const {
  // Every first-factor submission no other method claimed is this step, whatever its `method`
  // (docs/wire/login.md Quirk 5).
  if (!Enabled() || ctx.flow.requested_aal != "aal1") {
    return login::NotResponsible{};
  }
  if (!body_schema_.ok()) {
    return login::Failed{body_schema_.error()};
  }
  ctx.decoded = (*body_schema_)->Decode(ctx.body);
  if (auto errors = (*body_schema_)->Validate(ctx.decoded); !errors.empty()) {
    return login::FormErrors{flow::ToFieldMessages(errors)};
  }
  if (auto s = flow::VerifyOrigin(ctx.request, ctx.flow.IsApi(), ctx.csrf,
                                  ctx.decoded.value("csrf_token", ""));
      !s.ok()) {
    return login::Failed{std::move(s).error()};
  }
  const std::string submitted = ctx.decoded.value("identifier", "");
  std::optional<identity::Identity> found;
  for (const std::string_view type : kCredentialTypes) {
    if (submitted.empty()) {
      break;
    }
    auto lookup = login::FindByIdentifier(ctx.identities, type, submitted);
    if (!lookup.ok()) {
      return login::Failed{std::move(lookup).error()};
    }
    if (lookup->has_value()) {
      found = std::move(*lookup);
      break;
    }
  }

  // The second screen: the identifier, kept but hidden, then what the methods offer.
  login::Flow next = ctx.flow;
  ui::Node identifier = next.ui.Find("identifier") != nullptr
                            ? *next.ui.Find("identifier")
                            : ui::Node::Input("identifier", "text", std::string(kGroup));
  identifier.input.type = "hidden";
  identifier.input.value = submitted;
  identifier.messages.clear();
  next.ui.nodes = {std::move(identifier), flow::CsrfGuard::Node(std::string())};
  next.ui.messages.clear();
  const bool offered =
      ctx.form.Build(next, ctx.schema, login::FormStep::kChosen, found ? &*found : nullptr);
  if (!offered && !config_.account_enumeration_mitigate) {
    return login::FormErrors{{flow::FieldMessage{"identifier", text::NoLoginMethod()}}};
  }
  next.active = std::string(kGroup);
  next.transient_payload = ctx.decoded.value("transient_payload", Json::object());
  ctx.flow = std::move(next);
  return login::NextStep{};
}

}  // namespace atrium::strategy

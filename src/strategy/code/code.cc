#include "strategy/code/code.h"

#include <algorithm>
#include <chrono>

#include "base/strings.h"
#include "base/time.h"
#include "flow/errors.h"
#include "flow/request.h"
#include "identity/validator.h"
#include "text/messages.h"

namespace atrium::strategy {
namespace {

using registration::FormStep;
using registration::Outcome;

// The flow states of the method (docs/wire/registration.md §8, §17.3).
constexpr std::string_view kChooseMethod = "choose_method";
constexpr std::string_view kSentEmail = "sent_email";
constexpr std::string_view kPassedChallenge = "passed_challenge";

// The key under which the codes submitted to a flow are counted.
std::string SubmissionsKey(std::string_view flow_id) {
  return "code_submissions:" + std::string(flow_id);
}

// The fields of a code submission (§10.2) besides the traits.
Json BodyProperties() {
  return {{"method", {{"type", "string"}}},
          {"csrf_token", {{"type", "string"}}},
          {"code", {{"type", "string"}}},
          {"resend", {{"type", "string"}, {"enum", {"code"}}}},
          {"transient_payload", {{"type", "object"}}}};
}

ui::Node Button(std::string name, std::string value, std::string group, text::Message label) {
  ui::Node n = ui::Node::Input(std::move(name), "submit", std::move(group));
  n.input.value = std::move(value);
  n.label = std::move(label);
  return n;
}

ui::Node SendButton() { return Button("method", "code", "code", text::SendSignUpCode()); }

// Two-step registration's way back from the code form to the credential methods.
bool IsBackToCredentials(const ui::Node& n) {
  return n.group == "profile" && n.type == ui::NodeType::kInput && n.input.name == "screen" &&
         n.input.value == "credential-selection";
}

// The form of state sent_email (§17.3): what the default group held (csrf_token and the traits),
// hidden and in its order, then the code input and the buttons; every other method's nodes go.
// (Kratos keeps an input visible when it carries a message, but it has just cleared them all.)
void ShowCodeForm(registration::Flow& flow, const Json& traits, bool two_step) {
  flow.ui.ResetMessages();
  std::vector<ui::Node> nodes;
  for (auto& n : flow.ui.nodes) {
    const bool input = n.type == ui::NodeType::kInput;
    if (n.group != "default" || (input && n.input.type == "submit")) {
      continue;
    }
    if (input) {
      n.input.type = "hidden";
    }
    nodes.push_back(std::move(n));
  }
  ui::Node method = ui::Node::Input("method", "hidden", "code");
  method.input.value = "code";
  nodes.push_back(std::move(method));
  ui::Node code = ui::Node::Input("code", "text", "code");
  code.input.required = true;
  code.input.autocomplete = "one-time-code";
  code.label = text::RegistrationCodeLabel();
  nodes.push_back(std::move(code));
  nodes.push_back(Button("method", "code", "code", text::Continue()));
  nodes.push_back(Button("resend", "code", "code", text::ResendCode()));
  if (two_step) {
    nodes.push_back(Button("screen", "credential-selection", "profile", text::Back()));
  }
  flow.ui.nodes = std::move(nodes);
  flow::CopyTraitsIntoNodes(flow.ui, traits);
  flow.ui.messages = {text::RegistrationCodeSent()};
}

// Kratos compares every submitted trait with the value its input holds in the flow's form, type
// and all (§17.3 step 4): writing the submission into a copy of the form must change nothing.
bool TraitsMatchForm(const ui::Container& form, const Json& traits) {
  ui::Container probe = form;
  flow::CopyTraitsIntoNodes(probe, traits);
  for (size_t i = 0; i < form.nodes.size(); ++i) {
    if (probe.nodes[i].input.value != form.nodes[i].input.value) {
      return false;
    }
  }
  return true;
}

// The e-mail addresses codes go to, sorted and unique (the validator's order). Atrium has no SMS
// sender yet, so `via: sms` identifiers get no code.
std::vector<std::string> EmailAddresses(const identity::Extracted& extracted) {
  std::vector<std::string> out;
  for (const auto& a : extracted.code_addresses) {
    if (a.via == "email") {
      out.push_back(a.address);
    }
  }
  return out;
}

registration::FormErrors Global(text::Message m) {
  return registration::FormErrors{{flow::FieldMessage{"", std::move(m)}}};
}

}  // namespace

CodeStrategy::CodeStrategy(CodeDeps deps) : d_(deps), body_schemas_(BodyProperties(), Json()) {}

bool CodeStrategy::Enabled() const {
  const auto& code = d_.config.selfservice.methods.code;
  return code.enabled || code.passwordless_enabled;
}

void CodeStrategy::Populate(registration::Flow& flow, const identity::IdentitySchema&,
                            FormStep step) const {
  if (!d_.config.selfservice.methods.code.passwordless_enabled) {
    return;
  }
  flow.ui.RemoveGroup("code");
  std::erase_if(flow.ui.nodes, IsBackToCredentials);
  if (step != FormStep::kProfile) {
    flow.ui.nodes.push_back(SendButton());
  }
}

Outcome CodeStrategy::Register(registration::SubmitContext& ctx) const {
  if (flow::PeekField(ctx.body, "method") != Id()) {
    return registration::NotResponsible{};
  }
  if (!Enabled()) {
    return registration::Failed{flow::MethodDisabled()};
  }
  if (auto refused = registration::AcceptSubmission(ctx, body_schemas_)) {
    return std::move(*refused);
  }
  registration::Flow& flow = ctx.flow;
  if (flow.state.empty() || EqualsIgnoreCase(ctx.decoded.value("resend", ""), "code")) {
    flow.state = kChooseMethod;
  }
  if (flow.state == kChooseMethod) {
    return Send(ctx);
  }
  if (flow.state == kSentEmail) {
    return Verify(ctx);
  }
  if (flow.state == kPassedChallenge) {
    return Global(text::NoStrategy());
  }
  return registration::Failed{Error::Internal("Unexpected flow state: " + flow.state)};
}

Result<int64_t> CodeStrategy::CountSubmission(const registration::Flow& flow) const {
  const std::string key = SubmissionsKey(flow.id);
  // Never restarted; the row goes with the flow (the sweeper deletes it after the flow expired).
  // The count comes back from the increment itself: concurrent submissions on any instance each
  // get their own, so exactly max_submissions of them are checked.
  return d_.submissions.RecordFailure(key, d_.clock.Now(), Timestamp{}, flow.expires_at);
}

Result<std::optional<Error>> CodeStrategy::CheckSendLimits(
    std::string_view flow_id, const std::vector<std::string>& addresses, Timestamp now) const {
  const config::CodeSendLimits& limits = d_.config.code_send_limits;
  const Timestamp since = now - limits.window;
  ATRIUM_ASSIGN_OR_RETURN(const int64_t of_flow, d_.codes.CountCodesOfFlow(flow_id, since));
  if (of_flow + static_cast<int64_t>(addresses.size()) > limits.per_flow) {
    return std::optional<Error>(flow::TooManyCodes(limits.window));
  }
  for (const auto& address : addresses) {
    ATRIUM_ASSIGN_OR_RETURN(const int64_t to_address, d_.codes.CountCodesToAddress(address, since));
    if (to_address >= limits.per_address) {
      return std::optional<Error>(flow::TooManyCodes(limits.window));
    }
  }
  return std::optional<Error>();
}

Outcome CodeStrategy::Send(registration::SubmitContext& ctx) const {
  registration::Flow& flow = ctx.flow;
  const auto traits = ctx.decoded.find("traits");
  if (traits == ctx.decoded.end() || !traits->is_object()) {
    return registration::FormErrors{{flow::FieldMessage{"traits", text::Required("traits")}}};
  }
  identity::Identity probe;
  probe.traits = *traits;
  const auto validation = identity::ValidateTraits(ctx.schema, probe);
  if (!validation.ok()) {
    return registration::FormErrors{flow::ToFieldMessages(validation.errors)};
  }
  const std::vector<std::string> addresses = EmailAddresses(validation.extracted);
  if (addresses.empty()) {
    return Global(text::NoIdentifiers());
  }

  const Timestamp now = TruncateToMicros(d_.clock.Now());
  auto refused = CheckSendLimits(flow.id, addresses, now);
  if (!refused.ok()) {
    return registration::Failed{std::move(refused).error()};
  }
  if (refused->has_value()) {
    return registration::Failed{std::move(**refused)};
  }

  // One code per address, so that the code proves which address it reached; every code and the
  // message carrying it are stored together.
  const config::CodeMethod& method = d_.config.selfservice.methods.code;
  const int64_t minutes = std::chrono::duration_cast<std::chrono::minutes>(method.lifespan).count();
  const Json transient_payload =
      flow.transient_payload.is_object() ? flow.transient_payload : Json::object();
  std::vector<otp::Code> codes;
  std::vector<courier::Message> messages;
  for (const auto& address : addresses) {
    const std::string secret = otp::NewCode();
    otp::Code code;
    code.id = d_.ids.NewUuid();
    code.flow_id = flow.id;
    code.purpose = otp::Purpose::kRegistration;
    code.address = address;
    code.via = "email";
    code.digest = d_.digester.Digest(code.purpose, flow.id, address, secret);
    code.expires_at = now + method.lifespan;
    code.created_at = now;
    const Json model = {{"To", address},
                        {"RegistrationCode", secret},
                        {"Traits", *traits},
                        {"RequestURL", flow.request_url},
                        {"TransientPayload", transient_payload},
                        {"ExpiresInMinutes", minutes}};
    auto message = d_.composer.Compose("registration_code_valid", courier::MessageType::kEmail,
                                       address, model);
    if (!message.ok()) {
      return registration::Failed{std::move(message).error()};
    }
    message->id = d_.ids.NewUuid();
    message->created_at = message->updated_at = message->next_attempt_at = now;
    codes.push_back(std::move(code));
    messages.push_back(std::move(message).value());
  }
  if (auto s = d_.codes.IssueCodes(flow.id, otp::Purpose::kRegistration, codes, messages);
      !s.ok()) {
    return registration::Failed{std::move(s).error()};
  }
  if (d_.doorbell != nullptr) {
    d_.doorbell->Ring();
  }

  ShowCodeForm(flow, *traits, ctx.step == FormStep::kProfile);
  flow.state = kSentEmail;
  flow.active = Id();
  return registration::NextStep{.keep_node_order = true};
}

Outcome CodeStrategy::Verify(registration::SubmitContext& ctx) const {
  registration::Flow& flow = ctx.flow;
  const std::string submitted = ctx.decoded.value("code", "");
  if (submitted.empty()) {
    return registration::FormErrors{{flow::FieldMessage{"code", text::Required("code")}}};
  }
  const auto traits = ctx.decoded.find("traits");
  if (traits == ctx.decoded.end() || !traits->is_object()) {
    return registration::FormErrors{{flow::FieldMessage{"traits", text::Required("traits")}}};
  }
  identity::Identity identity;
  identity.traits = *traits;
  const auto validation = identity::ValidateTraits(ctx.schema, identity);
  if (!validation.ok()) {
    return registration::FormErrors{flow::ToFieldMessages(validation.errors)};
  }
  const std::vector<std::string> addresses = EmailAddresses(validation.extracted);
  if (addresses.empty()) {
    return Global(text::NoIdentifiers());
  }
  if (!TraitsMatchForm(flow.ui, *traits)) {
    return Global(text::TraitsMismatch());
  }

  // Counted before the code is looked at, whatever the answer, so that guessing ends after
  // max_submissions tries (a new code does not reset it, as in Kratos).
  auto submits = CountSubmission(flow);
  if (!submits.ok()) {
    return registration::Failed{std::move(submits).error()};
  }
  if (*submits > d_.config.selfservice.methods.code.max_submissions) {
    return registration::Failed{Error::InvalidArgument(
        "The request was submitted too often. Please request another code.")};
  }

  auto active = d_.codes.ActiveCodes(flow.id, otp::Purpose::kRegistration);
  if (!active.ok()) {
    return registration::Failed{std::move(active).error()};
  }
  // A code proves the address it was sent to, and that must be one of the traits submitted now.
  std::erase_if(*active, [&](const otp::Code& c) {
    return std::find(addresses.begin(), addresses.end(), c.address) == addresses.end();
  });
  const Timestamp now = TruncateToMicros(d_.clock.Now());
  const std::optional<otp::Code> match = d_.digester.Match(*active, submitted, now);
  if (!match) {
    return Global(text::RegistrationCodeInvalid());
  }
  auto used = d_.codes.UseCode(match->id, now);
  if (!used.ok()) {
    return registration::Failed{std::move(used).error()};
  }
  if (!*used) {
    return Global(text::RegistrationCodeInvalid());  // a concurrent request used it first
  }

  for (auto& a : identity.verifiable_addresses) {
    if (!a.verified && a.via == match->via && a.value == match->address) {
      a.verified = true;
      a.status = "completed";
      a.verified_at = now;
      break;
    }
  }
  identity::Credential credential;
  credential.type = "code";
  credential.identifiers = addresses;
  credential.version = 1;
  Json list = Json::array();
  for (const auto& address : addresses) {
    list.push_back({{"channel", "email"}, {"address", address}});
  }
  credential.config = {{"addresses", std::move(list)}};
  identity.credentials["code"] = std::move(credential);
  flow.state = kPassedChallenge;
  return registration::Created{std::move(identity)};
}

}  // namespace atrium::strategy

// Creating, fetching and submitting verification flows (docs/wire/verification.md).
#include "verification/service.h"

#include <algorithm>
#include <chrono>
#include <utility>
#include <vector>

#include "base/random.h"
#include "base/strings.h"
#include "base/time.h"
#include "flow/errors.h"
#include "flow/fetch.h"
#include "identity/normalize.h"
#include "text/messages.h"
#include "ui/node.h"

namespace atrium::verification {
namespace {

constexpr std::string_view kCode = "code";
constexpr std::string_view kLink = "link";

ui::Node Input(std::string name, std::string type, std::string_view group, Json value,
               text::Message label) {
  ui::Node n = ui::Node::Input(std::move(name), std::move(type), std::string(group));
  n.input.value = std::move(value);
  n.label = std::move(label);
  return n;
}

// Kratos' NewPostHookFlow: the origin's request URL with after_verification_return_to moved into
// return_to (kept when there is none), the query re-encoded in key order as Go's url.Values does.
std::string PostHookRequestUrl(std::string_view url) {
  const size_t q = url.find('?');
  if (q == std::string_view::npos) {
    return std::string(url);
  }
  const std::string after = flow::QueryParam(url, "after_verification_return_to");
  std::vector<std::pair<std::string, std::string>> params;  // raw (escaped) key and value
  std::string_view query = url.substr(q + 1);
  if (const size_t hash = query.find('#'); hash != std::string_view::npos) {
    query = query.substr(0, hash);
  }
  for (const std::string_view part : Split(query, '&')) {
    if (part.empty()) {
      continue;
    }
    const size_t eq = part.find('=');
    std::string key(part.substr(0, eq));
    std::string value(eq == std::string_view::npos ? "" : part.substr(eq + 1));
    if (key == "after_verification_return_to" || (key == "return_to" && !after.empty())) {
      continue;
    }
    params.emplace_back(std::move(key), std::move(value));
  }
  if (!after.empty()) {
    params.emplace_back("return_to", QueryEscape(after));
  }
  std::stable_sort(params.begin(), params.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out(url.substr(0, q));
  for (size_t i = 0; i < params.size(); ++i) {
    out += (i == 0 ? "?" : "&") + params[i].first + "=" + params[i].second;
  }
  return out;
}

}  // namespace

// The fields of updateVerificationFlowWithCodeMethod and ...WithLinkMethod (form or JSON).
struct Service::Body {
  std::string method;
  std::string email;
  std::string code;
  std::string token;
  std::string csrf_token;
  Json transient_payload;
};

Service::Service(Dependencies deps)
    : d_(deps),
      return_to_(d_.config.selfservice.allowed_return_urls, d_.config.serve_public.base_url) {}

std::string Service::UiUrl(const Flow& flow) const {
  return flow::WithFlowParam(d_.config.selfservice.verification.ui_url, flow.id);
}

Result<Service::Body> Service::DecodeBody(const flow::SubmitParams& params) {
  if (params.body_error) {
    return *params.body_error;
  }
  Body b;
  if (!params.body) {
    return b;
  }
  const flow::Body& in = *params.body;
  const auto set = [&b](std::string_view key, std::string value) {
    if (key == "method") {
      b.method = std::move(value);
    } else if (key == "email") {
      b.email = std::move(value);
    } else if (key == "code") {
      b.code = std::move(value);
    } else if (key == "token") {
      b.token = std::move(value);
    } else if (key == "csrf_token") {
      b.csrf_token = std::move(value);
    }
  };
  if (in.format == flow::Body::Format::kForm) {
    for (const auto& [key, value] : in.form) {
      if (key == "transient_payload") {
        auto parsed = ParseJson(value);
        if (!parsed.ok() || !parsed->is_object()) {
          return Error::InvalidArgument("transient_payload must be a JSON object");
        }
        b.transient_payload = std::move(parsed).value();
      } else {
        set(key, value);
      }
    }
    return b;
  }
  if (!in.json.is_object()) {
    return Error::InvalidArgument("The request body must be a JSON object.");
  }
  for (const auto& [key, value] : in.json.items()) {
    if (key == "transient_payload") {
      if (!value.is_object() && !value.is_null()) {
        return Error::InvalidArgument("transient_payload must be a JSON object");
      }
      b.transient_payload = value;
    } else if (value.is_string()) {
      set(key, value.get<std::string>());
    } else if (!value.is_null() && (key == "method" || key == "email" || key == "code" ||
                                    key == "token" || key == "csrf_token")) {
      return Error::InvalidArgument("json: cannot unmarshal " + JsonTypeName(value) +
                                    " into Go struct field of type string");
    }
  }
  return b;
}

std::string_view Service::Method() const {
  return d_.config.selfservice.verification.use == kLink ? kLink : kCode;
}

bool Service::MethodEnabled() const {
  const auto& m = d_.config.selfservice.methods;
  return Method() == kLink ? m.link.enabled : m.code.enabled;
}

otp::Purpose Service::Purpose() const {
  return Method() == kLink ? otp::Purpose::kVerificationLink : otp::Purpose::kVerification;
}

ui::Node Service::EmailInput(std::string value) const {
  ui::Node email = Input("email", "email", Method(), std::move(value), text::EmailLabel());
  email.input.required = true;
  return email;
}

void Service::PopulateChooseMethod(Flow& f) const {
  // The link method puts the CSRF token first, the code method last (Kratos' node order).
  const bool link = Method() == kLink;
  if (link && !f.IsApi()) {
    f.ui.nodes.push_back(flow::CsrfGuard::Node(f.csrf_token));
  }
  f.ui.nodes.push_back(EmailInput(std::string()));
  f.ui.nodes.push_back(
      Input("method", "submit", Method(), std::string(Method()), text::Continue()));
  if (!link && !f.IsApi()) {
    f.ui.Upsert(flow::CsrfGuard::Node(f.csrf_token));
  }
}

void Service::PopulateSent(Flow& f, std::string_view address) const {
  if (Method() == kLink) {
    // The same form again, the address filled in, and the message that a link is on its way.
    f.state = std::string(kSentEmail);
    f.ui.nodes.clear();
    f.ui.method = "POST";
    f.ui.action = d_.config.serve_public.base_url + "self-service/verification?flow=" + f.id;
    PopulateChooseMethod(f);
    f.ui.Upsert(EmailInput(std::string(address)));
    f.ui.messages = {text::VerificationEmailWithLinkSent()};
    return;
  }
  f.state = std::string(kSentEmail);
  f.ui.nodes.clear();
  f.ui.method = "POST";
  f.ui.action = d_.config.serve_public.base_url + "self-service/verification?flow=" + f.id;
  ui::Node hidden = ui::Node::Input("method", "hidden", std::string(kCode));
  hidden.input.value = std::string(kCode);
  f.ui.nodes.push_back(std::move(hidden));
  ui::Node code = Input("code", "text", kCode, Json(), text::VerificationCodeLabel());
  code.input.required = true;
  code.input.autocomplete = "one-time-code";
  f.ui.nodes.push_back(std::move(code));
  f.ui.nodes.push_back(Input("method", "submit", kCode, std::string(kCode), text::Continue()));
  if (!f.IsApi()) {
    f.ui.nodes.push_back(flow::CsrfGuard::Node(f.csrf_token));
  }
  f.ui.messages = {text::VerificationEmailWithCodeSent()};
  if (!address.empty()) {
    f.ui.nodes.push_back(Input("email", "submit", kCode, std::string(address), text::ResendCode()));
  }
}

void Service::PopulateStarted(Flow& f, std::string_view address) const {
  if (Method() != kLink) {
    PopulateSent(f, address);
    return;
  }
  // Kratos' post-registration flow with the link method: the choose-method form in state
  // sent_email, no message, and a resend button that Kratos puts into group `code` and labels
  // "Resend code" whatever the method (kept for wire compatibility, docs/wire/verification.md §9).
  f.state = std::string(kSentEmail);
  f.ui.nodes.push_back(Input("email", "submit", kCode, std::string(address), text::ResendCode()));
}

Result<Flow> Service::NewFlow(std::string request_url, FlowType type,
                              std::string csrf_masked) const {
  const auto& c = d_.config;
  const std::string return_to = flow::QueryParam(request_url, "return_to");
  if (!return_to.empty()) {
    ATRIUM_RETURN_IF_ERROR(return_to_.Resolve(return_to, c.selfservice.default_browser_return_url));
  }
  Flow f;
  f.id = d_.ids.NewUuid();
  f.type = type;
  f.issued_at = TruncateToMicros(d_.clock.Now());
  f.expires_at = f.issued_at + c.selfservice.verification.lifespan;
  f.created_at = f.updated_at = f.issued_at;
  f.request_url = std::move(request_url);
  f.active = std::string(Method());
  f.ui.action = c.serve_public.base_url + "self-service/verification?flow=" + f.id;
  f.csrf_token = type == FlowType::kApi ? std::string() : std::move(csrf_masked);
  PopulateChooseMethod(f);
  return f;
}

Result<Flow> Service::CreateFlow(const flow::Request& request, FlowType type) const {
  ATRIUM_ASSIGN_OR_RETURN(Flow f, NewFlow(request.url, type, request.csrf.masked));
  ATRIUM_RETURN_IF_ERROR(d_.flows.CreateVerificationFlow(f));
  return f;
}

Status Service::Save(Flow& flow) const {
  flow.updated_at = TruncateToMicros(d_.clock.Now());
  return d_.flows.UpdateVerificationFlow(flow);
}

flow::Reply Service::InitBrowser(const flow::Request& request) const {
  if (!Enabled()) {
    return flow::Reply::Forward(flow::VerificationDisabled());
  }
  auto created = CreateFlow(request, FlowType::kBrowser);
  if (!created.ok()) {
    return flow::Reply::ErrorJson(std::move(created).error());
  }
  if (request.accepts_json) {
    return flow::Reply::JsonBody(200, created->ToJson());
  }
  return flow::Reply::Redirect(303, UiUrl(*created));
}

flow::Reply Service::InitApi(const flow::Request& request) const {
  if (!Enabled()) {
    return flow::Reply::Forward(flow::VerificationDisabled());
  }
  auto created = CreateFlow(request, FlowType::kApi);
  if (!created.ok()) {
    return flow::Reply::ErrorJson(std::move(created).error());
  }
  return flow::Reply::JsonBody(200, created->ToJson());
}

flow::Reply Service::GetFlow(const flow::Request& request, std::string_view id) const {
  if (!Enabled()) {
    return flow::Reply::Forward(flow::VerificationDisabled());
  }
  auto loaded = d_.flows.GetVerificationFlow(IsUuid(id) ? id : kNilUuid);
  if (!loaded.ok()) {
    return flow::Reply::ErrorJson(std::move(loaded).error());
  }
  if (!loaded->has_value()) {
    return flow::Reply::ErrorJson(flow::FlowNotFound());
  }
  return flow::AnswerFetch(request, **loaded, d_.csrf, d_.clock.Now(), flow::Kind::kVerification,
                           d_.config.serve_public.base_url);
}

flow::Reply Service::Show(const flow::Request& request, const Flow& flow, int status) const {
  if (!flow.IsApi() && !request.is_json) {
    return flow::Reply::Redirect(303, UiUrl(flow));
  }
  return flow::Reply::JsonBody(status, flow.ToJson());
}

flow::Reply Service::FlowMessages(const flow::Request& request, Flow& flow, text::Message message,
                                  std::string_view node) const {
  if (node.empty()) {
    flow.ui.messages.push_back(std::move(message));
  } else {
    flow.ui.AddNodeMessage(node, std::move(message));
  }
  if (auto s = Save(flow); !s.ok()) {
    return flow::Reply::Forward(std::move(s).error());
  }
  return Show(request, flow, 400);
}

flow::Reply Service::FlowError(const flow::Request& request, Flow& flow, const Error& error) const {
  if (error.code == ErrorCode::kInvalidArgument) {
    return FlowMessages(request, flow, text::Generic(error.reason), "");
  }
  if (flow.IsApi() || request.is_json) {
    return flow::Reply::ErrorJson(error);
  }
  return flow::Reply::Forward(error);
}

Result<Flow> Service::Replacement(std::string request_url, FlowType type, text::Message message,
                                  std::vector<SetCookie>& cookies) const {
  std::optional<flow::CsrfGuard::Rotation> rotation;
  if (type == FlowType::kBrowser) {
    rotation = d_.csrf.Rotate();
  }
  ATRIUM_ASSIGN_OR_RETURN(
      Flow f, NewFlow(std::move(request_url), type, rotation ? rotation->masked : std::string()));
  f.ui.messages.push_back(std::move(message));
  ATRIUM_RETURN_IF_ERROR(d_.flows.CreateVerificationFlow(f));
  if (rotation) {
    cookies.push_back(std::move(rotation->cookie));
  }
  return f;
}

flow::Reply Service::Retry(const flow::Request& request, const Flow& old, text::Message message,
                           std::string_view reason) const {
  std::vector<SetCookie> cookies;
  auto f = Replacement(request.url, old.type, std::move(message), cookies);
  if (!f.ok()) {
    return flow::Reply::Forward(std::move(f).error());
  }
  flow::Reply reply = request.is_json || old.IsApi()
                          ? flow::Reply::ErrorJson(flow::FlowReplaced(reason, f->id))
                          : flow::Reply::Redirect(303, UiUrl(*f));
  reply.cookies = std::move(cookies);
  return reply;
}

flow::Reply Service::HandleExpired(const flow::Request& request, const Flow& expired) const {
  const Timestamp now = d_.clock.Now();
  std::vector<SetCookie> cookies;
  auto f = Replacement(expired.request_url, expired.type,
                       text::FlowExpired(text::FlowKind::kVerification, expired.expires_at,
                                         now - expired.expires_at),
                       cookies);
  if (!f.ok()) {
    return flow::Reply::Forward(std::move(f).error());
  }
  // API clients and JSON requests fetch the new flow; browsers see it in the UI.
  flow::Reply reply = flow::Reply::Redirect(
      303, expired.IsApi() || request.is_json
               ? d_.config.serve_public.base_url + "self-service/verification/flows?id=" + f->id
               : UiUrl(*f));
  reply.cookies = std::move(cookies);
  return reply;
}

flow::Reply Service::Submit(const flow::Request& request, const flow::SubmitParams& params) const {
  return Handle(request, params, false);
}

flow::Reply Service::SubmitByLink(const flow::Request& request,
                                  const flow::SubmitParams& params) const {
  return Handle(request, params, true);
}

flow::Reply Service::Handle(const flow::Request& request, const flow::SubmitParams& params,
                            bool by_link) const {
  if (!IsUuid(params.flow_id)) {
    return flow::Reply::Forward(flow::FlowParamMalformed());
  }
  auto loaded = d_.flows.GetVerificationFlow(params.flow_id);
  if (!loaded.ok()) {
    return flow::Reply::Forward(std::move(loaded).error());
  }
  if (!loaded->has_value()) {
    return flow::Reply::Forward(flow::VerificationFlowNotFound());
  }
  Flow& f = **loaded;
  if (f.IsExpired(d_.clock.Now())) {
    return HandleExpired(request, f);
  }
  auto body = DecodeBody(params);
  if (!body.ok()) {
    return FlowError(request, f, body.error());
  }
  f.transient_payload = body->transient_payload;
  if (Method() == kLink && MethodEnabled() && !body->token.empty()) {
    return UseToken(request, f, body->token);  // whatever the state: a used token is refused
  }
  const std::string method = !body->method.empty() ? body->method
                             : !body->code.empty() ? std::string(kCode)
                                                   : std::string();
  if (method != Method() || !MethodEnabled()) {
    f.ui.ResetMessages();
    return FlowMessages(request, f, text::NoVerificationStrategy(), "");
  }
  if (f.state == kPassedChallenge) {
    return Retry(request, f, text::VerificationRetrySuccess(),
                 "An error occured, please use the new flow.");
  }
  if (Method() == kCode && !body->code.empty()) {
    return by_link ? FillCode(request, f, body->code) : UseCode(request, f, body->code);
  }
  return Send(request, f, *body);
}

Status Service::Issue(const Flow& flow, const identity::Identity& identity,
                      const identity::VerifiableAddress& address) const {
  const auto& c = d_.config;
  const auto& methods = c.selfservice.methods;
  const bool link = Method() == kLink;
  const Timestamp now = TruncateToMicros(d_.clock.Now());
  // A code: six digits; a link: a 32-character token (190 bits) in the URL. Both are kept only
  // as a keyed digest.
  const std::string secret = link ? RandomAlphanumeric(32) : otp::NewCode();
  const Duration lifespan = link ? methods.link.lifespan : methods.code.lifespan;
  otp::Code record;
  record.id = d_.ids.NewUuid();
  record.flow_id = flow.id;
  record.purpose = Purpose();
  record.address = address.value;
  record.via = address.via;
  record.digest = d_.digester.Digest(Purpose(), flow.id, address.value, secret);
  record.expires_at = now + lifespan;
  record.created_at = now;

  Json model;
  model["To"] = address.value;
  if (link) {
    model["VerificationURL"] =
        methods.link.base_url + "self-service/verification?flow=" + flow.id + "&token=" + secret;
  } else {
    model["VerificationURL"] =
        c.serve_public.base_url + "self-service/verification?code=" + secret + "&flow=" + flow.id;
    model["VerificationCode"] = secret;
  }
  model["Identity"] = identity.ToPublicJson(c.serve_public.base_url);
  model["RequestURL"] = flow.request_url;
  model["TransientPayload"] =
      flow.transient_payload.is_null() ? Json::object() : flow.transient_payload;
  model["ExpiresInMinutes"] = std::chrono::duration_cast<std::chrono::minutes>(lifespan).count();
  ATRIUM_ASSIGN_OR_RETURN(
      courier::Message message,
      d_.composer.Compose(link ? "verification_valid" : "verification_code_valid",
                          courier::MessageType::kEmail, address.value, model));
  message.id = d_.ids.NewUuid();
  message.created_at = message.updated_at = message.next_attempt_at = now;
  ATRIUM_RETURN_IF_ERROR(d_.codes.IssueCodes(flow.id, Purpose(), {&record, 1}, {&message, 1}));
  if (d_.doorbell != nullptr) {
    d_.doorbell->Ring();
  }
  return d_.addresses.MarkAddressSent(address.id, now);
}

flow::Reply Service::Send(const flow::Request& request, Flow& f, const Body& body) const {
  f.ui.ResetMessages();
  if (body.email.empty()) {
    f.ui.Upsert(EmailInput(std::string()));
    return FlowMessages(request, f, text::Required("email"), "email");
  }
  if (auto s = flow::VerifyOrigin(request, f.IsApi(), d_.csrf, body.csrf_token); !s.ok()) {
    if (ui::Node* email = f.ui.Find("email", Method())) {
      email->input.value = body.email;
    }
    return FlowError(request, f, s.error());
  }
  // Atrium: bounded sends per flow (counted on the flow, so that known and unknown addresses
  // answer alike) and per address (docs/compat.md).
  const auto& limits = d_.config.code_send_limits;
  const Timestamp now = d_.clock.Now();
  if (f.code_sends >= limits.per_flow) {
    return flow::Reply::ErrorJson(flow::TooManyCodes(f.expires_at - now));
  }
  const std::string value =
      identity::NormalizeEmailStrict(body.email).value_or(AsciiLower(TrimSpace(body.email)));
  auto owned = d_.addresses.FindVerifiableAddress("email", value);
  if (!owned.ok()) {
    return flow::Reply::Forward(std::move(owned).error());
  }
  if (owned->has_value()) {
    auto sent = d_.codes.CountCodesToAddress(value, now - limits.window);
    if (!sent.ok()) {
      return flow::Reply::Forward(std::move(sent).error());
    }
    if (*sent >= limits.per_address) {
      return flow::Reply::ErrorJson(flow::TooManyCodes(limits.window));
    }
    auto owner = d_.identities.GetIdentity((*owned)->identity_id);
    if (!owner.ok()) {
      return flow::Reply::Forward(std::move(owner).error());
    }
    if (!owner->has_value()) {
      return flow::Reply::Forward(Error::Internal("address without identity"));
    }
    if (auto s = Issue(f, **owner, (*owned)->address); !s.ok()) {
      return flow::Reply::Forward(std::move(s).error());
    }
  } else if (auto s = d_.codes.IssueCodes(f.id, Purpose(), {}, {}); !s.ok()) {
    // An unknown address gets nothing, but earlier codes of the flow retire all the same.
    return flow::Reply::Forward(std::move(s).error());
  }
  ++f.code_sends;
  PopulateSent(f, body.email);
  if (auto s = Save(f); !s.ok()) {
    return flow::Reply::Forward(std::move(s).error());
  }
  return Show(request, f, 200);
}

flow::Reply Service::FillCode(const flow::Request& request, Flow& f,
                              const std::string& code) const {
  if (ui::Node* node = f.ui.Find("code")) {
    node->input.value = code;
  }
  std::optional<flow::CsrfGuard::Rotation> rotation;
  if (!f.IsApi()) {
    // A browser without a CSRF cookie got a new one with this answer; else the token rotates.
    if (request.csrf.issued) {
      f.csrf_token = request.csrf.masked;
    } else {
      rotation = d_.csrf.Rotate();
      f.csrf_token = rotation->masked;
    }
    f.ui.Upsert(flow::CsrfGuard::Node(f.csrf_token));
  }
  if (auto s = Save(f); !s.ok()) {
    return flow::Reply::Forward(std::move(s).error());
  }
  flow::Reply reply = flow::Reply::Redirect(303, UiUrl(f));
  if (rotation) {
    reply.cookies.push_back(std::move(rotation->cookie));
  }
  return reply;
}

std::string Service::ContinueUrl(const Flow& flow) const {
  const auto& c = d_.config.selfservice;
  const std::string fallback = !c.verification.after_default_browser_return_url.empty()
                                   ? c.verification.after_default_browser_return_url
                                   : c.default_browser_return_url;
  auto resolved = return_to_.Resolve(flow.ReturnTo(), fallback);
  return resolved.ok() ? *resolved : fallback;
}

flow::Reply Service::UseCode(const flow::Request& request, Flow& f, const std::string& code) const {
  const Timestamp now = d_.clock.Now();
  // The count comes back from the increment itself, so parallel guesses on any instance cannot
  // slip past code.max_submissions; the counter never starts over within the flow's life.
  auto submissions = d_.submissions.RecordFailure("verification_code:" + f.id,
                                                  TruncateToMicros(now), Timestamp{}, f.expires_at);
  if (!submissions.ok()) {
    return flow::Reply::Forward(std::move(submissions).error());
  }
  if (*submissions > d_.config.selfservice.methods.code.max_submissions) {
    const std::string reason = "The request was submitted too often. Please request another code.";
    return Retry(request, f, text::Generic(reason), "An error occured, please retry the flow.");
  }
  const auto invalid = [&] {
    f.ui.messages = {text::VerificationCodeInvalidOrUsed()};
    if (auto s = Save(f); !s.ok()) {
      return flow::Reply::Forward(std::move(s).error());
    }
    return Show(request, f, 200);
  };
  auto candidates = d_.codes.ActiveCodes(f.id, otp::Purpose::kVerification);
  if (!candidates.ok()) {
    return flow::Reply::Forward(std::move(candidates).error());
  }
  const auto matched = d_.digester.Match(*candidates, code, now);
  if (!matched) {
    return invalid();
  }
  auto won = d_.codes.UseCode(matched->id, TruncateToMicros(now));
  if (!won.ok()) {
    return flow::Reply::Forward(std::move(won).error());
  }
  if (!*won) {
    return invalid();
  }
  auto owned = d_.addresses.FindVerifiableAddress(matched->via, matched->address);
  if (!owned.ok()) {
    return flow::Reply::Forward(std::move(owned).error());
  }
  if (!owned->has_value()) {
    return invalid();  // the identity was deleted meanwhile
  }
  if (auto s = d_.addresses.MarkAddressVerified((*owned)->address.id, TruncateToMicros(now));
      !s.ok()) {
    return flow::Reply::Forward(std::move(s).error());
  }
  if (auto s = PassChallenge(request, f); !s.ok()) {
    return flow::Reply::Forward(std::move(s).error());
  }
  return Show(request, f, 200);
}

Status Service::PassChallenge(const flow::Request& request, Flow& f) const {
  const std::string continue_url = ContinueUrl(f);
  f.state = std::string(kPassedChallenge);
  if (!f.IsApi() && !request.csrf.masked.empty()) {
    f.csrf_token = request.csrf.masked;  // the browser that passed (a link may open in another)
  }
  f.ui = ui::Container{};
  f.ui.method = "GET";
  f.ui.action = continue_url;
  f.ui.nodes.push_back(flow::CsrfGuard::Node(f.IsApi() ? std::string() : request.csrf.masked));
  f.ui.messages = {text::VerificationSuccessful()};
  ui::Node anchor;
  anchor.type = ui::NodeType::kA;
  anchor.group = std::string(Method());
  anchor.attributes = {{"href", continue_url},
                       {"title", text::Continue().ToJson()},
                       {"id", "continue"},
                       {"node_type", "a"}};
  anchor.label = text::Continue();
  f.ui.nodes.push_back(std::move(anchor));
  return Save(f);
}

flow::Reply Service::UseToken(const flow::Request& request, Flow& f,
                              const std::string& token) const {
  // Kratos answers every failure of a link with a new browser flow carrying the message and a 303
  // to the UI: the link is opened in a browser, whatever kind of flow sent it.
  const auto retry = [&](text::Message message) {
    std::vector<SetCookie> cookies;
    auto fresh = Replacement(request.url, FlowType::kBrowser, std::move(message), cookies);
    if (!fresh.ok()) {
      return flow::Reply::Forward(std::move(fresh).error());
    }
    flow::Reply reply = flow::Reply::Redirect(303, UiUrl(*fresh));
    reply.cookies = std::move(cookies);
    return reply;
  };
  const Timestamp now = d_.clock.Now();
  auto candidates = d_.codes.ActiveCodes(f.id, otp::Purpose::kVerificationLink);
  if (!candidates.ok()) {
    return flow::Reply::Forward(std::move(candidates).error());
  }
  // Matched as of the epoch, i.e. whether expired or not, to tell an expired link from a wrong one.
  const auto matched = d_.digester.Match(*candidates, token, Timestamp{});
  if (!matched) {
    return retry(text::VerificationTokenInvalidOrUsed());
  }
  if (matched->expires_at < now) {
    return retry(text::FlowExpired(text::FlowKind::kVerification, matched->expires_at,
                                   now - matched->expires_at));
  }
  auto won = d_.codes.UseCode(matched->id, TruncateToMicros(now));
  if (!won.ok()) {
    return flow::Reply::Forward(std::move(won).error());
  }
  auto owned = d_.addresses.FindVerifiableAddress(matched->via, matched->address);
  if (!owned.ok()) {
    return flow::Reply::Forward(std::move(owned).error());
  }
  if (!*won || !owned->has_value()) {
    return retry(text::VerificationTokenInvalidOrUsed());
  }
  if (auto s = d_.addresses.MarkAddressVerified((*owned)->address.id, TruncateToMicros(now));
      !s.ok()) {
    return flow::Reply::Forward(std::move(s).error());
  }
  if (auto s = PassChallenge(request, f); !s.ok()) {
    return flow::Reply::Forward(std::move(s).error());
  }
  // A link is followed by a browser: it goes to the UI, API flows included.
  if (!request.is_json) {
    return flow::Reply::Redirect(303, UiUrl(f));
  }
  return flow::Reply::JsonBody(200, f.ToJson());
}

Result<Started> Service::StartFor(const Origin& origin, const identity::Identity& identity,
                                  const identity::VerifiableAddress& address) const {
  ATRIUM_ASSIGN_OR_RETURN(
      Flow f, NewFlow(PostHookRequestUrl(origin.request_url), origin.type, origin.csrf_masked));
  f.transient_payload = origin.transient_payload;
  PopulateStarted(f, address.value);
  ATRIUM_RETURN_IF_ERROR(d_.flows.CreateVerificationFlow(f));
  ATRIUM_RETURN_IF_ERROR(Issue(f, identity, address));
  ++f.code_sends;
  ATRIUM_RETURN_IF_ERROR(Save(f));
  return Started{f.id, address.value, f.IsApi() ? std::string() : UiUrl(f)};
}

}  // namespace atrium::verification

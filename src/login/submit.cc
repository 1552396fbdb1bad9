// Submissions: the session check, throttling, finding the method responsible, and turning what
// it made of the request into an answer (docs/wire/login.md §6).
#include "base/random.h"
#include "flow/errors.h"
#include "identity/normalize.h"
#include "login/service.h"
#include "text/messages.h"

namespace atrium::login {
namespace {

// The throttle keys of a submission: the identifier it names (normalized, as stored) and the
// client address.
struct ThrottleKeys {
  std::vector<std::string> identifier;  // empty when the body names none
  std::vector<std::string> all;
};

ThrottleKeys KeysOf(const flow::Request& request, const flow::Body& body) {
  ThrottleKeys keys;
  std::string identifier = flow::PeekField(body, "identifier");
  if (identifier.empty()) {
    identifier = flow::PeekField(body, "password_identifier");
  }
  if (!identifier.empty()) {
    keys.identifier.push_back(IdentifierKey(identity::NormalizeIdentifierGracefully(identifier)));
  }
  keys.all = keys.identifier;
  if (!request.device.ip_address.empty()) {
    keys.all.push_back(AddressKey(request.device.ip_address));
  }
  return keys;
}

}  // namespace

flow::Reply Service::Submit(const flow::Request& request, const SubmitParams& params) const {
  if (!IsUuid(params.flow_id)) {
    return flow::Reply::Forward(flow::FlowParamMalformed());
  }
  auto loaded = d_.flows.GetLoginFlow(params.flow_id);
  if (!loaded.ok()) {
    return flow::Reply::Forward(std::move(loaded).error());
  }
  if (!loaded->has_value()) {
    return flow::Reply::Forward(flow::FlowNotFound());
  }
  Flow& f = **loaded;
  // Unlike registration, the flow is loaded before the session is looked at (§6.1 step 3).
  if (request.session) {
    const bool upgrade = AalRank(f.requested_aal) > AalRank(request.session->aal);
    if (!f.refresh && !upgrade) {
      if (f.IsApi() || request.is_json) {
        return FlowError(request, f, Json(), flow::SessionAlreadyAvailable(flow::Kind::kLogin));
      }
      return flow::Reply::Redirect(303, d_.config.selfservice.default_browser_return_url);
    }
  } else if (f.requested_aal != "aal1") {
    return FlowError(request, f, Json(), flow::SessionAal1Required());
  }
  if (f.IsExpired(d_.clock.Now())) {
    return HandleExpired(request, f);
  }
  if (!params.body) {
    return FlowError(request, f, Json(),
                     params.body_error.value_or(
                         Error::InvalidArgument("Unable to decode the HTTP request body.")));
  }
  // Too many failures for this identifier or address: refused before any password is checked.
  const ThrottleKeys keys = KeysOf(request, *params.body);
  auto wait = d_.throttle.RetryAfter(keys.all);
  if (!wait.ok()) {
    return flow::Reply::Forward(std::move(wait).error());
  }
  if (wait->has_value()) {
    return flow::Reply::Forward(flow::TooManyAttempts(**wait));
  }

  SubmitContext ctx{request, f, SchemaOf(f), *params.body, d_.csrf, d_.identities, *this, Json()};
  for (const Strategy* s : d_.strategies) {
    Outcome outcome = s->Login(ctx);
    if (std::holds_alternative<NotResponsible>(outcome)) {
      continue;
    }
    // Failures count against the identifier and the address; a success clears the identifier.
    Status counted = OkStatus();
    if (std::holds_alternative<Rejected>(outcome)) {
      counted = d_.throttle.Failed(keys.all);
    } else if (std::holds_alternative<Authenticated>(outcome)) {
      counted = d_.throttle.Succeeded(keys.identifier);
    }
    if (!counted.ok()) {
      return flow::Reply::Forward(std::move(counted).error());
    }
    return Finish(request, ctx, s->Id(), std::move(outcome));
  }
  return FlowError(request, f, Json(), {flow::FieldMessage{"", text::NoLoginStrategy()}});
}

flow::Reply Service::Finish(const flow::Request& request, SubmitContext& ctx,
                            std::string_view method, Outcome outcome) const {
  Flow& f = ctx.flow;
  if (auto* signed_in = std::get_if<Authenticated>(&outcome)) {
    return SignIn(request, ctx, method, signed_in->identity);
  }
  if (auto* rejected = std::get_if<Rejected>(&outcome)) {
    return FlowError(request, f, ctx.decoded, std::move(rejected->messages));
  }
  if (auto* errors = std::get_if<FormErrors>(&outcome)) {
    return FlowError(request, f, ctx.decoded, std::move(errors->messages));
  }
  if (auto* failed = std::get_if<Failed>(&outcome)) {
    return FlowError(request, f, ctx.decoded, failed->error);
  }
  if (auto* redirect = std::get_if<Redirect>(&outcome)) {
    flow::Reply reply =
        request.is_json ? flow::Reply::ErrorJson(flow::BrowserLocationChangeRequired(redirect->url))
                        : flow::Reply::Redirect(303, redirect->url);
    reply.cookies = std::move(redirect->cookies);
    return reply;
  }
  // NextStep: the method showed its next screen (identifier first). Persisted unsorted and
  // answered by the kind of request, not of flow (§6.5).
  RefreshCsrf(request, f);
  if (auto st = Save(f); !st.ok()) {
    return flow::Reply::Forward(std::move(st).error());
  }
  return request.is_json ? flow::Reply::JsonBody(400, f.ToJson())
                         : flow::Reply::Redirect(303, UiUrl(f));
}

flow::Reply Service::FlowError(const flow::Request& request, Flow& flow, const Json& decoded,
                               const Error& error) const {
  if (auto message = flow::ErrorAsMessage(error)) {
    return FlowError(request, flow, decoded, {std::move(*message)});
  }
  return flow.IsApi() ? flow::Reply::ErrorJson(error) : flow::Reply::Forward(error);
}

flow::Reply Service::FlowError(const flow::Request& request, Flow& flow, const Json& decoded,
                               std::vector<flow::FieldMessage> messages) const {
  flow.ui.ResetMessages();
  // The identifier comes back exactly as submitted; passwords never do.
  if (decoded.is_object()) {
    if (const auto it = decoded.find("identifier"); it != decoded.end() && it->is_string()) {
      flow.ui.SetValue("identifier", *it);
    }
  }
  for (auto& m : messages) {
    if (m.node.empty()) {
      flow.ui.messages.push_back(std::move(m.message));
    } else {
      flow.ui.AddNodeMessage(m.node, std::move(m.message));
    }
  }
  Sort(request, flow);
  flow.transient_payload = nullptr;  // not persisted, so absent from the re-read flow
  if (auto s = Save(flow); !s.ok()) {
    return flow::Reply::Forward(std::move(s).error());
  }
  if (!request.is_json && !flow.IsApi()) {
    return flow::Reply::Redirect(303, UiUrl(flow));  // 303 here; registration uses 302
  }
  return flow::Reply::JsonBody(400, flow.ToJson());
}

}  // namespace atrium::login

// Submissions and callbacks: finding the method responsible, and turning what it made of the
// request into an answer (docs/wire/registration.md §7).
#include <algorithm>
#include <iterator>

#include "base/random.h"
#include "flow/errors.h"
#include "registration/service.h"
#include "text/messages.h"
#include "ui/sort.h"

namespace atrium::registration {
namespace {

flow::Reply ErrorFor(const flow::Request& request, Error e) {
  return request.is_json ? flow::Reply::ErrorJson(std::move(e))
                         : flow::Reply::Forward(std::move(e));
}

}  // namespace

flow::Reply Service::Submit(const flow::Request& request, const SubmitParams& params) const {
  if (request.session) {
    if (request.is_json) {
      return flow::Reply::ErrorJson(flow::SessionAlreadyAvailable());
    }
    // Only self-service URLs are accepted as the place to go here (docs/wire/registration.md
    // §7.1 step 1).
    const std::string return_to = flow::QueryParam(request.url, "return_to");
    return flow::Reply::Redirect(302, return_to_.IsSelfServiceUrl(return_to)
                                          ? return_to
                                          : d_.config.selfservice.default_browser_return_url);
  }
  if (!IsUuid(params.flow_id)) {
    return ErrorFor(request, flow::FlowParamMalformed());
  }
  auto loaded = d_.flows.GetFlow(params.flow_id);
  if (!loaded.ok()) {
    return flow::Reply::Forward(std::move(loaded).error());
  }
  if (!loaded->has_value()) {
    return ErrorFor(request, flow::FlowNotFound());
  }
  Flow& f = **loaded;
  if (f.IsExpired(d_.clock.Now())) {
    return HandleExpired(request, f);
  }
  if (!params.body) {
    return FlowError(request, f, Json(),
                     params.body_error.value_or(
                         Error::InvalidArgument("Unable to decode the HTTP request body.")));
  }
  SubmitContext ctx{request, f, SchemaOf(f), *params.body, StepOf(), *this, d_.csrf, Json()};
  for (const Strategy* s : d_.strategies) {
    Outcome outcome = s->Register(ctx);
    if (!std::holds_alternative<NotResponsible>(outcome)) {
      return Finish(request, ctx, s->Id(), std::move(outcome));
    }
  }
  return FlowError(request, f, Json(), {flow::FieldMessage{"", text::NoStrategy()}});
}

flow::Reply Service::Callback(const CallbackRequest& callback, std::string_view method) const {
  const flow::Request& request = callback.request;
  const Strategy* strategy = Find(method);
  if (strategy == nullptr || !strategy->Enabled()) {
    return ErrorFor(request, flow::MethodDisabled());
  }
  const auto flow_id = strategy->FlowOfCallback(callback);
  if (!flow_id || !IsUuid(*flow_id)) {
    return ErrorFor(request, flow::FlowParamMalformed());
  }
  auto loaded = d_.flows.GetFlow(*flow_id);
  if (!loaded.ok()) {
    return flow::Reply::Forward(std::move(loaded).error());
  }
  if (!loaded->has_value()) {
    return ErrorFor(request, flow::FlowNotFound());
  }
  Flow& f = **loaded;
  if (f.IsExpired(d_.clock.Now())) {
    return HandleExpired(request, f);
  }
  flow::Body body;
  body.form = callback.params;
  SubmitContext ctx{request, f, SchemaOf(f), body, StepOf(), *this, d_.csrf, Json(), true};
  flow::Reply reply = Finish(request, ctx, method, strategy->Resume(ctx, callback));
  std::move(ctx.cookies.begin(), ctx.cookies.end(), std::back_inserter(reply.cookies));
  return reply;
}

flow::Reply Service::Finish(const flow::Request& request, SubmitContext& ctx,
                            std::string_view method, Outcome outcome) const {
  Flow& f = ctx.flow;
  if (auto* created = std::get_if<Created>(&outcome)) {
    return Complete(request, ctx, method, std::move(created->identity));
  }
  if (auto* existing = std::get_if<SignIn>(&outcome)) {
    return SignInExisting(request, f, method, existing->identity, ctx.from_callback);
  }
  if (auto* errors = std::get_if<FormErrors>(&outcome)) {
    return FlowError(request, f, ctx.decoded, std::move(errors->messages));
  }
  if (auto* failed = std::get_if<Failed>(&outcome)) {
    return FlowError(request, f, ctx.decoded, failed->error);
  }
  if (auto* redirect = std::get_if<Redirect>(&outcome)) {
    return flow::AnswerRedirect(request.is_json, std::move(*redirect));
  }
  // NextStep: the method changed the form (two-step screens, a code was sent). JSON requests get
  // the flow with 400, browsers are sent to the form (§17.1, §17.3).
  RefreshForm(request, f, std::get<NextStep>(outcome).keep_node_order);
  if (auto st = d_.flows.UpdateFlow(f); !st.ok()) {
    return flow::Reply::Forward(std::move(st).error());
  }
  return request.is_json ? flow::Reply::JsonBody(400, f.ToJson())
                         : flow::Reply::Redirect(303, UiUrl(f));
}

flow::Reply Service::FlowError(const flow::Request& request, Flow& flow, const Json& decoded,
                               const Error& error) const {
  if (error.code == ErrorCode::kConflict) {
    if (d_.config.selfservice.registration.login_hints && error.details.is_object()) {
      // The hint names the existing account's credentials: how its owner can sign in (§18.4).
      const std::string hint = error.details.value("identifier", "");
      std::vector<std::string> types;
      if (const auto it = error.details.find("credential_types");
          it != error.details.end() && it->is_array()) {
        for (const auto& t : *it) {
          if (t.is_string()) {
            types.push_back(t.get<std::string>());
          }
        }
      }
      return FlowError(request, flow, decoded,
                       {flow::FieldMessage{"", text::DuplicateWithHints(hint, types, {})}});
    }
    return FlowError(request, flow, decoded, {flow::FieldMessage{"", text::DuplicateIdentifier()}});
  }
  // Every 400 becomes a message on the form (§7.2 step 4), with or without an id.
  if (auto message = flow::ErrorAsMessage(error)) {
    return FlowError(request, flow, decoded, {std::move(*message)});
  }
  // Not a form message: forwarded (API flows always get the JSON envelope).
  return flow.IsApi() ? flow::Reply::ErrorJson(error) : flow::Reply::Forward(error);
}

flow::Reply Service::FlowError(const flow::Request& request, Flow& flow, const Json& decoded,
                               std::vector<flow::FieldMessage> messages) const {
  flow.ui.ResetMessages();
  if (decoded.is_object()) {
    if (const auto traits = decoded.find("traits"); traits != decoded.end()) {
      flow::CopyTraitsIntoNodes(flow.ui, *traits);
    }
  }
  RefreshForm(request, flow);
  for (auto& m : messages) {
    if (m.node.empty()) {
      flow.ui.messages.push_back(std::move(m.message));
    } else {
      flow.ui.AddNodeMessage(m.node, std::move(m.message));
    }
  }
  ui::SortNodes(flow.ui.nodes, ui::RegistrationSortOrder(
                                   SchemaOf(flow).leaf_keys));  // a message may have added a node
  flow.transient_payload = nullptr;  // not persisted, so absent from the re-read flow
  if (auto s = d_.flows.UpdateFlow(flow); !s.ok()) {
    return flow::Reply::Forward(std::move(s).error());
  }
  if (!request.is_json && !flow.IsApi()) {
    return flow::Reply::Redirect(302, UiUrl(flow));
  }
  // JSON requests and API flows get the flow itself (API flows even when posted as a form).
  return flow::Reply::JsonBody(400, flow.ToJson());
}

}  // namespace atrium::registration

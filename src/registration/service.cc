#include "registration/service.h"

#include <algorithm>

#include "base/random.h"
#include "base/strings.h"
#include "base/time.h"
#include "flow/csrf.h"
#include "flow/errors.h"
#include "registration/forms.h"
#include "text/messages.h"
#include "ui/sort.h"

namespace atrium::registration {
namespace {

// Appends "flow=<id>" to a UI URL, keeping the URL's own query parameters.
std::string WithFlowParam(const std::string& url, const std::string& id) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "flow=" + id;
}

}  // namespace

Reply Reply::JsonBody(int status, Json body) {
  Reply r;
  r.kind = Kind::kJson;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Reply Reply::Redirect(int status, std::string location) {
  Reply r;
  r.kind = Kind::kRedirect;
  r.status = status;
  r.location = std::move(location);
  return r;
}

Reply Reply::ErrorJson(Error e) {
  Reply r;
  r.kind = Kind::kError;
  r.error = std::move(e);
  return r;
}

Reply Reply::Forward(Error e) {
  Reply r;
  r.kind = Kind::kErrorForward;
  r.error = std::move(e);
  return r;
}

Service::Service(const config::Config& config, const identity::SchemaRegistry& schemas,
                 FlowStore& flows, RegistrationStore& registrations,
                 std::vector<Strategy*> strategies, const Clock& clock)
    : config_(config),
      schemas_(schemas),
      flows_(flows),
      registrations_(registrations),
      strategies_(std::move(strategies)),
      clock_(clock),
      return_to_(config.selfservice.allowed_return_urls, config.serve_public.base_url) {}

const identity::IdentitySchema& Service::SchemaOf(const Flow& flow) const {
  if (!flow.identity_schema.empty()) {
    if (const auto* s = schemas_.Find(flow.identity_schema)) {
      return *s;
    }
  }
  return schemas_.Default();
}

std::string Service::UiUrl(const Flow& flow) const {
  return WithFlowParam(config_.selfservice.registration.ui_url, flow.id);
}

void Service::Build(Flow& flow, const identity::IdentitySchema& schema, FormStep step) const {
  for (const Strategy* s : strategies_) {
    if (s->Enabled()) {
      s->Populate(flow, schema, step);
    }
  }
  ui::SortNodes(flow.ui.nodes, schema.leaf_keys);
}

Result<Flow> Service::CreateFlow(const RequestContext& request, const InitParams& params,
                                 FlowType type) const {
  const std::string& public_url = config_.serve_public.base_url;
  // return_to is validated before anything else (spec §4.1 step 2).
  if (!params.return_to.empty()) {
    ATRIUM_RETURN_IF_ERROR(
        return_to_.Resolve(params.return_to, config_.selfservice.default_browser_return_url));
  }
  if (params.login_challenge) {
    if (config_.oauth2_provider.url.empty()) {
      return flow::LoginChallengeWithoutHydra();
    }
    if (params.login_challenge->empty()) {
      return flow::LoginChallengeEmpty();
    }
  }
  if (!params.identity_schema.empty() &&
      params.identity_schema != config_.identity_default_schema_id) {
    const auto* s = schemas_.Find(params.identity_schema);
    if (s == nullptr) {
      return flow::SchemaDoesNotExist(params.identity_schema);
    }
    if (!s->selfservice_selectable) {
      return flow::SchemaNotSelectable(params.identity_schema);
    }
  }

  Flow f;
  f.id = NewUuid();
  f.type = type;
  f.issued_at = TruncateToMicros(clock_.Now());
  f.expires_at = f.issued_at + config_.selfservice.registration.lifespan;
  f.request_url = request.url;
  f.ui.action = public_url + "self-service/registration?flow=" + f.id;
  f.ui.method = "POST";
  f.csrf_token = type == FlowType::kApi ? std::string() : request.masked_csrf;
  f.identity_schema = params.identity_schema;
  if (params.login_challenge) {
    f.oauth2_login_challenge = *params.login_challenge;
  }
  if (!config_.selfservice.registration.enabled) {
    return flow::RegistrationDisabled();
  }
  if (type == FlowType::kApi && params.return_session_token_exchange_code) {
    f.session_token_exchange_code = RandomAlphanumeric(32);
  }
  if (!params.organization.empty() && IsUuid(params.organization)) {
    // No strategy supports organizations in the open-source build: the form stays empty.
    f.organization_id = AsciiLower(params.organization);
    f.ui.nodes_null = true;
  } else {
    const auto& schema = SchemaOf(f);
    Build(f, schema,
          config_.selfservice.registration.OneStep() ? FormStep::kOneStep : FormStep::kProfile);
    RefreshCsrf(f, request);
    ui::SortNodes(f.ui.nodes, schema.leaf_keys);
  }
  ATRIUM_RETURN_IF_ERROR(flows_.CreateFlow(f));
  return f;
}

Reply Service::InitBrowser(const RequestContext& request, const InitParams& params) const {
  auto created = CreateFlow(request, params, FlowType::kBrowser);
  if (!created.ok()) {
    return Reply::Forward(std::move(created).error());
  }
  if (request.session) {
    if (request.is_json) {
      return Reply::ErrorJson(flow::SessionAlreadyAvailable());
    }
    auto target =
        return_to_.Resolve(params.return_to, config_.selfservice.default_browser_return_url);
    if (!target.ok()) {
      return Reply::Forward(std::move(target).error());
    }
    return Reply::Redirect(303, *target);
  }
  if (request.accepts_json) {
    return Reply::JsonBody(200, created->ToJson());
  }
  return Reply::Redirect(303, UiUrl(*created));
}

Reply Service::InitApi(const RequestContext& request, const InitParams& params) const {
  if (request.session) {
    return Reply::ErrorJson(flow::SessionAlreadyAvailable());
  }
  auto created = CreateFlow(request, params, FlowType::kApi);
  if (!created.ok()) {
    return Reply::ErrorJson(std::move(created).error());
  }
  return Reply::JsonBody(200, created->ToJson());
}

Reply Service::GetFlow(const RequestContext& request, std::string_view id) const {
  auto loaded = flows_.GetFlow(IsUuid(id) ? id : kNilUuid);
  if (!loaded.ok()) {
    return Reply::ErrorJson(std::move(loaded).error());
  }
  if (!loaded->has_value()) {
    if (!config_.selfservice.registration.enabled) {
      return Reply::Forward(flow::RegistrationDisabled());
    }
    return Reply::ErrorJson(flow::FlowNotFound());
  }
  Flow& f = **loaded;
  if (!config_.selfservice.registration.enabled) {
    return Reply::Forward(flow::RegistrationDisabled());
  }
  if (!f.IsApi()) {
    // A GET carries no body token: a wrong cookie is reported as "token not sent".
    if (!request.has_cookie_header) {
      return Reply::ErrorJson(flow::CsrfError(flow::CsrfViolation::kNoCookieHeader, request.ajax));
    }
    if (request.csrf_cookie.empty()) {
      return Reply::ErrorJson(flow::CsrfError(flow::CsrfViolation::kNoCsrfCookie, request.ajax));
    }
    if (!flow::CsrfTokensMatch(request.csrf_cookie, f.csrf_token)) {
      return Reply::ErrorJson(flow::CsrfError(flow::CsrfViolation::kTokenNotSent, request.ajax));
    }
  }
  const Timestamp now = clock_.Now();
  if (f.IsExpired(now)) {
    return Reply::ErrorJson(
        flow::ExpiredOnGet(f.IsApi(), config_.serve_public.base_url, f.ReturnTo()));
  }
  return Reply::JsonBody(200, f.ToJson());
}

Reply Service::HandleExpired(const RequestContext& request, const Flow& expired) const {
  InitParams params;
  auto replacement = CreateFlow(request, params, expired.type);
  if (!replacement.ok()) {
    return Reply::Forward(std::move(replacement).error());
  }
  Flow& f = *replacement;
  const Timestamp now = clock_.Now();
  f.request_url = expired.request_url;
  f.identity_schema = expired.identity_schema;
  f.ui.messages.push_back(text::FlowExpired(expired.expires_at, now - expired.expires_at));
  if (auto s = flows_.UpdateFlow(f); !s.ok()) {
    return Reply::Forward(std::move(s).error());
  }
  if (expired.IsApi() || request.is_json) {
    return Reply::ErrorJson(flow::ExpiredOnSubmit(expired.expires_at, now, f.id));
  }
  return Reply::Redirect(303, UiUrl(f));
}

Reply Service::Submit(const RequestContext& request, const SubmitParams& params) const {
  if (request.session) {
    if (request.is_json) {
      return Reply::ErrorJson(flow::SessionAlreadyAvailable());
    }
    return Reply::Redirect(302, config_.selfservice.default_browser_return_url);
  }
  if (!IsUuid(params.flow_id)) {
    return request.is_json ? Reply::ErrorJson(flow::FlowParamMalformed())
                           : Reply::Forward(flow::FlowParamMalformed());
  }
  auto loaded = flows_.GetFlow(params.flow_id);
  if (!loaded.ok()) {
    return Reply::Forward(std::move(loaded).error());
  }
  if (!loaded->has_value()) {
    return request.is_json ? Reply::ErrorJson(flow::FlowNotFound())
                           : Reply::Forward(flow::FlowNotFound());
  }
  Flow& f = **loaded;
  if (f.IsExpired(clock_.Now())) {
    return HandleExpired(request, f);
  }
  if (!params.body) {
    return FlowError(request, f, nullptr,
                     params.body_error.value_or(
                         Error::InvalidArgument("Unable to decode the HTTP request body.")));
  }

  const auto& schema = SchemaOf(f);
  SubmitContext ctx{request,      f,     schema,
                    *params.body, *this, !config_.selfservice.registration.OneStep(),
                    {},           {},    {}};
  ctx.identity.schema_id = schema.id;
  for (Strategy* s : strategies_) {
    ctx.group = std::string(s->Id());
    Outcome outcome = s->Register(ctx);
    if (std::holds_alternative<NotResponsible>(outcome)) {
      continue;
    }
    if (auto* respond = std::get_if<Respond>(&outcome)) {
      return std::move(respond->reply);
    }
    if (std::holds_alternative<FormUpdated>(outcome)) {
      // Two-step steps answer 400 with the flow to JSON requests, else 303 to the UI (spec §17.1).
      if (auto st = flows_.UpdateFlow(f); !st.ok()) {
        return Reply::Forward(std::move(st).error());
      }
      return request.is_json ? Reply::JsonBody(400, f.ToJson()) : Reply::Redirect(303, UiUrl(f));
    }
    if (auto* invalid = std::get_if<Invalid>(&outcome)) {
      return FlowError(request, f, &ctx, std::move(invalid->messages));
    }
    if (auto* failed = std::get_if<Failed>(&outcome)) {
      return FlowError(request, f, &ctx, failed->error);
    }
    return Complete(request, ctx, s->Id());
  }
  return FlowError(request, f, nullptr, {FieldMessage{"", text::NoStrategy()}});
}

Reply Service::FlowError(const RequestContext& request, Flow& flow, const SubmitContext* ctx,
                         const Error& error) const {
  if (error.code == ErrorCode::kConflict) {
    if (config_.selfservice.registration.login_hints && error.details.is_object()) {
      const std::string hint = error.details.value("identifier", "");
      const std::string type = error.details.value("type", "");
      return FlowError(
          request, flow, ctx,
          {FieldMessage{"", text::DuplicateWithHints(hint,
                                                     type.empty() ? std::vector<std::string>{}
                                                                  : std::vector<std::string>{type},
                                                     {})}});
    }
    return FlowError(request, flow, ctx, {FieldMessage{"", text::DuplicateIdentifier()}});
  }
  if (error.code == ErrorCode::kInvalidArgument && error.id.empty()) {
    return FlowError(request, flow, ctx, {FieldMessage{"", text::Generic(error.reason)}});
  }
  if (error.id == "identity_disabled") {
    return FlowError(request, flow, ctx, {FieldMessage{"", text::IdentityDisabled()}});
  }
  // Not translatable: forwarded (API flows always get the JSON envelope).
  if (flow.IsApi()) {
    return Reply::ErrorJson(error);
  }
  return Reply::Forward(error);
}

Reply Service::FlowError(const RequestContext& request, Flow& flow, const SubmitContext* ctx,
                         std::vector<FieldMessage> messages) const {
  flow.ui.ResetMessages();
  if (ctx != nullptr && ctx->decoded.is_object()) {
    if (const auto traits = ctx->decoded.find("traits"); traits != ctx->decoded.end()) {
      CopyTraitsIntoNodes(flow, *traits);
    }
  }
  RefreshCsrf(flow, request);
  for (auto& m : messages) {
    if (m.node.empty()) {
      flow.ui.messages.push_back(std::move(m.message));
    } else {
      flow.ui.AddNodeMessage(m.node, std::move(m.message));
    }
  }
  ui::SortNodes(flow.ui.nodes, SchemaOf(flow).leaf_keys);
  flow.transient_payload = nullptr;  // not persisted, so absent from the re-read flow
  if (auto s = flows_.UpdateFlow(flow); !s.ok()) {
    return Reply::Forward(std::move(s).error());
  }
  if (!request.is_json && !flow.IsApi()) {
    return Reply::Redirect(302, UiUrl(flow));
  }
  // JSON requests and API flows get the flow itself (API flows even when posted as a form).
  return Reply::JsonBody(400, flow.ToJson());
}

bool Service::HasSessionHook(std::string_view method) const {
  const auto& reg = config_.selfservice.registration;
  const auto is_session = [](const config::Hook& h) { return h.hook == "session"; };
  if (const auto it = reg.after_methods.find(std::string(method)); it != reg.after_methods.end()) {
    if (std::any_of(it->second.hooks.begin(), it->second.hooks.end(), is_session)) {
      return true;
    }
    if (!it->second.hooks.empty()) {
      return false;  // the method's list has post-persist hooks: the global list is not used
    }
  }
  return std::any_of(reg.after_hooks.begin(), reg.after_hooks.end(), is_session);
}

std::string Service::ReturnUrlDefault(std::string_view method) const {
  const auto& reg = config_.selfservice.registration;
  if (const auto it = reg.after_methods.find(std::string(method));
      it != reg.after_methods.end() && !it->second.default_browser_return_url.empty()) {
    return it->second.default_browser_return_url;
  }
  if (!reg.after_default_browser_return_url.empty()) {
    return reg.after_default_browser_return_url;
  }
  return config_.selfservice.default_browser_return_url;
}

Reply Service::Complete(const RequestContext& request, SubmitContext& ctx,
                        std::string_view method) const {
  Flow& flow = ctx.flow;
  const Timestamp now = TruncateToMicros(clock_.Now());

  // Atrium validates the return URL before anything is written, so that a registration either
  // succeeds completely or leaves nothing behind (Kratos creates the identity first).
  auto return_url = return_to_.Resolve(flow.ReturnTo(), ReturnUrlDefault(method));
  if (!return_url.ok()) {
    return FlowError(request, flow, &ctx, return_url.error());
  }

  identity::Identity& id = ctx.identity;
  id.id = NewUuid();
  id.state = "active";
  id.state_changed_at = now;
  id.created_at = now;
  id.updated_at = now;
  for (auto& a : id.verifiable_addresses) {
    a.created_at = now;
    a.updated_at = now;
  }
  for (auto& a : id.recovery_addresses) {
    a.created_at = now;
    a.updated_at = now;
  }

  // A session is persisted with every registration; it is handed out by the session hook only.
  session::Session s;
  s.id = NewUuid();
  s.token = session::NewSessionToken();
  s.token_digest = session::TokenDigest(s.token);
  s.active = true;
  s.issued_at = now;
  s.authenticated_at = now;
  s.expires_at = now + config_.session.lifespan;
  s.aal = "aal1";
  s.authentication_methods.push_back({std::string(method), "aal1", now});
  s.identity_id = id.id;
  s.identity = id;
  s.devices.push_back(
      session::Device{NewUuid(), request.ip_address, request.user_agent, request.location});

  if (auto st = registrations_.CreateIdentityWithSession(id, s); !st.ok()) {
    return FlowError(request, flow, &ctx, st.error());
  }

  Json continue_with = Json::array();
  if (!flow.IsApi() && request.is_json) {
    continue_with.push_back(
        {{"action", "redirect_browser_to"}, {"redirect_browser_to", *return_url}});
  }
  const bool session_hook = HasSessionHook(method);
  const std::string& base = config_.serve_public.base_url;
  if (flow.IsApi()) {
    Json body;
    if (session_hook) {
      continue_with.push_back(
          {{"action", "set_ory_session_token"}, {"ory_session_token", s.token}});
      body["session_token"] = s.token;
      body["session"] = s.ToJson(base, clock_.Now());
    }
    body["identity"] = id.ToPublicJson(base);
    body["continue_with"] = continue_with.empty() ? Json() : continue_with;
    return Reply::JsonBody(200, std::move(body));
  }
  Reply reply;
  if (request.is_json) {
    Json body;
    if (session_hook) {
      body["session"] = s.ToJson(base, clock_.Now());
    }
    body["identity"] = id.ToPublicJson(base);
    body["continue_with"] = continue_with.empty() ? Json() : continue_with;
    reply = Reply::JsonBody(200, std::move(body));
  } else {
    reply = Reply::Redirect(303, *return_url);
  }
  if (session_hook) {
    reply.session_token = s.token;
    reply.session_expires_at = s.expires_at;
    reply.regenerate_csrf = true;
  }
  return reply;
}

}  // namespace atrium::registration

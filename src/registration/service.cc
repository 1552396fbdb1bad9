// Creating and fetching registration flows, their forms and their expiry.
#include "registration/service.h"

#include <algorithm>

#include "base/random.h"
#include "base/strings.h"
#include "base/time.h"
#include "flow/errors.h"
#include "flow/fetch.h"
#include "text/messages.h"
#include "ui/sort.h"

namespace atrium::registration {
namespace {}  // namespace

Service::Service(Dependencies deps)
    : d_(std::move(deps)),
      return_to_(d_.config.selfservice.allowed_return_urls, d_.config.serve_public.base_url) {}

const identity::IdentitySchema& Service::SchemaOf(const Flow& flow) const {
  return d_.schemas.FindOrDefault(flow.identity_schema);
}

FormStep Service::StepOf() const {
  return d_.config.selfservice.registration.OneStep() ? FormStep::kOneStep : FormStep::kProfile;
}

std::string Service::UiUrl(const Flow& flow) const {
  return flow::WithFlowParam(d_.config.selfservice.registration.ui_url, flow.id);
}

const Strategy* Service::Find(std::string_view method) const {
  for (const Strategy* s : d_.strategies) {
    if (s->Id() == method) {
      return s;
    }
  }
  return nullptr;
}

std::vector<Script> Service::Scripts() const {
  std::vector<Script> out;
  // Every method's, enabled or not: Kratos serves /.well-known/ory/webauthn.js always, and the
  // reference UI loads it on every page (a script is static text and reveals nothing).
  for (const Strategy* s : d_.strategies) {
    for (auto& script : s->Scripts()) {
      // Methods may share a script (one path, served once).
      if (std::none_of(out.begin(), out.end(),
                       [&](const Script& o) { return o.path == script.path; })) {
        out.push_back(std::move(script));
      }
    }
  }
  return out;
}

void Service::Build(Flow& flow, const identity::IdentitySchema& schema, FormStep step) const {
  for (const Strategy* s : d_.strategies) {
    if (s->Enabled()) {
      s->Populate(flow, schema, step);
    }
  }
  ui::SortNodes(flow.ui.nodes, ui::RegistrationSortOrder(schema.leaf_keys));
}

void Service::RefreshForm(const flow::Request& request, Flow& flow, bool keep_order) const {
  flow.ui.Upsert(flow::CsrfGuard::Node(flow.IsApi() ? std::string() : request.csrf.masked));
  if (!keep_order) {
    ui::SortNodes(flow.ui.nodes, ui::RegistrationSortOrder(SchemaOf(flow).leaf_keys));
  }
}

Result<Flow> Service::NewFlow(const flow::Request& request, const InitParams& params,
                              FlowType type) const {
  const auto& c = d_.config;
  // return_to is validated before anything else (§4.1 step 2).
  if (!params.return_to.empty()) {
    ATRIUM_RETURN_IF_ERROR(
        return_to_.Resolve(params.return_to, c.selfservice.default_browser_return_url));
  }
  // Atrium: so is the URL a verification flow started after sign-up will continue to
  // (docs/compat.md; Kratos only checks it when the verification succeeds).
  if (!params.after_verification_return_to.empty()) {
    ATRIUM_RETURN_IF_ERROR(return_to_.Resolve(params.after_verification_return_to,
                                              c.selfservice.default_browser_return_url));
  }
  ATRIUM_RETURN_IF_ERROR(flow::CheckLoginChallenge(params.login_challenge, c.oauth2_provider.url));
  if (!params.identity_schema.empty() && params.identity_schema != c.identity_default_schema_id) {
    const auto* s = d_.schemas.Find(params.identity_schema);
    if (s == nullptr) {
      return flow::SchemaDoesNotExist(params.identity_schema);
    }
    if (!s->selfservice_selectable) {
      return flow::SchemaNotSelectable(params.identity_schema);
    }
  }
  if (!c.selfservice.registration.enabled) {
    return flow::RegistrationDisabled();
  }

  Flow f;
  f.id = d_.ids.NewUuid();
  f.type = type;
  f.issued_at = TruncateToMicros(d_.clock.Now());
  f.expires_at = f.issued_at + c.selfservice.registration.lifespan;
  f.request_url = request.url;
  f.ui.action = c.serve_public.base_url + "self-service/registration?flow=" + f.id;
  f.csrf_token = type == FlowType::kApi ? std::string() : request.csrf.masked;
  f.identity_schema = params.identity_schema;
  if (type == FlowType::kBrowser) {
    f.oauth2_login_challenge = params.login_challenge.value_or("");  // Kratos: browser flows only
  }
  if (type == FlowType::kApi && params.return_session_token_exchange_code) {
    f.session_token_exchange_code = d_.ids.Alphanumeric(32);
  }
  if (!params.organization.empty() && IsUuid(params.organization)) {
    // No method supports organizations in the open-source build: the form stays empty.
    f.organization_id = AsciiLower(params.organization);
    f.ui.nodes_null = true;
  } else {
    Build(f, SchemaOf(f), StepOf());
    RefreshForm(request, f);
  }
  return f;
}

Result<Flow> Service::CreateFlow(const flow::Request& request, const InitParams& params,
                                 FlowType type, std::string* answer) const {
  ATRIUM_ASSIGN_OR_RETURN(Flow f, NewFlow(request, params, type));
  ATRIUM_RETURN_IF_ERROR(RunBeforeHooks(request, f));
  flow::StoredDocument doc = f.Stored();
  ATRIUM_RETURN_IF_ERROR(d_.flows.CreateFlow(f, doc));
  if (answer != nullptr && doc.complete) {
    *answer = std::move(doc.answer);
  }
  if (!f.session_token_exchange_code.empty() && d_.exchanges != nullptr) {
    ATRIUM_RETURN_IF_ERROR(d_.exchanges->Start(f.id, f.session_token_exchange_code, f.expires_at));
  }
  return f;
}

Result<std::optional<hydra::LoginRequest>> Service::LoginRequestOf(const Flow& flow) const {
  if (flow.oauth2_login_challenge.empty()) {
    return std::optional<hydra::LoginRequest>();
  }
  if (d_.hydra == nullptr) {
    return flow::LoginChallengeWithoutHydra();
  }
  ATRIUM_ASSIGN_OR_RETURN(hydra::LoginRequest login,
                          d_.hydra->GetLoginRequest(flow.oauth2_login_challenge));
  return std::optional<hydra::LoginRequest>(std::move(login));
}

Result<std::string> Service::AcceptLogin(const std::string& challenge,
                                         const session::Session& session) const {
  if (d_.hydra == nullptr) {
    return flow::LoginChallengeWithoutHydra();
  }
  hydra::Acceptance a;
  a.challenge = challenge;
  a.subject = session.identity_id;
  a.session_id = session.id;
  for (const auto& m : session.authentication_methods) {
    a.amr.push_back(m.method);
  }
  a.remember = d_.config.session.cookie.persistent;
  a.remember_for = std::chrono::duration_cast<std::chrono::seconds>(d_.config.session.lifespan);
  return d_.hydra->AcceptLoginRequest(a);
}

// A new flow's answer: the answer stored with it when that is the whole document (the flow was
// serialized once), else the flow serialized again with what only this answer carries.
flow::Reply Service::AnswerCreated(const Flow& created, std::string stored_answer) {
  if (!stored_answer.empty()) {
    return flow::Reply::JsonText(200, std::move(stored_answer));
  }
  return flow::Reply::JsonBody(200, created.ToJson());
}

flow::Reply Service::InitBrowser(const flow::Request& request, const InitParams& params) const {
  std::string answer;
  auto created = CreateFlow(request, params, FlowType::kBrowser, &answer);
  if (!created.ok()) {
    return flow::Reply::Forward(std::move(created).error());
  }
  // §20: a login challenge is checked with Hydra before anything else is answered.
  auto login = LoginRequestOf(*created);
  if (!login.ok()) {
    return flow::Reply::Forward(std::move(login).error());
  }
  if (request.session && login->has_value()) {
    if (!(*login)->skip) {
      // Hydra wants the user to sign in again: the login flow takes the same query.
      const size_t q = request.url.find('?');
      return flow::Reply::Redirect(302, d_.config.serve_public.base_url +
                                            "self-service/login/browser" +
                                            (q == std::string::npos ? "" : request.url.substr(q)));
    }
    auto redirect_to = AcceptLogin(created->oauth2_login_challenge, *request.session);
    if (!redirect_to.ok()) {
      return flow::Reply::Forward(std::move(redirect_to).error());
    }
    return flow::AnswerRedirect(request.is_json, flow::Redirect{*std::move(redirect_to), {}});
  }
  if (login->has_value()) {
    created->oauth2_login_request = std::move((*login)->raw);
    answer.clear();  // the stored answer leaves Hydra's request out
  }
  if (request.session) {
    if (request.is_json) {
      return flow::Reply::ErrorJson(flow::SessionAlreadyAvailable());
    }
    auto target =
        return_to_.Resolve(params.return_to, d_.config.selfservice.default_browser_return_url);
    if (!target.ok()) {
      return flow::Reply::Forward(std::move(target).error());
    }
    return flow::Reply::Redirect(303, *target);
  }
  if (request.accepts_json) {
    return AnswerCreated(*created, std::move(answer));
  }
  return flow::Reply::Redirect(303, UiUrl(*created));
}

flow::Reply Service::InitApi(const flow::Request& request, const InitParams& params) const {
  if (request.session) {
    return flow::Reply::ErrorJson(flow::SessionAlreadyAvailable());
  }
  std::string answer;
  auto created = CreateFlow(request, params, FlowType::kApi, &answer);
  if (!created.ok()) {
    return flow::Reply::ErrorJson(std::move(created).error());
  }
  return AnswerCreated(*created, std::move(answer));
}

bool Service::InitApiLater(const flow::Request& request, const InitParams& params,
                           std::function<void(flow::Reply)> answer) const {
  // What may wait stays on the ordinary path: before hooks (they may call out), a session token
  // exchange (a second write), a signed-in request (answered 400 by InitApi).
  if (request.session || params.return_session_token_exchange_code ||
      !d_.config.selfservice.registration.before_hooks.empty()) {
    return false;
  }
  auto created = NewFlow(request, params, FlowType::kApi);
  if (!created.ok()) {
    answer(flow::Reply::ErrorJson(std::move(created).error()));
    return true;
  }
  flow::StoredDocument doc = created->Stored();
  std::string text = doc.complete ? doc.answer : DumpJson(created->ToJson());
  return d_.flows.CreateFlowLater(
      *std::move(created), std::move(doc),
      [answer = std::move(answer), text = std::move(text)](Status stored) mutable {
        answer(stored.ok() ? flow::Reply::JsonText(200, std::move(text))
                           : flow::Reply::ErrorJson(std::move(stored).error()));
      });
}

std::optional<flow::Reply> Service::GetFlowNow(const RequestOf& request,
                                               std::string_view id) const {
  if (!MayHaveStoredAnswer(id)) {
    return std::nullopt;
  }
  auto stored = d_.flows.GetFlowAnswerNow(id);
  return stored ? AnswerStored(request(), *stored) : std::nullopt;
}

bool Service::GetFlowLater(const flow::Request& request, std::string_view id,
                           std::function<void(std::optional<flow::Reply>)> answer) const {
  if (!MayHaveStoredAnswer(id)) {
    return false;
  }
  return d_.flows.GetFlowAnswerLater(std::string(id),
                                     [this, &request, answer = std::move(answer)](
                                         const Result<std::optional<flow::StoredAnswer>>& stored) {
                                       answer(AnswerStored(request, stored));
                                     });
}

bool Service::MayHaveStoredAnswer(std::string_view id) const {
  return d_.config.selfservice.registration.enabled && IsUuid(id);
}

std::optional<flow::Reply> Service::AnswerStored(
    const flow::Request& request, const Result<std::optional<flow::StoredAnswer>>& stored) const {
  if (!stored.ok() || !stored->has_value()) {
    return std::nullopt;  // errors and unknown ids are answered by the decoding path
  }
  return flow::AnswerStored(request, **stored, d_.csrf, d_.clock.Now());
}

flow::Reply Service::GetFlow(const flow::Request& request, std::string_view id) const {
  // Most fetches are answered with the flow as it was stored; the rest decode it.
  if (MayHaveStoredAnswer(id)) {
    if (auto reply = AnswerStored(request, d_.flows.GetFlowAnswer(id))) {
      return *std::move(reply);
    }
  }
  auto loaded = d_.flows.GetFlow(IsUuid(id) ? id : kNilUuid);
  if (!loaded.ok()) {
    return flow::Reply::ErrorJson(std::move(loaded).error());
  }
  if (!d_.config.selfservice.registration.enabled) {
    return flow::Reply::Forward(flow::RegistrationDisabled());
  }
  if (!loaded->has_value()) {
    return flow::Reply::ErrorJson(flow::FlowNotFound());
  }
  Flow& f = **loaded;
  // Hydra is asked only for a fetch that will be answered (CSRF checked first, as Kratos).
  if (!f.IsExpired(d_.clock.Now()) &&
      (f.IsApi() || d_.csrf.VerifyFetch(request.csrf, f.csrf_token, request.ajax).ok())) {
    auto login = LoginRequestOf(f);
    if (!login.ok()) {
      // Kratos forwards: Hydra gives no way back to the OAuth2 client here.
      return flow::Reply::Forward(std::move(login).error());
    }
    if (login->has_value()) {
      f.oauth2_login_request = std::move((*login)->raw);
    }
  }
  return flow::AnswerFetch(request, f, d_.csrf, d_.clock.Now(), flow::Kind::kRegistration,
                           d_.config.serve_public.base_url);
}

flow::Reply Service::HandleExpired(const flow::Request& request, const Flow& expired) const {
  auto replacement = CreateFlow(request, InitParams{}, expired.type);
  if (!replacement.ok()) {
    return flow::Reply::Forward(std::move(replacement).error());
  }
  Flow& f = *replacement;
  const Timestamp now = d_.clock.Now();
  f.request_url = expired.request_url;
  f.identity_schema = expired.identity_schema;
  f.ui.messages.push_back(text::FlowExpired(text::FlowKind::kRegistration, expired.expires_at,
                                            now - expired.expires_at));
  if (auto s = d_.flows.UpdateFlow(f); !s.ok()) {
    return flow::Reply::Forward(std::move(s).error());
  }
  if (expired.IsApi() || request.is_json) {
    return flow::Reply::ErrorJson(flow::ExpiredOnSubmit(expired.expires_at, now, f.id));
  }
  return flow::Reply::Redirect(303, UiUrl(f));
}

}  // namespace atrium::registration

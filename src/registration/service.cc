// Creating and fetching registration flows, their forms and their expiry.
#include "registration/service.h"

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
  for (const Strategy* s : d_.strategies) {
    if (s->Enabled()) {
      for (auto& script : s->Scripts()) {
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

Result<Flow> Service::CreateFlow(const flow::Request& request, const InitParams& params,
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
  f.oauth2_login_challenge = params.login_challenge.value_or("");
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
  ATRIUM_RETURN_IF_ERROR(d_.flows.CreateFlow(f));
  if (!f.session_token_exchange_code.empty() && d_.exchanges != nullptr) {
    ATRIUM_RETURN_IF_ERROR(d_.exchanges->Start(f.id, f.session_token_exchange_code, f.expires_at));
  }
  return f;
}

flow::Reply Service::InitBrowser(const flow::Request& request, const InitParams& params) const {
  auto created = CreateFlow(request, params, FlowType::kBrowser);
  if (!created.ok()) {
    return flow::Reply::Forward(std::move(created).error());
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
    return flow::Reply::JsonBody(200, created->ToJson());
  }
  return flow::Reply::Redirect(303, UiUrl(*created));
}

flow::Reply Service::InitApi(const flow::Request& request, const InitParams& params) const {
  if (request.session) {
    return flow::Reply::ErrorJson(flow::SessionAlreadyAvailable());
  }
  auto created = CreateFlow(request, params, FlowType::kApi);
  if (!created.ok()) {
    return flow::Reply::ErrorJson(std::move(created).error());
  }
  return flow::Reply::JsonBody(200, created->ToJson());
}

flow::Reply Service::GetFlow(const flow::Request& request, std::string_view id) const {
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
  return flow::AnswerFetch(request, **loaded, d_.csrf, d_.clock.Now(), flow::Kind::kRegistration,
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

// Creating and fetching login flows, their forms and their expiry (docs/wire/login.md §2-§5,
// §8-§10).
#include "login/service.h"

#include "base/random.h"
#include "base/strings.h"
#include "base/time.h"
#include "flow/errors.h"
#include "flow/fetch.h"
#include "text/messages.h"
#include "ui/sort.h"

namespace atrium::login {
namespace {

// Go's strconv.ParseBool, where anything unparsable counts as false.
bool ParseGoBool(std::string_view v) {
  return v == "1" || v == "t" || v == "T" || v == "TRUE" || v == "true" || v == "True";
}

}  // namespace

Service::Service(Dependencies deps)
    : d_(std::move(deps)),
      return_to_(d_.config.selfservice.allowed_return_urls, d_.config.serve_public.base_url) {}

const identity::IdentitySchema& Service::SchemaOf(const Flow& flow) const {
  return d_.schemas.FindOrDefault(flow.identity_schema);
}

std::string Service::UiUrl(const Flow& flow) const {
  return flow::WithFlowParam(d_.config.selfservice.login.ui_url, flow.id);
}

bool Service::Build(Flow& flow, const identity::IdentitySchema& schema, FormStep step,
                    const identity::Identity* identity) const {
  bool offered = false;
  for (const Strategy* s : d_.strategies) {
    if (s->Enabled()) {
      offered = s->Populate(flow, schema, step, identity) || offered;
    }
  }
  return offered;
}

void Service::RefreshCsrf(const flow::Request& request, Flow& flow) const {
  if (!flow.ui.nodes_null) {
    // API flows carry the node too, with an empty value (docs/wire/login.md Quirk 27).
    flow.ui.Upsert(flow::CsrfGuard::Node(flow.IsApi() ? std::string() : request.csrf.masked));
  }
}

void Service::Sort(const flow::Request& request, Flow& flow) const {
  ui::SortNodes(flow.ui.nodes, ui::LoginSortOrder());
  RefreshCsrf(request, flow);  // in place: the sort already put it where it belongs
}

Status Service::Save(Flow& flow) const {
  flow.updated_at = TruncateToMicros(d_.clock.Now());
  return d_.flows.UpdateLoginFlow(flow);
}

Result<Flow> Service::CreateFlow(const flow::Request& request, const InitParams& params,
                                 FlowType type) const {
  const auto& c = d_.config;
  // §2.1, in Kratos' order: return_to, the Hydra challenge, refresh and AAL, the session.
  if (!params.return_to.empty()) {
    ATRIUM_RETURN_IF_ERROR(
        return_to_.Resolve(params.return_to, c.selfservice.default_browser_return_url));
  }
  ATRIUM_RETURN_IF_ERROR(flow::CheckLoginChallenge(params.login_challenge, c.oauth2_provider.url));
  bool refresh = ParseGoBool(params.refresh);
  const std::string aal = params.aal.empty() ? "aal1" : AsciiLower(params.aal);
  if (aal == "aal1") {
    if (!params.identity_schema.empty() && params.identity_schema != c.identity_default_schema_id) {
      const auto* s = d_.schemas.Find(params.identity_schema);
      if (s == nullptr) {
        return flow::SchemaDoesNotExist(params.identity_schema);
      }
      if (!s->selfservice_selectable) {
        return flow::SchemaNotSelectable(params.identity_schema);
      }
    }
  } else if (aal != "aal2") {
    return flow::AalUnparsable(aal);
  }

  Flow f;
  f.id = d_.ids.NewUuid();
  f.type = type;
  f.issued_at = TruncateToMicros(d_.clock.Now());
  f.expires_at = f.issued_at + c.selfservice.login.lifespan;
  f.created_at = f.updated_at = f.issued_at;
  f.request_url = request.url;
  f.ui.action = c.serve_public.base_url + "self-service/login?flow=" + f.id;
  f.csrf_token = type == FlowType::kApi ? std::string() : request.csrf.masked;
  f.identity_schema = aal == "aal1" ? params.identity_schema : std::string();
  f.oauth2_login_challenge = params.login_challenge.value_or("");
  f.requested_aal = aal;

  const session::Session* session = request.session ? &*request.session : nullptr;
  std::optional<identity::Identity> signed_in;  // with credentials, for the refresh form
  if (session == nullptr) {
    if (aal != "aal1") {
      return flow::SessionAal1Required();
    }
    refresh = false;
    if (type == FlowType::kApi && params.return_session_token_exchange_code) {
      f.session_token_exchange_code = d_.ids.Alphanumeric(32);
    }
  } else if (!refresh && (aal == "aal1" || AalRank(aal) <= AalRank(session->aal))) {
    return flow::SessionAlreadyAvailable(flow::Kind::kLogin);
  } else if (refresh) {
    ATRIUM_ASSIGN_OR_RETURN(signed_in, d_.identities.GetIdentity(session->identity_id));
  }
  f.refresh = refresh;

  if (!params.organization.empty() && IsUuid(params.organization)) {
    // No method supports organizations in the open-source build: no method nodes.
    f.organization_id = AsciiLower(params.organization);
    f.ui.nodes_null = f.IsApi();
  } else if (aal == "aal1") {
    RefreshCsrf(request, f);  // first, so that the methods' nodes keep their places around it
    FormStep step = FormStep::kFirstFactor;
    if (refresh) {
      step = FormStep::kRefresh;
    } else if (c.selfservice.login.style == "identifier_first") {
      step = FormStep::kIdentifierFirst;
    }
    Build(f, SchemaOf(f), step, signed_in ? &*signed_in : nullptr);
  }
  // aal2: Atrium has no second factor yet, so no method adds nodes.
  if (refresh) {
    f.ui.messages = {text::ConfirmItIsYou()};
  }
  if (session != nullptr && AalRank(aal) > 1 && AalRank(session->aal) < AalRank(aal)) {
    f.ui.messages.push_back(text::CompleteSecondFactor());
  }
  Sort(request, f);
  ATRIUM_RETURN_IF_ERROR(d_.flows.CreateLoginFlow(f));
  return f;
}

flow::Reply Service::InitBrowser(const flow::Request& request, const InitParams& params) const {
  auto created = CreateFlow(request, params, FlowType::kBrowser);
  if (!created.ok()) {
    Error e = std::move(created).error();
    if (e.id != "session_already_available") {
      return flow::Reply::Forward(std::move(e));
    }
    // Signed in already: nothing is stored, the browser goes where it was headed (§2 step 3).
    if (request.is_json) {
      return flow::Reply::ErrorJson(std::move(e));
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
  auto created = CreateFlow(request, params, FlowType::kApi);
  if (!created.ok()) {
    return flow::Reply::ErrorJson(std::move(created).error());
  }
  return flow::Reply::JsonBody(200, created->ToJson());
}

flow::Reply Service::GetFlow(const flow::Request& request, std::string_view id) const {
  auto loaded = d_.flows.GetLoginFlow(IsUuid(id) ? id : kNilUuid);
  if (!loaded.ok()) {
    return flow::Reply::ErrorJson(std::move(loaded).error());
  }
  if (!loaded->has_value()) {
    return flow::Reply::ErrorJson(flow::FlowNotFound());
  }
  return flow::AnswerFetch(request, **loaded, d_.csrf, d_.clock.Now(), flow::Kind::kLogin,
                           d_.config.serve_public.base_url);
}

flow::Reply Service::HandleExpired(const flow::Request& request, const Flow& expired) const {
  // The replacement is built from the submit request, as Kratos does (§10).
  auto replacement = CreateFlow(request, InitParams{}, expired.type);
  if (!replacement.ok()) {
    Flow old = expired;
    return FlowError(request, old, Json(), replacement.error());
  }
  Flow& f = *replacement;
  const Timestamp now = d_.clock.Now();
  f.request_url = expired.request_url;
  f.identity_schema = expired.identity_schema;
  f.ui.messages.push_back(
      text::FlowExpired(text::FlowKind::kLogin, expired.expires_at, now - expired.expires_at));
  if (auto s = Save(f); !s.ok()) {
    return flow::Reply::Forward(std::move(s).error());
  }
  if (expired.IsApi() || request.is_json) {
    return flow::Reply::ErrorJson(flow::ExpiredOnSubmit(expired.expires_at, now, f.id));
  }
  return flow::Reply::Redirect(303, UiUrl(f));
}

}  // namespace atrium::login

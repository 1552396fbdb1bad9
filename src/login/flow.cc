#include "login/flow.h"

#include "base/time.h"
#include "flow/reply.h"
#include "flow/return_to.h"
#include "flow/stored.h"

namespace atrium::login {
int AalRank(std::string_view aal) {
  if (aal == "aal3") {
    return 3;
  }
  return aal == "aal2" ? 2 : 1;
}

std::string Flow::ReturnTo() const { return flow::QueryParam(request_url, "return_to"); }

Json Flow::ToJson() const {
  Json j;
  j["id"] = id;
  j["organization_id"] = organization_id ? Json(*organization_id) : Json();
  if (!oauth2_login_challenge.empty()) {
    j["oauth2_login_challenge"] = oauth2_login_challenge;
  }
  j["type"] = IsApi() ? "api" : "browser";
  j["expires_at"] = FormatRfc3339(expires_at);
  j["issued_at"] = FormatRfc3339(issued_at);
  j["request_url"] = request_url;
  if (const std::string r = ReturnTo(); !r.empty()) {
    j["return_to"] = r;
  }
  if (!active.empty()) {
    j["active"] = active;
  }
  j["ui"] = ui.ToJson();
  j["created_at"] = FormatRfc3339(created_at);
  j["updated_at"] = FormatRfc3339(updated_at);
  j["refresh"] = refresh;
  j["requested_aal"] = requested_aal;
  if (!session_token_exchange_code.empty()) {
    j["session_token_exchange_code"] = session_token_exchange_code;
  }
  j["state"] = state;
  if (!transient_payload.is_null()) {
    j["transient_payload"] = transient_payload;
  }
  if (!identity_schema.empty()) {
    j["identity_schema"] = identity_schema;
  }
  return j;
}

Json Flow::ToStorageJson() const {
  return flow::StorageJson(ToJson(), csrf_token, internal_context);
}

Result<Flow> Flow::FromStorageJson(const Json& j) {
  ATRIUM_ASSIGN_OR_RETURN(flow::StoredFlow stored, flow::ReadStoredFlow(j, "login"));
  if (!stored.created_at) {
    return Error::Internal("stored login flow has invalid timestamps");
  }
  Flow f;
  f.id = std::move(stored.id);
  f.type = stored.api ? FlowType::kApi : FlowType::kBrowser;
  f.expires_at = stored.expires_at;
  f.issued_at = stored.issued_at;
  f.created_at = *stored.created_at;
  f.updated_at = *stored.updated_at;
  f.request_url = std::move(stored.request_url);
  f.active = std::move(stored.active);
  f.ui = std::move(stored.ui);
  f.state = std::move(stored.state);
  f.csrf_token = std::move(stored.csrf_token);
  f.internal_context = std::move(stored.internal_context);
  if (const auto org = j.find("organization_id"); org != j.end() && org->is_string()) {
    f.organization_id = org->get<std::string>();
  }
  f.oauth2_login_challenge = flow::StringField(j, "oauth2_login_challenge");
  f.refresh = j.value("refresh", false);
  f.requested_aal = flow::StringField(j, "requested_aal");
  f.identity_schema = flow::StringField(j, "identity_schema");
  return f;
}

}  // namespace atrium::login

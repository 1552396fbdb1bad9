#include "registration/flow.h"

#include "base/time.h"
#include "flow/reply.h"
#include "flow/return_to.h"
#include "flow/stored.h"

namespace atrium::registration {
std::string Flow::ReturnTo() const { return flow::QueryParam(request_url, "return_to"); }

Json Flow::ToJson() const {
  Json j;
  j["id"] = id;
  if (!oauth2_login_challenge.empty()) {
    j["oauth2_login_challenge"] = oauth2_login_challenge;
  }
  if (!oauth2_login_request.is_null()) {
    j["oauth2_login_request"] = oauth2_login_request;
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
  j["organization_id"] = organization_id ? Json(*organization_id) : Json();
  if (!transient_payload.is_null()) {
    j["transient_payload"] = transient_payload;
  }
  if (!session_token_exchange_code.empty()) {
    j["session_token_exchange_code"] = session_token_exchange_code;
  }
  j["state"] = state;
  if (!identity_schema.empty()) {
    j["identity_schema"] = identity_schema;
  }
  return j;
}

Json Flow::ToStorageJson() const {
  return flow::StorageJson(ToJson(), csrf_token, internal_context);
}

flow::StoredDocument Flow::Stored() const {
  return flow::SplitForStorage(ToJson(), csrf_token, internal_context);
}

Result<Flow> Flow::FromStorageJson(const Json& j) {
  ATRIUM_ASSIGN_OR_RETURN(flow::StoredFlow stored, flow::ReadStoredFlow(j, "registration"));
  Flow f;
  f.id = std::move(stored.id);
  f.type = stored.api ? FlowType::kApi : FlowType::kBrowser;
  f.expires_at = stored.expires_at;
  f.issued_at = stored.issued_at;
  f.request_url = std::move(stored.request_url);
  f.active = std::move(stored.active);
  f.ui = std::move(stored.ui);
  f.state = std::move(stored.state);
  f.csrf_token = std::move(stored.csrf_token);
  f.internal_context = std::move(stored.internal_context);
  f.oauth2_login_challenge = flow::StringField(j, "oauth2_login_challenge");
  if (const auto org = j.find("organization_id"); org != j.end() && org->is_string()) {
    f.organization_id = org->get<std::string>();
  }
  f.identity_schema = flow::StringField(j, "identity_schema");
  return f;
}

}  // namespace atrium::registration

#include "verification/flow.h"

#include "base/time.h"
#include "flow/reply.h"
#include "flow/return_to.h"
#include "flow/stored.h"

namespace atrium::verification {
std::string Flow::ReturnTo() const { return flow::QueryParam(request_url, "return_to"); }

Json Flow::ToJson() const {
  Json j;
  j["id"] = id;
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
  j["state"] = state;
  if (!transient_payload.is_null()) {
    j["transient_payload"] = transient_payload;
  }
  return j;
}

Json Flow::ToStorageJson() const {
  Json j = flow::StorageJson(ToJson(), csrf_token, Json::object());
  j["created_at"] = FormatRfc3339(created_at);
  j["updated_at"] = FormatRfc3339(updated_at);
  j["internal_context"]["code_sends"] = code_sends;
  return j;
}

Result<Flow> Flow::FromStorageJson(const Json& j) {
  ATRIUM_ASSIGN_OR_RETURN(flow::StoredFlow stored, flow::ReadStoredFlow(j, "verification"));
  if (!stored.created_at) {
    return Error::Internal("stored verification flow has invalid timestamps");
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
  f.code_sends = stored.internal_context.value("code_sends", 0);
  return f;
}

}  // namespace atrium::verification

#include "registration/flow.h"

#include "base/time.h"
#include "flow/reply.h"
#include "flow/return_to.h"

namespace atrium::registration {
namespace {

std::string StringOr(const Json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string Flow::ReturnTo() const { return flow::QueryParam(request_url, "return_to"); }

Json Flow::ToJson() const {
  Json j;
  j["id"] = id;
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

Result<Flow> Flow::FromStorageJson(const Json& j) {
  if (!j.is_object()) {
    return Error::Internal("stored flow is not a JSON object");
  }
  Flow f;
  f.id = StringOr(j, "id");
  f.oauth2_login_challenge = StringOr(j, "oauth2_login_challenge");
  f.type = StringOr(j, "type") == "api" ? FlowType::kApi : FlowType::kBrowser;
  const auto expires = ParseRfc3339(StringOr(j, "expires_at"));
  const auto issued = ParseRfc3339(StringOr(j, "issued_at"));
  if (!expires || !issued) {
    return Error::Internal("stored flow has invalid timestamps");
  }
  f.expires_at = *expires;
  f.issued_at = *issued;
  f.request_url = StringOr(j, "request_url");
  f.active = StringOr(j, "active");
  const auto ui = j.find("ui");
  if (ui == j.end()) {
    return Error::Internal("stored flow has no ui");
  }
  auto container = ui::Container::FromJson(*ui);
  if (!container) {
    return Error::Internal("stored flow has an invalid ui");
  }
  f.ui = std::move(*container);
  if (const auto org = j.find("organization_id"); org != j.end() && org->is_string()) {
    f.organization_id = org->get<std::string>();
  }
  f.state = StringOr(j, "state");
  f.identity_schema = StringOr(j, "identity_schema");
  f.csrf_token = StringOr(j, "csrf_token");
  if (const auto ctx = j.find("internal_context"); ctx != j.end() && ctx->is_object()) {
    f.internal_context = *ctx;
  }
  return f;
}

}  // namespace atrium::registration

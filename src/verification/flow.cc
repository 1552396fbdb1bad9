#include "verification/flow.h"

#include "base/time.h"
#include "flow/reply.h"
#include "flow/return_to.h"

namespace atrium::verification {
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
  if (!j.is_object()) {
    return Error::Internal("stored verification flow is not a JSON object");
  }
  Flow f;
  f.id = StringOr(j, "id");
  f.type = StringOr(j, "type") == "api" ? FlowType::kApi : FlowType::kBrowser;
  const auto expires = ParseRfc3339(StringOr(j, "expires_at"));
  const auto issued = ParseRfc3339(StringOr(j, "issued_at"));
  const auto created = ParseRfc3339(StringOr(j, "created_at"));
  const auto updated = ParseRfc3339(StringOr(j, "updated_at"));
  if (!expires || !issued || !created || !updated) {
    return Error::Internal("stored verification flow has invalid timestamps");
  }
  f.expires_at = *expires;
  f.issued_at = *issued;
  f.created_at = *created;
  f.updated_at = *updated;
  f.request_url = StringOr(j, "request_url");
  f.active = StringOr(j, "active");
  const auto ui = j.find("ui");
  auto container = ui == j.end() ? std::nullopt : ui::Container::FromJson(*ui);
  if (!container) {
    return Error::Internal("stored verification flow has an invalid ui");
  }
  f.ui = std::move(*container);
  f.state = StringOr(j, "state");
  f.csrf_token = StringOr(j, "csrf_token");
  if (const auto ctx = j.find("internal_context"); ctx != j.end() && ctx->is_object()) {
    f.code_sends = ctx->value("code_sends", 0);
  }
  return f;
}

}  // namespace atrium::verification

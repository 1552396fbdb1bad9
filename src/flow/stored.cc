#include "flow/stored.h"

#include "base/json.h"
#include "base/time.h"

namespace atrium::flow {

std::string StringField(const Json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

StoredDocument SplitForStorage(Json public_json, const std::string& csrf_token,
                               const Json& internal_context) {
  StoredDocument doc;
  doc.data = Json::object();
  doc.data["csrf_token"] = csrf_token;
  doc.data["internal_context"] = internal_context;
  if (std::string challenge = StringField(public_json, "oauth2_login_challenge");
      !challenge.empty()) {
    doc.data["oauth2_login_challenge"] = std::move(challenge);
  }
  for (const char* once :
       {"transient_payload", "session_token_exchange_code", "oauth2_login_request"}) {
    doc.complete = public_json.erase(once) == 0 && doc.complete;
  }
  doc.answer = DumpJson(public_json);
  return doc;
}

Json JoinStored(std::optional<Json> answer, Json data) {
  if (!answer || !answer->is_object() || !data.is_object()) {
    return data;
  }
  for (auto it = data.begin(); it != data.end(); ++it) {
    (*answer)[it.key()] = std::move(*it);
  }
  return std::move(*answer);
}

StoredAnswer AnswerOfStored(bool api, Timestamp expires_at, std::string answer, const Json& data) {
  StoredAnswer a;
  a.api = api;
  a.expires_at = expires_at;
  a.csrf_token = StringField(data, "csrf_token");
  a.login_challenge = !StringField(data, "oauth2_login_challenge").empty();
  a.body = std::move(answer);
  return a;
}

Result<StoredFlow> ReadStoredFlow(const Json& j, std::string_view kind) {
  const std::string what = "stored " + std::string(kind) + " flow";
  if (!j.is_object()) {
    return Error::Internal(what + " is not a JSON object");
  }
  StoredFlow f;
  f.id = StringField(j, "id");
  f.api = StringField(j, "type") == "api";
  const auto expires = ParseRfc3339(StringField(j, "expires_at"));
  const auto issued = ParseRfc3339(StringField(j, "issued_at"));
  if (!expires || !issued) {
    return Error::Internal(what + " has invalid timestamps");
  }
  f.expires_at = *expires;
  f.issued_at = *issued;
  if (j.contains("created_at") || j.contains("updated_at")) {
    f.created_at = ParseRfc3339(StringField(j, "created_at"));
    f.updated_at = ParseRfc3339(StringField(j, "updated_at"));
    if (!f.created_at || !f.updated_at) {
      return Error::Internal(what + " has invalid timestamps");
    }
  }
  f.request_url = StringField(j, "request_url");
  f.active = StringField(j, "active");
  f.state = StringField(j, "state");
  f.csrf_token = StringField(j, "csrf_token");
  const auto ui = j.find("ui");
  auto container = ui == j.end() ? std::nullopt : ui::Container::FromJson(*ui);
  if (!container) {
    return Error::Internal(what + " has no valid ui");
  }
  f.ui = std::move(*container);
  if (const auto ctx = j.find("internal_context"); ctx != j.end() && ctx->is_object()) {
    f.internal_context = *ctx;
  }
  return f;
}

}  // namespace atrium::flow

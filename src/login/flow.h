#pragma once
// The login flow object (Kratos loginFlow, docs/wire/login.md §5).

#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/json.h"
#include "base/result.h"
#include "ui/node.h"

namespace atrium::login {

enum class FlowType { kApi, kBrowser };

struct Flow {
  std::string id;
  std::optional<std::string> organization_id;
  std::string oauth2_login_challenge;
  FlowType type = FlowType::kBrowser;
  Timestamp expires_at;
  Timestamp issued_at;
  std::string request_url;
  std::string active;  // the method that last handled a submission
  ui::Container ui;
  Timestamp created_at;
  Timestamp updated_at;
  bool refresh = false;
  std::string requested_aal = "aal1";
  std::string session_token_exchange_code;  // creation response only; not persisted
  std::string state = "choose_method";
  Json transient_payload;       // not persisted; null = omitted
  std::string identity_schema;  // the `identity_schema` query value, "" = default
  // Not serialized on the wire:
  std::string csrf_token;  // the masked token of the creating request ("" for API flows)
  Json internal_context = Json::object();

  bool IsApi() const { return type == FlowType::kApi; }
  bool IsExpired(Timestamp now) const { return expires_at < now; }
  std::string ReturnTo() const;

  // The wire JSON in Kratos' key order.
  Json ToJson() const;
  // What is persisted: the wire fields that persist, the CSRF token and the internal context.
  Json ToStorageJson() const;
  static Result<Flow> FromStorageJson(const Json& j);
};

// The order of authenticator assurance levels: aal1 < aal2 < aal3 (anything else counts as aal1).
int AalRank(std::string_view aal);

}  // namespace atrium::login

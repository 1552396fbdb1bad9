#pragma once
// The registration flow object (Kratos registrationFlow, docs/wire/registration.md §8).

#include <optional>
#include <string>

#include "base/clock.h"
#include "base/json.h"
#include "base/result.h"
#include "flow/stored.h"
#include "ui/node.h"

namespace atrium::registration {

enum class FlowType { kApi, kBrowser };

struct Flow {
  std::string id;
  std::string oauth2_login_challenge;
  Json oauth2_login_request;  // Hydra's login request, fetched for each answer; not persisted
  FlowType type = FlowType::kBrowser;
  Timestamp expires_at;
  Timestamp issued_at;
  std::string request_url;
  std::string active;
  ui::Container ui;
  std::optional<std::string> organization_id;
  Json transient_payload;                   // not persisted; null = omitted
  std::string session_token_exchange_code;  // creation response only; not persisted
  std::string state = "choose_method";
  std::string identity_schema;  // the `identity_schema` query value, "" = default
  // Not serialized on the wire:
  std::string csrf_token;  // the masked token of the creating request ("" for API flows)
  Json internal_context = Json::object();

  bool IsApi() const { return type == FlowType::kApi; }
  bool IsExpired(Timestamp now) const { return expires_at < now; }
  // The `return_to` query parameter of request_url, or "".
  std::string ReturnTo() const;

  // The wire JSON in Kratos' key order.
  Json ToJson() const;
  // Everything that is persisted (wire fields that persist plus csrf token and internal context).
  Json ToStorageJson() const;
  // The flow as the stores write it (flow::SplitForStorage).
  flow::StoredDocument Stored() const;
  static Result<Flow> FromStorageJson(const Json& j);
};

}  // namespace atrium::registration

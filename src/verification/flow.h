#pragma once
// The verification flow object (Kratos verificationFlow, docs/wire/verification.md §4).

#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/json.h"
#include "base/result.h"
#include "ui/node.h"

namespace atrium::verification {

enum class FlowType { kApi, kBrowser };

// Kratos' states, in the order a flow passes them.
inline constexpr std::string_view kChooseMethod = "choose_method";
inline constexpr std::string_view kSentEmail = "sent_email";
inline constexpr std::string_view kPassedChallenge = "passed_challenge";

struct Flow {
  std::string id;
  FlowType type = FlowType::kBrowser;
  Timestamp expires_at;
  Timestamp issued_at;
  std::string request_url;
  std::string active;  // the method's node group ("code")
  ui::Container ui;
  std::string state = std::string(kChooseMethod);
  Json transient_payload;  // not persisted; null = omitted
  // Not serialized on the wire:
  std::string csrf_token;  // the masked token of the creating request ("" for API flows)
  Timestamp created_at;
  Timestamp updated_at;
  int code_sends = 0;  // codes requested so far (bounded by code_send_limits.per_flow)

  bool IsApi() const { return type == FlowType::kApi; }
  bool IsExpired(Timestamp now) const { return expires_at < now; }
  // The `return_to` query parameter of request_url, or "".
  std::string ReturnTo() const;

  // The wire JSON in Kratos' key order.
  Json ToJson() const;
  // What is persisted: the wire fields that persist, the CSRF token and the counters.
  Json ToStorageJson() const;
  static Result<Flow> FromStorageJson(const Json& j);
};

}  // namespace atrium::verification

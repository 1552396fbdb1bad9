#pragma once
// A message in the courier's outbox: rendered when it is queued (subject and bodies), sent later
// by the sender. The wire names of type and status are Kratos' (GET /admin/courier/messages).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/json_type.h"

namespace atrium::courier {

// kWebhook: a web hook's notification (type "webhook" in the outbox, never an e-mail or SMS):
// recipient = the hook's URL, subject = its HTTP method, body = the rendered request body,
// template_type = "web_hook", template_data = {"hook": <its key>, "trigger_id": <flow id>}.
enum class MessageType { kEmail, kSms, kWebhook };
enum class MessageStatus { kQueued, kProcessing, kSent, kAbandoned };

std::string_view ToString(MessageType type);      // "email", "sms", "webhook"
std::string_view ToString(MessageStatus status);  // "queued", "processing", "sent", "abandoned"
std::optional<MessageType> ParseMessageType(std::string_view s);
std::optional<MessageStatus> ParseMessageStatus(std::string_view s);

// One delivery attempt (Kratos' courier_message_dispatches): "success" or "failed" with the error.
struct Dispatch {
  std::string id;
  std::string status;  // "success", "failed"
  std::string error;   // why it failed; "" on success
  Timestamp created_at{};
};

struct Message {
  std::string id;
  MessageType type = MessageType::kEmail;
  MessageStatus status = MessageStatus::kQueued;
  std::string recipient;      // an e-mail address or an E.164 phone number
  std::string subject;        // e-mail only
  std::string body;           // text/plain (the SMS text)
  std::string html_body;      // text/html alternative; empty for SMS
  std::string template_type;  // Kratos' name: "registration_code_valid", ...
  Json template_data;         // what the templates were rendered with (never a secret but the code)
  int send_count = 0;         // delivery attempts so far
  Timestamp next_attempt_at{};
  std::string last_error;  // why the last attempt failed ("" after success)
  Timestamp created_at{};
  Timestamp updated_at{};
  std::vector<Dispatch> dispatches;  // newest first; filled by Outbox::GetMessage only
};

}  // namespace atrium::courier

#include "courier/message.h"

namespace atrium::courier {

std::string_view ToString(MessageType type) {
  switch (type) {
    case MessageType::kEmail:
      return "email";
    case MessageType::kSms:
      return "sms";
    case MessageType::kWebhook:
      return "webhook";
  }
  return "email";
}

std::string_view ToString(MessageStatus status) {
  switch (status) {
    case MessageStatus::kQueued:
      return "queued";
    case MessageStatus::kProcessing:
      return "processing";
    case MessageStatus::kSent:
      return "sent";
    case MessageStatus::kAbandoned:
      return "abandoned";
  }
  return "queued";
}

std::optional<MessageType> ParseMessageType(std::string_view s) {
  if (s == "email") {
    return MessageType::kEmail;
  }
  if (s == "sms") {
    return MessageType::kSms;
  }
  if (s == "webhook") {
    return MessageType::kWebhook;
  }
  return std::nullopt;
}

std::optional<MessageStatus> ParseMessageStatus(std::string_view s) {
  for (auto status : {MessageStatus::kQueued, MessageStatus::kProcessing, MessageStatus::kSent,
                      MessageStatus::kAbandoned}) {
    if (ToString(status) == s) {
      return status;
    }
  }
  return std::nullopt;
}

}  // namespace atrium::courier

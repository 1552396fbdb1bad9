#pragma once
// UI messages (Kratos "uiText"): a stable numeric id, the English text, a type and a context.
// Ids are written as literals and never renumbered: they are part of the public API.

#include <cstdint>
#include <string>

#include "base/json.h"

namespace atrium::text {

enum class MessageType { kInfo, kError, kSuccess };

struct Message {
  int64_t id = 0;
  std::string text;
  MessageType type = MessageType::kInfo;
  Json context;  // null when the message has no context; keys kept sorted

  // {"id","text","type","context"?} in Kratos' key order.
  Json ToJson() const;
  static bool FromJson(const Json& j, Message& out);
};

bool operator==(const Message& a, const Message& b);

}  // namespace atrium::text

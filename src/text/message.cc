#include "text/message.h"

namespace atrium::text {
namespace {

const char* TypeName(MessageType t) {
  switch (t) {
    case MessageType::kInfo:
      return "info";
    case MessageType::kError:
      return "error";
    case MessageType::kSuccess:
      return "success";
  }
  return "info";
}

}  // namespace

Json Message::ToJson() const {
  Json j;
  j["id"] = id;
  j["text"] = text;
  j["type"] = TypeName(type);
  if (!context.is_null()) {
    j["context"] = context;
  }
  return j;
}

bool Message::FromJson(const Json& j, Message& out) {
  if (!j.is_object() || !j.contains("id") || !j["id"].is_number_integer() || !j.contains("text") ||
      !j["text"].is_string()) {
    return false;
  }
  out.id = j["id"].get<int64_t>();
  out.text = j["text"].get<std::string>();
  const std::string type = j.value("type", "info");
  out.type = type == "error"     ? MessageType::kError
             : type == "success" ? MessageType::kSuccess
                                 : MessageType::kInfo;
  out.context = j.contains("context") ? j["context"] : Json();
  return true;
}

bool operator==(const Message& a, const Message& b) {
  return a.id == b.id && a.text == b.text && a.type == b.type && a.context == b.context;
}

}  // namespace atrium::text

#include "webhook/response.h"

#include "base/json.h"
#include "text/message.h"

namespace atrium::webhook {
namespace {

constexpr JsonLimits kLimits{.max_bytes = kMaxResponseBytes, .max_depth = 64};

Result<Json> Parse(std::string_view body) {
  auto parsed = ParseJson(body, kLimits);
  if (!parsed.ok()) {
    return Error::InvalidArgument("the web hook's answer is not JSON: " + parsed.error().reason);
  }
  if (!parsed->is_object()) {
    return Error::InvalidArgument("the web hook's answer is not a JSON object");
  }
  return parsed;
}

// "#/traits/email" -> "traits.email"; "#/", "#" and "" -> "" (the form).
std::string NodeOf(std::string_view pointer) {
  if (pointer.starts_with('#')) {
    pointer.remove_prefix(1);
  }
  if (!pointer.starts_with('/')) {
    return "";  // not a JSON pointer ("", "#", "##/x", "traits"): a message for the whole form
  }
  while (pointer.starts_with('/')) {
    pointer.remove_prefix(1);
  }
  if (pointer.starts_with('#')) {
    return "";  // a fragment marker after the slash ("/#traits/email"): garbled, for the form
  }
  std::string out;
  for (char c : pointer) {
    out.push_back(c == '/' ? '.' : c);
  }
  return out;
}

bool NotEmpty(const Json& v) {
  return !v.is_null() && !((v.is_object() || v.is_array() || v.is_string()) && v.empty());
}

}  // namespace

Result<std::vector<flow::FieldMessage>> ParseVeto(std::string_view body) {
  ATRIUM_ASSIGN_OR_RETURN(const Json answer, Parse(body));
  const auto list = answer.find("messages");
  if (list == answer.end() || !list->is_array()) {
    return Error::InvalidArgument("the web hook's answer has no \"messages\" list");
  }
  std::vector<flow::FieldMessage> out;
  for (const Json& entry : *list) {
    if (!entry.is_object()) {
      return Error::InvalidArgument("a web hook message entry is not an object");
    }
    const Json pointer = entry.value("instance_ptr", Json(""));
    const auto messages = entry.find("messages");
    if (!pointer.is_string() || messages == entry.end() || !messages->is_array()) {
      return Error::InvalidArgument(
          "a web hook message entry needs an \"instance_ptr\" and a \"messages\" list");
    }
    for (const Json& m : *messages) {
      if (!m.is_object()) {
        return Error::InvalidArgument("a web hook message is not an object");
      }
      const Json id = m.value("id", Json(0));
      const Json text = m.value("text", Json(""));
      const Json type = m.value("type", Json(""));
      if (!id.is_number_integer() || !text.is_string() || !type.is_string()) {
        return Error::InvalidArgument("a web hook message needs an integer id and a text");
      }
      text::Message message;
      message.id = id.get<int64_t>();
      message.text = text.get<std::string>();
      message.type = type == "error" ? text::MessageType::kError : text::MessageType::kInfo;
      if (const auto context = m.find("context");
          context != m.end() && context->is_object() && !context->empty()) {
        message.context = *context;
      }
      out.push_back(flow::FieldMessage{NodeOf(pointer.get<std::string>()), std::move(message)});
    }
  }
  if (out.empty()) {
    return Error::InvalidArgument("the web hook refused without a message");
  }
  return out;
}

Status ApplyChanges(std::string_view body, identity::Identity& identity) {
  ATRIUM_ASSIGN_OR_RETURN(const Json answer, Parse(body));
  const auto changed = answer.find("identity");
  if (changed == answer.end() || changed->is_null()) {
    return OkStatus();
  }
  if (!changed->is_object()) {
    return Error::InvalidArgument("the web hook's \"identity\" is not an object");
  }
  const Json traits = changed->value("traits", Json());
  if (NotEmpty(traits)) {
    if (!traits.is_object()) {
      return Error::InvalidArgument("the web hook's \"identity.traits\" is not an object");
    }
    identity.traits = traits;
  }
  for (const char* key : {"metadata_public", "metadata_admin"}) {
    const Json v = changed->value(key, Json());
    if (NotEmpty(v)) {
      if (!v.is_object()) {
        return Error::InvalidArgument(std::string("the web hook's \"identity.") + key +
                                      "\" is not an object");
      }
      (std::string_view(key) == "metadata_public" ? identity.metadata_public
                                                  : identity.metadata_admin) = v;
    }
  }
  return OkStatus();
}

}  // namespace atrium::webhook

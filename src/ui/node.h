#pragma once
// UI nodes and the container of a self-service flow (Kratos uiContainer / uiNode,
// docs/wire/registration.md §9). Serialization keeps Kratos' exact key order; the same JSON is used
// for persistence.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "text/message.h"

namespace atrium::ui {

enum class NodeType { kInput, kText, kImg, kA, kScript, kDiv };

// Attributes of an input node, in serialization order (docs/wire/registration.md §9.3).
struct InputAttributes {
  std::string name;
  std::string type;       // text, password, number, checkbox, hidden, email, tel, submit, ...
  Json value;             // null = omitted; "" is serialized
  bool required = false;  // omitted when false
  std::string autocomplete;
  std::string pattern;
  bool disabled = false;  // always serialized
  std::string onclick;
  std::string onclick_trigger;
  int64_t maxlength = 0;
  Json options;  // null = omitted
};

struct Node {
  NodeType type = NodeType::kInput;
  std::string group;
  InputAttributes input;  // when type == kInput
  Json attributes;        // the full attributes object for the other node types
  std::vector<text::Message> messages;
  std::optional<text::Message> label;  // meta.label

  // "name" for inputs, "id" for the other types.
  std::string Id() const;
  Json ToJson() const;
  static std::optional<Node> FromJson(const Json& j);

  static Node Input(std::string name, std::string type, std::string group);
};

struct Container {
  std::string action;
  std::string method = "POST";
  std::vector<Node> nodes;
  bool nodes_null = false;  // OSS organization edge case: "nodes": null
  std::vector<text::Message> messages;

  Json ToJson() const;
  static std::optional<Container> FromJson(const Json& j);

  Node* Find(std::string_view name);
  Node* Find(std::string_view name, std::string_view group);
  const Node* Find(std::string_view name) const;
  const Node* Find(std::string_view name, std::string_view group) const;
  // Replaces the first node with the same Id() or appends it.
  void Upsert(Node node);
  void Remove(std::string_view name, std::string_view group);
  void RemoveGroup(std::string_view group);
  // Sets the value of every input node with this name.
  void SetValue(std::string_view name, const Json& value);
  // Clears global and per-node messages (values are kept).
  void ResetMessages();
  // Attaches a message to the node `name`, creating a text input in group "default" if absent.
  void AddNodeMessage(std::string_view name, text::Message m);
};

}  // namespace atrium::ui

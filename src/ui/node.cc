#include "ui/node.h"

#include <utility>

namespace atrium::ui {
namespace {

const char* TypeName(NodeType t) {
  switch (t) {
    case NodeType::kInput:
      return "input";
    case NodeType::kText:
      return "text";
    case NodeType::kImg:
      return "img";
    case NodeType::kA:
      return "a";
    case NodeType::kScript:
      return "script";
    case NodeType::kDiv:
      return "div";
  }
  return "input";
}

std::optional<NodeType> ParseType(std::string_view s) {
  if (s == "input") {
    return NodeType::kInput;
  }
  if (s == "text") {
    return NodeType::kText;
  }
  if (s == "img") {
    return NodeType::kImg;
  }
  if (s == "a") {
    return NodeType::kA;
  }
  if (s == "script") {
    return NodeType::kScript;
  }
  if (s == "div") {
    return NodeType::kDiv;
  }
  return std::nullopt;
}

Json InputToJson(const InputAttributes& a) {
  Json j;
  j["name"] = a.name;
  j["type"] = a.type;
  if (!a.value.is_null()) {
    j["value"] = a.value;
  }
  if (a.required) {
    j["required"] = true;
  }
  if (!a.autocomplete.empty()) {
    j["autocomplete"] = a.autocomplete;
  }
  if (!a.pattern.empty()) {
    j["pattern"] = a.pattern;
  }
  j["disabled"] = a.disabled;
  if (!a.onclick.empty()) {
    j["onclick"] = a.onclick;
  }
  if (!a.onclick_trigger.empty()) {
    j["onclickTrigger"] = a.onclick_trigger;
  }
  if (a.maxlength != 0) {
    j["maxlength"] = a.maxlength;
  }
  if (!a.options.is_null()) {
    j["options"] = a.options;
  }
  j["node_type"] = "input";
  return j;
}

std::string StringOr(const Json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

InputAttributes InputFromJson(const Json& j) {
  InputAttributes a;
  a.name = StringOr(j, "name");
  a.type = StringOr(j, "type");
  if (const auto it = j.find("value"); it != j.end()) {
    a.value = *it;
  }
  a.required = j.value("required", false);
  a.autocomplete = StringOr(j, "autocomplete");
  a.pattern = StringOr(j, "pattern");
  a.disabled = j.value("disabled", false);
  a.onclick = StringOr(j, "onclick");
  a.onclick_trigger = StringOr(j, "onclickTrigger");
  a.maxlength = j.value("maxlength", int64_t{0});
  if (const auto it = j.find("options"); it != j.end()) {
    a.options = *it;
  }
  return a;
}

Json MessagesToJson(const std::vector<text::Message>& ms) {
  Json arr = Json::array();
  for (const auto& m : ms) {
    arr.push_back(m.ToJson());
  }
  return arr;
}

std::vector<text::Message> MessagesFromJson(const Json& j) {
  std::vector<text::Message> out;
  if (!j.is_array()) {
    return out;
  }
  for (const auto& e : j) {
    text::Message m;
    if (text::Message::FromJson(e, m)) {
      out.push_back(std::move(m));
    }
  }
  return out;
}

}  // namespace

std::string Node::Id() const {
  if (type == NodeType::kInput) {
    return input.name;
  }
  return StringOr(attributes, "id");
}

Json Node::ToJson() const {
  Json j;
  j["type"] = TypeName(type);
  j["group"] = group;
  j["attributes"] = type == NodeType::kInput ? InputToJson(input) : attributes;
  j["messages"] = MessagesToJson(messages);
  Json meta = Json::object();
  if (label) {
    meta["label"] = label->ToJson();
  }
  j["meta"] = std::move(meta);
  return j;
}

std::optional<Node> Node::FromJson(const Json& j) {
  if (!j.is_object()) {
    return std::nullopt;
  }
  const auto type = ParseType(StringOr(j, "type"));
  if (!type) {
    return std::nullopt;
  }
  Node n;
  n.type = *type;
  n.group = StringOr(j, "group");
  const auto attrs = j.find("attributes");
  if (attrs == j.end() || !attrs->is_object()) {
    return std::nullopt;
  }
  if (n.type == NodeType::kInput) {
    n.input = InputFromJson(*attrs);
  } else {
    n.attributes = *attrs;
  }
  if (const auto it = j.find("messages"); it != j.end()) {
    n.messages = MessagesFromJson(*it);
  }
  if (const auto meta = j.find("meta"); meta != j.end() && meta->is_object()) {
    if (const auto label = meta->find("label"); label != meta->end()) {
      text::Message m;
      if (text::Message::FromJson(*label, m)) {
        n.label = std::move(m);
      }
    }
  }
  return n;
}

Node Node::Input(std::string name, std::string type, std::string group) {
  Node n;
  n.type = NodeType::kInput;
  n.group = std::move(group);
  n.input.name = std::move(name);
  n.input.type = std::move(type);
  return n;
}

Json Container::ToJson() const {
  Json j;
  j["action"] = action;
  j["method"] = method;
  if (nodes_null) {
    j["nodes"] = nullptr;
  } else {
    Json arr = Json::array();
    for (const auto& n : nodes) {
      arr.push_back(n.ToJson());
    }
    j["nodes"] = std::move(arr);
  }
  if (!messages.empty()) {
    j["messages"] = MessagesToJson(messages);
  }
  return j;
}

std::optional<Container> Container::FromJson(const Json& j) {
  if (!j.is_object()) {
    return std::nullopt;
  }
  Container c;
  c.action = StringOr(j, "action");
  c.method = StringOr(j, "method");
  const auto nodes = j.find("nodes");
  if (nodes == j.end() || nodes->is_null()) {
    c.nodes_null = true;
  } else if (nodes->is_array()) {
    for (const auto& e : *nodes) {
      auto n = Node::FromJson(e);
      if (!n) {
        return std::nullopt;
      }
      c.nodes.push_back(std::move(*n));
    }
  }
  if (const auto it = j.find("messages"); it != j.end()) {
    c.messages = MessagesFromJson(*it);
  }
  return c;
}

const Node* Container::Find(std::string_view name) const {
  for (const auto& n : nodes) {
    if (n.Id() == name) {
      return &n;
    }
  }
  return nullptr;
}

const Node* Container::Find(std::string_view name, std::string_view group) const {
  for (const auto& n : nodes) {
    if (n.Id() == name && n.group == group) {
      return &n;
    }
  }
  return nullptr;
}

Node* Container::Find(std::string_view name) {
  return const_cast<Node*>(std::as_const(*this).Find(name));  // NOLINT: same object, non-const
}

Node* Container::Find(std::string_view name, std::string_view group) {
  return const_cast<Node*>(std::as_const(*this).Find(name, group));  // NOLINT: as above
}

void Container::Upsert(Node node) {
  nodes_null = false;
  for (auto& n : nodes) {
    if (n.Id() == node.Id()) {
      n = std::move(node);
      return;
    }
  }
  nodes.push_back(std::move(node));
}

void Container::Remove(std::string_view name, std::string_view group) {
  std::erase_if(nodes, [&](const Node& n) { return n.Id() == name && n.group == group; });
}

void Container::RemoveGroup(std::string_view group) {
  std::erase_if(nodes, [&](const Node& n) { return n.group == group; });
}

void Container::SetValue(std::string_view name, const Json& value) {
  for (auto& n : nodes) {
    if (n.type == NodeType::kInput && n.input.name == name) {
      n.input.value = value;
    }
  }
}

void Container::ResetMessages() {
  messages.clear();
  for (auto& n : nodes) {
    n.messages.clear();
  }
}

void Container::AddNodeMessage(std::string_view name, text::Message m) {
  if (Node* n = Find(name)) {
    n->messages.push_back(std::move(m));
    return;
  }
  Node n = Node::Input(std::string(name), "text", "default");
  n.messages.push_back(std::move(m));
  nodes_null = false;
  nodes.push_back(std::move(n));
}

}  // namespace atrium::ui

#include "flow/form.h"

#include <algorithm>

#include "jsonschema/messages.h"
#include "text/messages.h"

namespace atrium::flow {
namespace {

std::string InputTypeFor(const jsonschema::PathInfo& p, std::string* autocomplete) {
  std::string type = "text";
  if (p.name == "password") {
    type = "password";
  } else if (p.name == "csrf_token") {
    type = "hidden";
  } else if (p.type == "number" || p.type == "integer") {
    type = "number";
  } else if (p.type == "boolean") {
    type = "checkbox";
  }
  if (p.format == "email") {
    type = "email";
    *autocomplete = "email";
  } else if (p.format == "tel") {
    type = "tel";
    *autocomplete = "tel";
  } else if (p.format == "date-time") {
    type = "datetime-local";
  } else if (p.format == "date") {
    type = "date";
  } else if (p.format == "uri") {
    type = "url";
    *autocomplete = "url";
  }
  return type;
}

// "/traits/a~1b/c" -> "traits.a/b.c".
std::string PointerToNodeName(const std::string& pointer) {
  std::string out;
  for (size_t i = 1; i < pointer.size(); ++i) {
    const char c = pointer[i];
    if (c == '/') {
      out.push_back('.');
    } else if (c == '~' && i + 1 < pointer.size()) {
      out.push_back(pointer[i + 1] == '1' ? '/' : '~');
      ++i;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// The leaves of `value` with their dotted paths, in document order. Iterative: the depth of
// submitted traits is the client's choice (bounded by the parser, but no recursion needed).
std::vector<std::pair<std::string, const Json*>> Leaves(const Json& value, std::string prefix) {
  std::vector<std::pair<std::string, const Json*>> out;
  std::vector<std::pair<std::string, const Json*>> pending = {{std::move(prefix), &value}};
  while (!pending.empty()) {
    auto [path, node] = std::move(pending.back());
    pending.pop_back();
    if (!node->is_object()) {
      out.emplace_back(std::move(path), node);
      continue;
    }
    // Pushed in reverse, so that the members come off the stack in document order.
    const size_t first = pending.size();
    for (const auto& [k, v] : node->items()) {
      pending.emplace_back(std::string(path).append(".").append(k), &v);
    }
    std::reverse(pending.begin() + static_cast<std::ptrdiff_t>(first), pending.end());
  }
  return out;
}

}  // namespace

std::vector<ui::Node> TraitNodes(const identity::IdentitySchema& schema, const std::string& group) {
  std::vector<ui::Node> nodes;
  for (const auto& p : schema.paths) {
    if (!p.name.starts_with("traits.") || p.type == "object" ||
        (p.type == "array" && (p.item_type == "object" || p.item_type.empty()))) {
      continue;
    }
    std::string autocomplete;
    ui::Node n = ui::Node::Input(p.name, InputTypeFor(p, &autocomplete), group);
    n.input.required = p.required;
    n.input.autocomplete = std::move(autocomplete);
    n.input.pattern = p.pattern;
    if (p.enum_values.is_array()) {
      Json options = Json::array();
      for (const auto& v : p.enum_values) {
        if (options.size() >= 500) {
          break;
        }
        options.push_back({{"value", v}});
      }
      n.input.options = std::move(options);
    }
    if (!p.title.empty()) {
      n.label = text::TraitLabel(p.title, p.name);
    }
    nodes.push_back(std::move(n));
  }
  return nodes;
}

void CopyTraitsIntoNodes(ui::Container& container, const Json& traits) {
  if (!traits.is_object()) {
    return;
  }
  for (const auto& [name, value] : Leaves(traits, "traits")) {
    container.SetValue(name, *value);
  }
}

std::optional<FieldMessage> ErrorAsMessage(const Error& error) {
  if (error.code == ErrorCode::kInvalidArgument) {
    return FieldMessage{"", text::Generic(error.reason)};
  }
  if (error.id == "identity_disabled") {
    return FieldMessage{"", text::IdentityDisabled()};
  }
  return std::nullopt;
}

std::vector<FieldMessage> ToFieldMessages(const std::vector<jsonschema::ValidationError>& errors) {
  std::vector<FieldMessage> out;
  for (const auto& e : errors) {
    std::string node = PointerToNodeName(e.instance_pointer);
    if (e.keyword == "required") {
      const std::string property = e.params.value("property", "");
      if (node.empty()) {
        node = property;
      } else {
        node.append(".").append(property);
      }
    }
    out.push_back(FieldMessage{std::move(node), jsonschema::ToUiMessage(e)});
  }
  return out;
}

}  // namespace atrium::flow

#pragma once
// The compiled form of a schema document, shared by the compiler (compiler.cc), which builds
// it, and the validator (validator.cc), which walks it; not part of the module's interface.
//
// A document compiles into a graph of Nodes, one per schema location (JSON pointer). `$ref`s
// point at the Node of their target, so recursive schemas are plain cycles in the graph.

#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <re2/re2.h>

#include "base/json.h"

namespace atrium::jsonschema::internal {

// Nesting bound of both walks: schema documents deeper than this do not compile, instance
// values deeper than this yield one "depth" error.
constexpr int kMaxDepth = 256;

// The keywords of one schema location. Json pointers point into Graph::document.
struct Node {
  std::string pointer;
  bool is_bool = false;  // `true` / `false` schemas
  bool bool_value = true;

  std::string ref;  // the `$ref` as written; siblings are ignored (draft-07)
  const Node* ref_node = nullptr;
  bool has_ref = false;

  std::vector<std::string> types;
  const Json* enum_values = nullptr;
  const Json* const_value = nullptr;
  std::optional<double> multiple_of, maximum, exclusive_maximum, minimum, exclusive_minimum;
  std::optional<size_t> max_length, min_length, max_items, min_items, max_properties,
      min_properties;
  std::unique_ptr<RE2> pattern;
  std::string pattern_source;
  std::string format;

  const Node* items = nullptr;
  std::vector<const Node*> items_array;
  const Node* additional_items = nullptr;
  bool no_additional_items = false;  // "additionalItems": false
  bool unique_items = false;
  const Node* contains = nullptr;

  std::vector<std::string> required;
  std::vector<std::pair<std::string, const Node*>> properties;
  std::vector<std::pair<std::unique_ptr<RE2>, const Node*>> pattern_properties;
  const Node* additional_properties = nullptr;
  std::vector<std::pair<std::string, const Node*>> dependency_schemas;
  std::vector<std::pair<std::string, std::vector<std::string>>> dependency_arrays;
  const Node* property_names = nullptr;
  const Node* if_node = nullptr;
  const Node* then_node = nullptr;
  const Node* else_node = nullptr;
  std::vector<const Node*> all_of, any_of, one_of;
  const Node* not_node = nullptr;
  const Json* extension = nullptr;  // the `ory.sh/kratos` value
};

// A compiled document: owns the document the Nodes point into and the Nodes themselves (a
// deque, so that Node addresses stay stable while the graph grows). Built in place and never
// copied or moved afterwards, since Nodes point into `document` and at each other.
struct Graph {
  Json document;
  std::deque<Node> nodes;
  std::map<std::string, Node*> by_pointer;
  const Node* root = nullptr;
};

// One JSON pointer reference token (RFC 6901): "~" -> "~0", "/" -> "~1".
inline std::string EscapePointerToken(std::string_view token) {
  std::string out;
  for (const char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace atrium::jsonschema::internal

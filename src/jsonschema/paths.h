#pragma once
// The property paths of a schema document, as Kratos' form decoder, node generator and node
// sorting see them (jsonschemax.ListPaths, schema.GetKeysInOrder). Plain walks over the
// document: no compilation needed.

#include <string>
#include <vector>

#include "base/json.h"

namespace atrium::jsonschema {

// One property path of a schema, as the Kratos form decoder and node generator see it.
struct PathInfo {
  std::string name;       // dotted path: "traits.email", "traits.name.first"
  std::string type;       // "string", "number", "integer", "boolean", "array", "object", ""
  std::string item_type;  // for arrays: type of the items
  std::string format;
  std::string pattern;
  std::string title;
  bool required = false;  // listed in the parent's `required`
  Json enum_values;       // the `enum` array, or null
  Json extension;         // the `ory.sh/kratos` object, or null
};

// All paths of `document` in document order (depth first, following local `$ref`s, objects
// included as their own entries before their children).
std::vector<PathInfo> ListPaths(const Json& document);

// The dotted names of the leaf properties in document order (objects are not leaves), exactly
// as Kratos' node sorting computes them (docs/wire/registration.md §9.6): only nodes whose "type"
// is "object" are entered, `$ref`s and composition keywords are not followed, dots in keys are
// escaped as "\.".
std::vector<std::string> DocumentOrderLeafKeys(const Json& document);

}  // namespace atrium::jsonschema

#pragma once
// An in-house JSON Schema (draft-07 plus `$defs`) validator on nlohmann/json and RE2.
//
// Compile once, validate many times; a compiled Schema is immutable and safe to share between
// threads. Every error carries the JSON pointer of the offending instance value, the failing
// keyword and its parameters, so that callers can translate it (ToUiMessage, spec §10.4).

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/result.h"
#include "text/message.h"

namespace atrium::jsonschema {

struct ValidationError {
  std::string instance_pointer;  // RFC 6901, "" for the root, "/traits/email"
  std::string keyword;           // "required", "minLength", "format", "type", ...
  std::string message;           // human-readable, Kratos/santhosh-tekuri wording where known
  Json params;                   // keyword parameters, e.g. {"property":"email"} for required,
                                 // {"limit":8,"actual":3} for minLength, {"format":"email"}
};

// Called for every instance value whose (sub)schema carries the `ory.sh/kratos` extension
// keyword, after successful validation of that value: (instance pointer, extension, value).
using ExtensionVisitor =
    std::function<void(const std::string& pointer, const Json& extension, const Json& value)>;

class Schema {
 public:
  // Compiles a schema document. InvalidArgument names the JSON pointer of a malformed keyword,
  // an unresolvable local `$ref`, an invalid regex, or nesting beyond 256 levels.
  // Remote `$ref`s (other documents) are not supported and fail compilation.
  static Result<std::shared_ptr<const Schema>> Compile(const Json& document);

  virtual ~Schema() = default;

  // Every error in `instance` (empty = valid). Instances nested deeper than 256 levels yield a
  // single error with keyword "depth" instead of recursing further.
  virtual std::vector<ValidationError> Validate(
      const Json& instance, const ExtensionVisitor* visitor = nullptr) const = 0;
};

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
// as Kratos' node sorting computes them (spec §9.6): only nodes whose "type" is "object" are
// entered, `$ref`s and composition keywords are not followed, dots in keys are escaped as "\.".
std::vector<std::string> DocumentOrderLeafKeys(const Json& document);

// The Kratos UI message for a validation error (spec §10.4 table; ids 4000001..4000038).
text::Message ToUiMessage(const ValidationError& error);

}  // namespace atrium::jsonschema

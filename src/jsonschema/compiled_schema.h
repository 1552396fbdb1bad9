#pragma once
// An in-house JSON Schema (draft-07 plus `$defs`) validator on nlohmann/json and RE2.
//
// Compile once, validate many times; a compiled schema is immutable and safe to share between
// threads. Every error carries the JSON pointer of the offending instance value, the failing
// keyword and its parameters, so that callers can translate it (ToUiMessage,
// docs/wire/registration.md §10.4).

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/result.h"
#include "jsonschema/validation_error.h"

namespace atrium::jsonschema {

// Called for every instance value whose (sub)schema carries the `ory.sh/kratos` extension
// keyword, after successful validation of that value: (instance pointer, extension, value).
using ExtensionVisitor =
    std::function<void(const std::string& pointer, const Json& extension, const Json& value)>;

class CompiledSchema {
 public:
  // Compiles a schema document. InvalidArgument names the JSON pointer of a malformed keyword,
  // an unresolvable local `$ref`, an invalid regex, or nesting beyond 256 levels.
  // Remote `$ref`s (other documents) are not supported and fail compilation.
  static Result<std::shared_ptr<const CompiledSchema>> Compile(const Json& document);

  virtual ~CompiledSchema() = default;

  // Every error in `instance` (empty = valid). Values nested deeper than 256 levels yield an
  // error with keyword "depth" instead of being entered (whatever built the instance); a schema
  // that reaches itself through `$ref` without consuming any of the instance yields one error
  // with keyword "$ref" and nothing else. `visitor`, if set, is called before returning.
  virtual std::vector<ValidationError> Validate(
      const Json& instance, const ExtensionVisitor* visitor = nullptr) const = 0;
};

}  // namespace atrium::jsonschema

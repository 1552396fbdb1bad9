#pragma once
// The validator: a compiled node graph (node.h) against an instance value; internal to the
// jsonschema module.

#include <vector>

#include "base/json.h"
#include "jsonschema/compiled_schema.h"
#include "jsonschema/node.h"

namespace atrium::jsonschema::internal {

// Every error of `instance` against `root`, as CompiledSchema::Validate documents it. Then, if
// `visitor` is set, calls it for every value that passed a schema carrying the extension, in
// pre-order (a value before the values nested in it).
std::vector<ValidationError> ValidateGraph(const Node& root, const Json& instance,
                                           const ExtensionVisitor* visitor);

}  // namespace atrium::jsonschema::internal

#pragma once
// Formats and Go-compatible printing of values, shared by the validator and the UI messages;
// internal to the jsonschema module (implemented in formats.cc).

#include <string>
#include <string_view>

#include "base/json.h"

namespace atrium::jsonschema::internal {

// True when `value` satisfies `format` (unknown formats always pass).
bool CheckFormat(std::string_view format, std::string_view value);
// A JSON number as the validator prints it: integers verbatim ("1000000"), other numbers with
// Go's %v ("1.5", "2.5e-07").
std::string FormatNumber(const Json& number);
// Go's %v (strconv 'g', shortest) of a float64: "5", "1.5", "1e+06", "1.234567e+06".
std::string GoFloat(double d);
// Go's %#v of a scalar JSON value as ory/jsonschema prints enum and const values: strings and
// numbers quoted ("\"a\"", "\"5\""), booleans bare, null as <nil>.
std::string GoSharpV(const Json& value);
// A float64 as Go's encoding/json writes it: integral values without a fraction.
Json GoFloatJson(double d);
// JSON type name as the validator reports it: "null", "boolean", "integer", "number", ...
std::string TypeName(const Json& value);

}  // namespace atrium::jsonschema::internal

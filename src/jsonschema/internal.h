#pragma once
// Shared between the translation units of the jsonschema module; not part of its interface.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace atrium::jsonschema::internal {

// True when `value` satisfies `format` (unknown formats always pass).
bool CheckFormat(std::string_view format, std::string_view value);
// Go %v formatting of a JSON number ("5", "1.5", "1e+06").
std::string FormatNumber(const nlohmann::json& number);
// JSON type name as the validator reports it: "null", "boolean", "integer", "number", ...
std::string TypeName(const nlohmann::json& value);

}  // namespace atrium::jsonschema::internal

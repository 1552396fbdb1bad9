#pragma once
// URI resolution for `$id` and `$ref` (enough of RFC 3986 for schema documents); internal to
// the jsonschema module.

#include <string>
#include <string_view>

namespace atrium::jsonschema::internal {

// `uri` without its fragment ("a.json#/x" -> "a.json").
std::string StripFragment(std::string_view uri);

// `ref` resolved against `base` (RFC 3986 §5.2, dot segments removed). A fragment-only `ref`
// replaces the fragment of `base`; an empty `ref` returns `base` unchanged.
std::string ResolveUri(const std::string& base, const std::string& ref);

}  // namespace atrium::jsonschema::internal

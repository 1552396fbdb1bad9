#pragma once
// Atrium's one JSON type, and the one way to read JSON that comes from outside.
//
// Every piece of JSON that a client, a provider, a hook or a database row hands us goes through
// ParseJson: it enforces a size and a nesting limit while parsing (nlohmann's SAX parser is
// iterative, so no recursion happens per nesting level). Because nothing deeper than the limit
// ever exists in memory, the recursive walks done later (serialization, schema validation,
// flattening) are bounded by the same limit. tools/lint.sh bans nlohmann's own parse() outside
// base/json.cc.

#include <cstddef>
#include <string>
#include <string_view>

#include "base/json_type.h"
#include "base/result.h"

namespace atrium {

struct JsonLimits {
  std::size_t max_bytes = std::size_t{5} << 20;  // the request body limit
  std::size_t max_depth = 64;                    // nesting of objects and arrays
};

// Why a document was refused.
enum class JsonFault { kSyntax, kTooDeep, kTooLarge };

struct JsonError {
  JsonFault fault = JsonFault::kSyntax;
  std::string reason;  // human readable, names the byte offset or the limit
};

// The whole text must be one JSON value (surrounding whitespace allowed).
// InvalidArgument (reason from JsonError) when the text is malformed, too deep or too large.
Result<Json> ParseJson(std::string_view text, const JsonLimits& limits = {});

// Like ParseJson, with the fault kind for callers that answer differently per kind.
// Returns true and sets `out` on success.
bool ParseJson(std::string_view text, const JsonLimits& limits, Json& out, JsonError& error);

// Reads the first JSON value and ignores whatever follows it (Go's json.Decoder semantics, which
// Kratos uses for request bodies). Same limits and faults.
bool ParseFirstJsonValue(std::string_view text, const JsonLimits& limits, Json& out,
                         JsonError& error);

// Compact serialization that never throws: invalid UTF-8 in strings is replaced by U+FFFD.
std::string DumpJson(const Json& value);

// A copy of `value` whose object keys are sorted at every level (as Go's encoding/json writes
// maps). Bounded by the depth of `value`, which ParseJson bounded.
Json SortedKeys(const Json& value);

// Kratos' name for a JSON value's type in decoder errors: "Object", "Array", "String", ...
std::string JsonTypeName(const Json& value);

}  // namespace atrium

#pragma once
// Jsonnet evaluation, bounded: the one place that runs Jsonnet (the courier's HTTP bodies today;
// OIDC claim mappers and web hook bodies later), through Debian's libjsonnet. Inputs are passed
// as Kratos passes them, as external code variables (`std.extVar("ctx")`). Code comes from the
// configuration and is trusted; what it is given and what it produces are bounded.

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "base/json.h"
#include "base/result.h"

namespace atrium::jsonnet {

struct Limits {
  std::size_t max_code_bytes = std::size_t{64} << 10;  // the snippet
  std::size_t max_vars_bytes = std::size_t{1} << 20;   // all variables, serialized
  unsigned max_stack = 200;                            // frames; a runaway recursion stops
  JsonLimits output{.max_bytes = std::size_t{1} << 20, .max_depth = 64};
};

// What a snippet is given, each value as Jsonnet code (JSON is Jsonnet).
struct Variables {
  std::map<std::string, Json> ext_code{};  // std.extVar("<key>")
  std::map<std::string, Json> tla_code{};  // top-level arguments: `function(ctx) ...`
};

// Evaluates `code` (`name` appears in errors) with `vars`, and returns the resulting JSON.
// `import` and `importstr` are refused.
// InvalidArgument for code or variables over the limits or a NUL byte in the code;
// Unprocessable with Jsonnet's message (at most a few lines) when the evaluation fails; the
// output limits apply as to any outside JSON.
Result<Json> EvaluateSnippet(std::string_view name, std::string_view code, const Variables& vars,
                             const Limits& limits = {});

}  // namespace atrium::jsonnet

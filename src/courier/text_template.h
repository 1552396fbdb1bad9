#pragma once
// The subset of Go's text/template (and html/template) that Kratos' built-in courier templates
// and typical overrides use, compiled once when the configuration is loaded:
//   {{ .Field }}, {{ .Identity.traits.email }}   a value from the model (dotted path)
//   {{ if .Field }} ... {{ else }} ... {{ end }}   Go truthiness (false, 0, "", null, empty)
//   {{/* comment */}}                              nothing
//   {{- and -}}                                    trim the whitespace before / after
// Everything else (pipes, functions such as sprig's, range, with, define, variables) is refused
// by Compile with an error that names the action, so that a bad template stops the server at
// start instead of failing a message at send time.

#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "base/json_type.h"
#include "base/result.h"

namespace atrium::courier {

enum class Escaping { kNone, kHtml };

class TextTemplate {
 public:
  // `name` appears in errors. `fields` are the model's top-level names a path may start with.
  static Result<TextTemplate> Compile(std::string_view name, std::string_view text,
                                      const std::set<std::string, std::less<>>& fields);

  // Renders with `model` (an object keyed by the field names); HTML escaping of values when
  // asked. A field the model lacks renders empty (Go's zero value), a missing key below it as
  // "<no value>" (Go's map lookup).
  std::string Render(const Json& model, Escaping escaping) const;

  struct Node;

 private:
  explicit TextTemplate(std::shared_ptr<const Node> root) : root_(std::move(root)) {}
  std::shared_ptr<const Node> root_;
};

}  // namespace atrium::courier

#pragma once
// The configuration keys Atrium accepts: every key of Kratos' configuration schema (a list of
// facts kept in kratos_keys.inc) plus Atrium's own `atrium:` section. It knows the shape of
// every key, not what Atrium does with it (that is bindings.h).

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/json.h"

namespace atrium::config {

enum class Shape {
  kObject,  // a mapping with only the listed children
  kOpen,    // a mapping with the listed children and any others
  kMap,     // a mapping whose children have any name ("<path>.*" describes them)
  kList,    // a sequence ("<path>[]" describes its items)
  kValue,   // a scalar
  kAny,     // anything
};

class Catalogue final {
 public:
  // Kratos' keys and Atrium's section, parsed once.
  static const Catalogue& Get();

  // The shape of a key pattern: segments joined by '.', "*" for a map key, "[]" for list items
  // ("selfservice.methods.oidc.config.providers[].id"). Null for unknown patterns.
  const Shape* Find(std::string_view pattern) const;

  // Checks the structure of a configuration document: keys that neither Kratos nor Atrium know,
  // and mappings or lists where the other is expected. Appends "path: why" to `errors`. Null
  // values count as absent.
  void Check(const Json& document, std::vector<std::string>& errors) const;

  // Every pattern without wildcards (they can be set from the environment), in catalogue order.
  const std::vector<std::string>& ConcretePaths() const { return concrete_; }

 private:
  Catalogue();
  void Add(std::string_view lines);
  void CheckNode(const Json& node, std::string& pattern, const std::string& path,
                 std::vector<std::string>& errors) const;

  std::unordered_map<std::string, Shape> shapes_;
  std::vector<std::string> concrete_;
};

}  // namespace atrium::config

// CompiledSchema: a compiled node graph (compiler.cc) behind the validator (validator.cc).
#include "jsonschema/compiled_schema.h"

#include <utility>

#include "jsonschema/compiler.h"
#include "jsonschema/node.h"
#include "jsonschema/validator.h"

namespace atrium::jsonschema {
namespace {

// Built in place and never moved: the graph's Nodes point into its document and at each other.
class GraphSchema final : public CompiledSchema {
 public:
  explicit GraphSchema(const Json& document) { graph_.document = document; }

  Status Build() { return internal::CompileGraph(graph_); }

  std::vector<ValidationError> Validate(const Json& instance,
                                        const ExtensionVisitor* visitor) const override {
    return internal::ValidateGraph(*graph_.root, instance, visitor);
  }

 private:
  internal::Graph graph_;
};

}  // namespace

Result<std::shared_ptr<const CompiledSchema>> CompiledSchema::Compile(const Json& document) {
  auto schema = std::make_shared<GraphSchema>(document);
  ATRIUM_RETURN_IF_ERROR(schema->Build());
  return std::shared_ptr<const CompiledSchema>(std::move(schema));
}

}  // namespace atrium::jsonschema

#pragma once
// The compiler: a schema document into a graph of Nodes (node.h); internal to the jsonschema
// module.

#include "base/result.h"
#include "jsonschema/node.h"

namespace atrium::jsonschema::internal {

// Compiles `graph.document` into `graph.nodes` and sets `graph.root`. The errors are those of
// CompiledSchema::Compile (InvalidArgument). On error `graph` is partly built and unusable.
Status CompileGraph(Graph& graph);

}  // namespace atrium::jsonschema::internal

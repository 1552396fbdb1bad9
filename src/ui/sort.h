#pragma once
// Node ordering exactly as Kratos produces it (docs/wire/registration.md §9.6), including Go's
// sort.Stable algorithm, which matters because the comparator is not a strict weak order.

#include <string>
#include <vector>

#include "ui/node.h"

namespace atrium::ui {

// schema_keys: the identity schema's leaf paths in document order ("traits.email", ...).
void SortNodes(std::vector<Node>& nodes, const std::vector<std::string>& schema_keys);

}  // namespace atrium::ui

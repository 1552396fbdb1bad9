#pragma once
// Node ordering exactly as Kratos produces it (docs/wire/registration.md §9.6), including Go's
// sort.Stable algorithm, which matters because the comparator is not a strict weak order.

#include <string>
#include <vector>

#include "ui/node.h"

namespace atrium::ui {

// What a flow sorts by: the rank of node groups (groups not listed sort first) and the names
// that come first within a group, by prefix.
struct SortOrder {
  std::vector<std::string> groups;
  std::vector<std::string> keys;
};

// Registration and settings forms: keys from the identity schema's leaf paths in document order
// ("traits.email", ...).
SortOrder RegistrationSortOrder(const std::vector<std::string>& schema_keys);
// Login forms (docs/wire/login.md §8.2).
const SortOrder& LoginSortOrder();

void SortNodes(std::vector<Node>& nodes, const SortOrder& order);

}  // namespace atrium::ui

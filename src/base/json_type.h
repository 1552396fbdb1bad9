#pragma once
// The one JSON type of Atrium (see base/json.h for reading and writing it). Insertion-ordered,
// so that documents keep Kratos' wire key order.

#include <nlohmann/json.hpp>

namespace atrium {

using Json = nlohmann::ordered_json;

}  // namespace atrium

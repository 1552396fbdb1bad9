#pragma once
// One failed JSON Schema keyword, as CompiledSchema::Validate reports it and ToUiMessage
// translates it (docs/wire/registration.md §10.4). Other modules build these too (the identity
// validator).

#include <string>

#include "base/json.h"

namespace atrium::jsonschema {

struct ValidationError {
  std::string instance_pointer;  // RFC 6901, "" for the root, "/traits/email"
  std::string keyword;           // "required", "minLength", "format", "type", ...
  std::string message;           // human-readable, Kratos/santhosh-tekuri wording where known
  Json params;                   // keyword parameters, e.g. {"property":"email"} for required,
                                 // {"limit":8,"actual":3} for minLength, {"format":"email"}
};

}  // namespace atrium::jsonschema

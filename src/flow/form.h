#pragma once
// Building blocks of self-service forms that every method of every flow uses: messages for
// fields, validation errors as messages, and the trait inputs derived from an identity schema.

#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/json.h"
#include "identity/schema_registry.h"
#include "jsonschema/compiled_schema.h"
#include "jsonschema/paths.h"
#include "jsonschema/validation_error.h"
#include "text/message.h"
#include "ui/node.h"

namespace atrium::flow {

// A message for a form field ("" = the form's global messages).
struct FieldMessage {
  std::string node;
  text::Message message;
};

// Validation errors (pointers relative to the document) as field messages
// (docs/wire/registration.md §10.4).
std::vector<FieldMessage> ToFieldMessages(const std::vector<jsonschema::ValidationError>& errors);

// The form message an error becomes on a flow (docs/wire/registration.md §7.2 step 4,
// docs/wire/login.md §6.2): every 400 shows its reason (4000001), a disabled identity 4010011.
// nullopt: the error is not a form message and is forwarded.
std::optional<FieldMessage> ErrorAsMessage(const Error& error);

// One input node per trait path of the identity schema, in `group` (§9.5).
std::vector<ui::Node> TraitNodes(const identity::IdentitySchema& schema, const std::string& group);

// Writes decoded trait values into the matching traits.* inputs of `container`.
void CopyTraitsIntoNodes(ui::Container& container, const Json& traits);

}  // namespace atrium::flow

#pragma once
// Validation errors as Kratos UI messages (docs/wire/registration.md §10.4 table; ids
// 4000001..4000041).

#include "jsonschema/validation_error.h"
#include "text/message.h"

namespace atrium::jsonschema {

// The Kratos UI message for a validation error: a keyword-specific id, text and context where
// Kratos has one, otherwise 4000001 with the validator's message as the reason.
text::Message ToUiMessage(const ValidationError& error);

}  // namespace atrium::jsonschema

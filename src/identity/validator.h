#pragma once
// Validates an identity's traits against its schema and applies the `ory.sh/kratos` extension:
// credential identifiers, verifiable and recovery addresses (docs/wire/registration.md §10.3, §21).

#include <string>
#include <vector>

#include "identity/identity.h"
#include "identity/schema_registry.h"
#include "jsonschema/compiled_schema.h"

namespace atrium::identity {

// An address one-time codes go to (`credentials.code.identifier`, docs/wire/registration.md §21).
struct CodeAddress {
  std::string via;      // "email" or "sms"
  std::string address;  // normalized
  bool operator==(const CodeAddress&) const = default;
};

struct Extracted {
  std::vector<std::string> password_identifiers;  // normalized, de-duplicated, in document order
  std::vector<std::string> webauthn_identifiers;
  std::vector<CodeAddress> code_addresses;  // de-duplicated, sorted by address, then via
};

struct TraitsValidation {
  std::vector<jsonschema::ValidationError> errors;  // pointers relative to the identity: /traits/x
  Extracted extracted;
  bool ok() const { return errors.empty(); }
};

// Validates {"traits": identity.traits}. On success sets identity.verifiable_addresses and
// recovery_addresses (keeping existing ones with the same value; new ones have no id and no
// timestamps yet: whoever stores the identity assigns them) and returns the identifiers.
TraitsValidation ValidateTraits(const IdentitySchema& schema, Identity& identity);

}  // namespace atrium::identity

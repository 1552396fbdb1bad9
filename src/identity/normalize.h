#pragma once
// Identifier normalization (docs/wire/registration.md §21). Atrium has no Unicode tables: it trims,
// lowercases ASCII and passes other code points through, and formats "+..." phone numbers as E.164.

#include <optional>
#include <string>
#include <string_view>

namespace atrium::identity {

// Password/webauthn identifiers: trim + lowercase; a valid "+<digits>" phone becomes E.164.
std::string NormalizeIdentifierGracefully(std::string_view value);
// Code/verification e-mail addresses: trim + lowercase; nullopt when not an address.
std::optional<std::string> NormalizeEmailStrict(std::string_view value);
// "+49 (0) 151-234" style input to "+49151234"; nullopt unless '+' and 7..15 digits.
std::optional<std::string> NormalizePhoneE164(std::string_view value);

}  // namespace atrium::identity

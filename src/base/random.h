#pragma once
// Randomness from the operating system's CSPRNG (OpenSSL RAND_bytes), and UUID v4 helpers.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace atrium {

// Cryptographically secure random bytes. Aborts if the CSPRNG fails (it cannot recover).
std::string RandomBytes(size_t n);

// Random bytes straight from the kernel (getrandom), for values that must be unique rather than
// secret and are drawn rarely (a thread's request-id prefix): they do not start OpenSSL's
// generator, so a server that has only answered health checks has not paid for it.
std::string KernelRandomBytes(size_t n);

// n characters from [A-Za-z0-9], uniformly (rejection sampling).
std::string RandomAlphanumeric(size_t n);

// A new random (v4) UUID in lowercase canonical form.
std::string NewUuid();

// True if s is a canonical 8-4-4-4-12 hex UUID (any case).
bool IsUuid(std::string_view s);

// A UUID as Kratos' parser (gofrs/uuid FromString) reads it: canonical, 32 hex digits, either
// of those in braces, or with a "urn:uuid:" prefix. The lowercase canonical form, or
// InvalidArgument whose `message` is the parser's text, as Kratos puts it into 400 answers
// ("uuid: incorrect UUID length 7 in string \"BADUUID\"").
Result<std::string> ParseUuid(std::string_view s);

inline constexpr std::string_view kNilUuid = "00000000-0000-0000-0000-000000000000";

}  // namespace atrium

#pragma once
// Digests, HMAC and constant-time comparison (OpenSSL EVP). Outputs are raw bytes in strings.

#include <string>
#include <string_view>

namespace atrium::crypto {

std::string Sha1(std::string_view data);
std::string Sha256(std::string_view data);
std::string Sha512(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);

// Compares in time independent of where the inputs differ (lengths may leak).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace atrium::crypto

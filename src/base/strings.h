#pragma once
// Small string utilities shared by every module.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace atrium {

std::string_view TrimSpace(std::string_view s);
std::string AsciiLower(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::vector<std::string_view> Split(std::string_view s, char sep);

std::string Base64Encode(std::string_view bytes);                // standard, padded
std::string Base64UrlEncode(std::string_view bytes);             // URL alphabet, no padding
std::optional<std::string> Base64Decode(std::string_view s);     // standard, padding required
std::optional<std::string> Base64UrlDecode(std::string_view s);  // URL alphabet, padding optional
std::string HexEncode(std::string_view bytes);                   // lowercase
int HexValue(char c);  // 0-15 for a hex digit of either case, -1 otherwise

// Percent-decoding as in application/x-www-form-urlencoded ('+' is a space when plus_is_space).
std::optional<std::string> PercentDecode(std::string_view s, bool plus_is_space);
// Percent-encoding for a query component (RFC 3986 unreserved characters pass through).
std::string QueryEscape(std::string_view s);

// True if s is well-formed UTF-8 (no overlongs, no surrogates, max U+10FFFF).
bool IsValidUtf8(std::string_view s);

// Go's %q rendering of a string: "..." with \" \\ \n \t and \x.. / \u.... escapes.
std::string GoQuote(std::string_view s);

}  // namespace atrium

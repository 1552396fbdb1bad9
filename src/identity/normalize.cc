#include "identity/normalize.h"

#include "base/strings.h"

namespace atrium::identity {

std::optional<std::string> NormalizePhoneE164(std::string_view value) {
  value = TrimSpace(value);
  if (value.empty() || value.front() != '+') {
    return std::nullopt;
  }
  std::string digits = "+";
  for (size_t i = 1; i < value.size(); ++i) {
    const char c = value[i];
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
    } else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')') {
      return std::nullopt;
    }
  }
  const size_t n = digits.size() - 1;
  if (n < 7 || n > 15 || digits[1] == '0') {
    return std::nullopt;
  }
  return digits;
}

std::string NormalizeIdentifierGracefully(std::string_view value) {
  std::string lowered = AsciiLower(TrimSpace(value));
  if (auto phone = NormalizePhoneE164(lowered)) {
    return *phone;
  }
  return lowered;
}

std::optional<std::string> NormalizeEmailStrict(std::string_view value) {
  std::string lowered = AsciiLower(TrimSpace(value));
  const size_t at = lowered.rfind('@');
  if (at == std::string::npos || at == 0 || at + 1 == lowered.size()) {
    return std::nullopt;
  }
  return lowered;
}

}  // namespace atrium::identity

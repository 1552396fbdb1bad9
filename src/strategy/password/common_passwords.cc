#include "strategy/password/common_passwords.h"

#include <algorithm>
#include <string>
#include <vector>

#include "base/strings.h"

namespace atrium::strategy::password {
namespace {

// Sorted views into the embedded bytes, built once: about 9,000 entries, 140 KiB of views and no
// copies of the strings.
const std::vector<std::string_view>& Sorted() {
  static const std::vector<std::string_view> list = [] {
    std::vector<std::string_view> out;
    for (std::string_view line : Split(EmbeddedCommonPasswords(), '\n')) {
      if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
      }
      if (!line.empty() && line.front() != '#') {
        out.push_back(line);
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  }();
  return list;
}

bool Contains(std::string_view password) {
  const auto& list = Sorted();
  return std::binary_search(list.begin(), list.end(), password);
}

}  // namespace

bool IsCommonPassword(std::string_view password) {
  // The list is lower case; "Password123" is as weak as "password123".
  return Contains(password) || Contains(AsciiLower(password));
}

std::size_t CommonPasswordCount() { return Sorted().size(); }

}  // namespace atrium::strategy::password

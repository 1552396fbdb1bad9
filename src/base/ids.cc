#include "base/ids.h"

#include <cstdio>

#include "base/random.h"

namespace atrium {

std::string RandomIds::NewUuid() { return atrium::NewUuid(); }

std::string RandomIds::Alphanumeric(size_t n) { return RandomAlphanumeric(n); }

std::string SequentialIds::NewUuid() {
  char buf[37];
  std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012llx",
                static_cast<unsigned long long>(next_++));
  return buf;
}

std::string SequentialIds::Alphanumeric(size_t n) {
  std::string digits = std::to_string(next_++);
  if (digits.size() >= n) {
    return digits.substr(digits.size() - n);
  }
  return std::string(n - digits.size(), 'a') + digits;
}

}  // namespace atrium

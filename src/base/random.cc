#include "base/random.h"

#include <openssl/rand.h>

#include "base/check.h"

namespace atrium {

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (n > 0) {
    const int rc = RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n));
    ATRIUM_CHECK(rc == 1, "the CSPRNG failed");
  }
  return out;
}

std::string RandomAlphanumeric(size_t n) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  out.reserve(n);
  while (out.size() < n) {
    for (const char c : RandomBytes(n * 2)) {
      const auto b = static_cast<unsigned char>(c);
      if (b < 248 && out.size() < n) {  // 248 = 4 * 62: no modulo bias
        out.push_back(kAlphabet[b % kAlphabet.size()]);
      }
    }
  }
  return out;
}

std::string NewUuid() {
  std::string b = RandomBytes(16);
  b[6] = static_cast<char>((static_cast<unsigned char>(b[6]) & 0x0F) | 0x40);
  b[8] = static_cast<char>((static_cast<unsigned char>(b[8]) & 0x3F) | 0x80);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) {
      out.push_back('-');
    }
    const auto v = static_cast<unsigned char>(b[i]);
    out.push_back(kHex[v >> 4]);
    out.push_back(kHex[v & 0xF]);
  }
  return out;
}

bool IsUuid(std::string_view s) {
  if (s.size() != 36) {
    return false;
  }
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') {
        return false;
      }
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

}  // namespace atrium

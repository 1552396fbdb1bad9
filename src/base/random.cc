#include "base/random.h"

#include <cerrno>

#include <openssl/rand.h>
#include <sys/random.h>

#include "base/check.h"
#include "base/strings.h"

namespace atrium {

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (n > 0) {
    const int rc = RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n));
    ATRIUM_CHECK(rc == 1, "the CSPRNG failed");
  }
  return out;
}

std::string KernelRandomBytes(size_t n) {
  std::string out(n, '\0');
  size_t filled = 0;
  while (filled < n) {
    const ssize_t got = getrandom(out.data() + filled, n - filled, 0);
    if (got > 0) {
      filled += static_cast<size_t>(got);
    } else if (errno != EINTR) {
      return RandomBytes(n);  // no getrandom (an old seccomp profile): OpenSSL finds another way
    }
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

namespace {

Error UuidError(std::string text) {
  return Error::InvalidArgument("").WithMessage(std::move(text));
}

}  // namespace

Result<std::string> ParseUuid(std::string_view s) {
  const std::string_view original = s;
  switch (s.size()) {
    case 32:
    case 36:
      break;
    case 34:
    case 38:
      if (s.front() != '{' || s.back() != '}') {
        return UuidError("uuid: incorrect UUID format in string " + GoQuote(original));
      }
      s = s.substr(1, s.size() - 2);
      break;
    case 41:
    case 45:
      if (s.substr(0, 9) != "urn:uuid:") {
        return UuidError("uuid: incorrect UUID format in string " + GoQuote(s.substr(0, 9)));
      }
      s = s.substr(9);
      break;
    default:
      return UuidError("uuid: incorrect UUID length " + std::to_string(s.size()) + " in string " +
                       GoQuote(original));
  }
  std::string hex;
  if (s.size() == 36) {
    if (s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-') {
      return UuidError("uuid: incorrect UUID format in string " + GoQuote(s));
    }
    for (size_t i = 0; i < s.size(); ++i) {
      if (i != 8 && i != 13 && i != 18 && i != 23) {
        hex.push_back(s[i]);
      }
    }
  } else {
    hex = std::string(s);
  }
  std::string out;
  for (size_t i = 0; i < hex.size(); ++i) {
    const int v = HexValue(hex[i]);
    if (v < 0) {
      return UuidError("uuid: invalid UUID format");
    }
    if (i == 8 || i == 12 || i == 16 || i == 20) {
      out.push_back('-');
    }
    out.push_back("0123456789abcdef"[v]);
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

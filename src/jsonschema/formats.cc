#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include <re2/re2.h>

#include "base/strings.h"
#include "jsonschema/internal.h"

namespace atrium::jsonschema::internal {
namespace {

bool IsDate(std::string_view s) {
  static const RE2 kDate(R"((\d{4})-(\d{2})-(\d{2}))");
  int y = 0;
  int m = 0;
  int d = 0;
  if (!RE2::FullMatch(s, kDate, &y, &m, &d) || m < 1 || m > 12 || d < 1) {
    return false;
  }
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

bool IsDateTime(std::string_view s) {
  static const RE2 kDateTime(
      R"((\d{4}-\d{2}-\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2}))");
  std::string date;
  int h = 0;
  int m = 0;
  int sec = 0;
  return RE2::FullMatch(s, kDateTime, &date, &h, &m, &sec, nullptr, nullptr) && IsDate(date) &&
         h < 24 && m < 60 && sec <= 60;
}

bool IsHostname(std::string_view s) {
  if (s.empty() || s.size() > 253) {
    return false;
  }
  static const RE2 kLabel(R"([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)");
  size_t start = 0;
  while (start <= s.size()) {
    const size_t dot = s.find('.', start);
    const std::string_view label = s.substr(start, dot - start);
    if (!RE2::FullMatch(label, kLabel)) {
      return false;
    }
    if (dot == std::string_view::npos) {
      return true;
    }
    start = dot + 1;
  }
  return false;
}

bool IsIpv4(std::string_view s) {
  static const RE2 kIpv4(R"((\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3}))");
  std::string a[4];
  if (!RE2::FullMatch(s, kIpv4, &a[0], &a[1], &a[2], &a[3])) {
    return false;
  }
  for (const auto& part : a) {
    if ((part.size() > 1 && part[0] == '0') || std::stoi(part) > 255) {
      return false;
    }
  }
  return true;
}

// Counts the groups of one side of "::" ("" = none); -1 when malformed. The last group may be
// an IPv4 address (two groups) when `allow_v4` is set.
int CountGroups(std::string_view side, bool allow_v4) {
  if (side.empty()) {
    return 0;
  }
  int groups = 0;
  const auto parts = Split(side, ':');
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string_view g = parts[i];
    if (allow_v4 && i + 1 == parts.size() && g.find('.') != std::string_view::npos) {
      if (!IsIpv4(g)) {
        return -1;
      }
      groups += 2;
      continue;
    }
    if (g.empty() || g.size() > 4 || !std::all_of(g.begin(), g.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c));
        })) {
      return -1;
    }
    ++groups;
  }
  return groups;
}

bool IsIpv6(std::string_view s) {
  if (s.size() < 2 || s.size() > 45) {
    return false;
  }
  const size_t gap = s.find("::");
  if (gap == std::string_view::npos) {
    return CountGroups(s, true) == 8;
  }
  if (s.find("::", gap + 1) != std::string_view::npos) {
    return false;
  }
  const int left = CountGroups(s.substr(0, gap), false);
  const int right = CountGroups(s.substr(gap + 2), true);
  return left >= 0 && right >= 0 && left + right <= 7;
}

bool IsEmail(std::string_view s) {
  // Practical RFC 5322 addr-spec: dot-atom or quoted local part, domain or address literal.
  if (s.size() > 254) {
    return false;
  }
  const size_t at = s.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= s.size()) {
    return false;
  }
  const std::string_view local = s.substr(0, at);
  const std::string_view domain = s.substr(at + 1);
  if (local.size() > 64) {
    return false;
  }
  static const RE2 kDotAtom(
      R"([A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)");
  static const RE2 kQuoted(R"("([^"\\]|\\.)*")");
  if (!RE2::FullMatch(local, kDotAtom) && !RE2::FullMatch(local, kQuoted)) {
    return false;
  }
  if (domain.front() == '[' && domain.back() == ']') {
    const std::string_view literal = domain.substr(1, domain.size() - 2);
    return IsIpv4(literal) || (literal.starts_with("IPv6:") && IsIpv6(literal.substr(5)));
  }
  return IsHostname(domain);
}

bool IsUri(std::string_view s) {
  static const RE2 kUri(R"([A-Za-z][A-Za-z0-9+.-]*:[^\s<>"{}|\\^`]*)");
  if (!RE2::FullMatch(s, kUri)) {
    return false;
  }
  // Percent escapes must be complete.
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
                        !std::isxdigit(static_cast<unsigned char>(s[i + 2])))) {
      return false;
    }
  }
  return true;
}

bool IsTel(std::string_view s) {
  std::string digits;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
    } else if (c == '+' && i == 0) {
    } else if (c != ' ' && c != '-' && c != '(' && c != ')' && c != '.') {
      return false;
    }
  }
  return digits.size() >= 7 && digits.size() <= 15;
}

bool IsUuid(std::string_view s) {
  static const RE2 kUuid(
      R"([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})");
  return RE2::FullMatch(s, kUuid);
}

}  // namespace

bool CheckFormat(std::string_view format, std::string_view value) {
  if (format == "email" || format == "idn-email") {
    // Surrounding whitespace is tolerated (Go's mail.ParseAddress skips it); identifiers are
    // trimmed by normalization, so " a@b.c" collides with "a@b.c" instead of being refused.
    return IsEmail(TrimSpace(value));
  }
  if (format == "uri" || format == "iri") {
    return IsUri(value);
  }
  if (format == "date") {
    return IsDate(value);
  }
  if (format == "date-time") {
    return IsDateTime(value);
  }
  if (format == "tel") {
    return IsTel(value);
  }
  if (format == "regex") {
    RE2::Options options;
    options.set_log_errors(false);
    return RE2(std::string(value), options).ok();
  }
  if (format == "ipv4") {
    return IsIpv4(value);
  }
  if (format == "ipv6") {
    return IsIpv6(value);
  }
  if (format == "hostname") {
    return IsHostname(value);
  }
  if (format == "uuid") {
    return IsUuid(value);
  }
  return true;  // "no-validate" and unknown formats
}

std::string FormatNumber(const nlohmann::json& number) {
  if (number.is_number_integer() || number.is_number_unsigned()) {
    return number.dump();
  }
  const double d = number.get<double>();
  if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e6) {
    return std::to_string(static_cast<long long>(d));
  }
  // Shortest representation that round-trips, then Go's %v exponent rule (exp < -4 || exp >= 21).
  char buf[64];
  for (int precision = 1; precision <= 17; ++precision) {  // NOLINT(readability-magic-numbers)
    std::snprintf(buf, sizeof buf, "%.*g", precision, d);
    if (std::strtod(buf, nullptr) == d) {
      break;
    }
  }
  return buf;
}

std::string TypeName(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::boolean:
      return "boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      return "integer";
    case nlohmann::json::value_t::number_float: {
      const double d = v.get<double>();
      return std::isfinite(d) && d == std::floor(d) ? "integer" : "number";
    }
    case nlohmann::json::value_t::string:
      return "string";
    case nlohmann::json::value_t::array:
      return "array";
    case nlohmann::json::value_t::object:
      return "object";
    default:
      return "unknown";
  }
}

}  // namespace atrium::jsonschema::internal

#include "jsonschema/formats.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include <re2/re2.h>

#include "base/json.h"
#include "base/strings.h"

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
      R"((\d{4}-\d{2}-\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2})))");
  std::string date;
  int h = 0;
  int m = 0;
  int sec = 0;
  std::string off_h;  // empty for "Z"
  std::string off_m;
  if (!RE2::FullMatch(s, kDateTime, &date, &h, &m, &sec, &off_h, &off_m) || !IsDate(date) ||
      h >= 24 || m >= 60 || sec > 60) {
    return false;
  }
  return off_h.empty() || (std::atoi(off_h.c_str()) < 24 && std::atoi(off_m.c_str()) < 60);
}

// ory/jsonschema's isHostname: one trailing dot allowed, labels of 1..63 letters, digits and
// hyphens not ending with a hyphen, the whole name not starting with one, at most 253 chars.
bool IsHostname(std::string_view s) {
  if (s.ends_with('.')) {
    s.remove_suffix(1);
  }
  if (s.size() > 253 || s.empty() || s.front() == '-') {
    return false;
  }
  for (const std::string_view label : Split(s, '.')) {
    if (label.empty() || label.size() > 63 || label.back() == '-') {
      return false;
    }
    for (const char c : label) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') {
        return false;
      }
    }
  }
  return true;
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

// ory/jsonschema's isEmail: at most 254 bytes, a local part of at most 64 bytes before the last
// '@', a hostname domain, and acceptance by Go's mail.ParseAddress (dot-atom or quoted local
// part, UTF-8 allowed; leading white space skipped).
bool IsEmail(std::string_view s) {
  if (s.size() > 254) {
    return false;
  }
  const size_t at = s.rfind('@');
  if (at == std::string_view::npos) {
    return false;
  }
  std::string_view local = s.substr(0, at);
  const std::string_view domain = s.substr(at + 1);
  if (local.size() > 64 || !IsHostname(domain) || domain.ends_with('.')) {
    return false;
  }
  while (!local.empty() && (local.front() == ' ' || local.front() == '\t' ||
                            local.front() == '\r' || local.front() == '\n')) {
    local.remove_prefix(1);
  }
  static const RE2 kDotAtom(
      R"(([A-Za-z0-9!#$%&'*+/=?^_`{|}~-]|[^\x00-\x7F])+(\.([A-Za-z0-9!#$%&'*+/=?^_`{|}~-]|[^\x00-\x7F])+)*)");
  static const RE2 kQuoted(R"("([^"\\]|\\.)+")");
  return RE2::FullMatch(local, kDotAtom) || RE2::FullMatch(local, kQuoted);
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
    return IsEmail(value);
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

std::string GoFloat(double d) {
  if (std::isnan(d)) {
    return "NaN";
  }
  if (std::isinf(d)) {
    return d > 0 ? "+Inf" : "-Inf";
  }
  if (d == 0) {
    return std::signbit(d) ? "-0" : "0";
  }
  // Shortest round-tripping digits, read off the %e rendering: [-]d[.ddd]e[+-]xx.
  char buf[64];
  for (int precision = 0; precision <= 16; ++precision) {  // NOLINT(readability-magic-numbers)
    std::snprintf(buf, sizeof buf, "%.*e", precision, d);
    if (std::strtod(buf, nullptr) == d) {
      break;
    }
  }
  std::string e(buf);
  const bool negative = e[0] == '-';
  if (negative) {
    e.erase(0, 1);
  }
  const size_t epos = e.find('e');
  const int exp = std::atoi(e.c_str() + epos + 1);
  std::string digits = e.substr(0, epos);
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  while (digits.size() > 1 && digits.back() == '0') {
    digits.pop_back();
  }
  std::string out;
  if (exp < -4 || exp >= 6) {  // Go: shortest %g switches to %e at exponent 6 ("1e+06")
    out = digits.substr(0, 1);
    if (digits.size() > 1) {
      out += "." + digits.substr(1);
    }
    const int a = std::abs(exp);
    out += std::string(exp < 0 ? "e-" : "e+") + (a < 10 ? "0" : "") + std::to_string(a);
  } else if (exp < 0) {
    out = "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
  } else {
    const size_t int_digits = static_cast<size_t>(exp) + 1;  // exp >= 0 here
    if (digits.size() <= int_digits) {
      out = digits + std::string(int_digits - digits.size(), '0');
    } else {
      out = digits.substr(0, int_digits) + "." + digits.substr(int_digits);
    }
  }
  return negative ? "-" + out : out;
}

std::string FormatNumber(const Json& number) {
  if (number.is_number_integer() || number.is_number_unsigned()) {
    return DumpJson(number);
  }
  if (!number.is_number()) {
    return DumpJson(number);
  }
  return GoFloat(number.get<double>());
}

Json GoFloatJson(double d) {
  if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.007199254740992e15) {
    return static_cast<int64_t>(d);
  }
  return d;
}

std::string GoSharpV(const Json& value) {
  if (value.is_string()) {
    return GoQuote(value.get_ref<const std::string&>());
  }
  if (value.is_number()) {
    return GoQuote(DumpJson(value));  // json.Number is a string type: %#v quotes it
  }
  if (value.is_null()) {
    return "<nil>";
  }
  return DumpJson(value);
}

std::string TypeName(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "integer";
    case Json::value_t::number_float: {
      const double d = v.get<double>();
      return std::isfinite(d) && d == std::floor(d) ? "integer" : "number";
    }
    case Json::value_t::string:
      return "string";
    case Json::value_t::array:
      return "array";
    case Json::value_t::object:
      return "object";
    default:
      return "unknown";
  }
}

}  // namespace atrium::jsonschema::internal

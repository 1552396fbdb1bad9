#include <chrono>
#include <ctime>

#include "http/http.h"

namespace atrium::http {
namespace {

// RFC 7231 IMF-fixdate, as Go's http.TimeFormat.
std::string HttpDate(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

}  // namespace

std::string FormatSetCookie(const SetCookie& c) {
  std::string out = c.name + "=" + c.value;
  if (!c.path.empty()) {
    out += "; Path=" + c.path;
  }
  if (!c.domain.empty()) {
    out += "; Domain=" + c.domain;
  }
  if (c.max_age) {
    if (*c.max_age > 0) {
      if (c.expires) {
        out += "; Expires=" +
               HttpDate(std::chrono::system_clock::now() + std::chrono::seconds(*c.max_age));
      }
      out += "; Max-Age=" + std::to_string(*c.max_age);
    } else {
      out += "; Expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0";
    }
  }
  if (c.http_only) {
    out += "; HttpOnly";
  }
  if (c.secure) {
    out += "; Secure";
  }
  if (!c.same_site.empty()) {
    out += "; SameSite=" + c.same_site;
  }
  return out;
}

}  // namespace atrium::http

#pragma once
// A cookie to set, as a value: use cases decide what to set, the HTTP layer formats it.

#include <cstdint>
#include <optional>
#include <string>

namespace atrium {

struct SetCookie {
  std::string name;
  std::string value;
  std::string path;
  std::string domain;              // "" = host-only
  std::optional<int64_t> max_age;  // seconds; nullopt = session cookie; <= 0 = delete now
  bool http_only = true;
  bool secure = false;
  std::string same_site;  // "Lax", "Strict", "None", "" = omitted
  bool expires = false;   // also write Expires (gorilla/sessions style) next to Max-Age
};

}  // namespace atrium

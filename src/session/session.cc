#include "session/session.h"

#include "base/random.h"
#include "base/strings.h"
#include "base/time.h"
#include "crypto/hash.h"

namespace atrium::session {

bool Session::IsActive(Timestamp now) const {
  return active && expires_at > now && identity.state == "active";
}

Json Session::ToJson(const std::string& public_base_url, Timestamp now) const {
  Json j;
  j["id"] = id;
  j["active"] = IsActive(now);
  j["expires_at"] = FormatRfc3339(expires_at);
  j["authenticated_at"] = FormatRfc3339(authenticated_at);
  j["authenticator_assurance_level"] = aal;
  Json methods = Json::array();
  for (const auto& m : authentication_methods) {
    Json e;
    e["method"] = m.method;
    e["aal"] = m.aal;
    e["completed_at"] = FormatRfc3339(m.completed_at);
    methods.push_back(std::move(e));
  }
  j["authentication_methods"] = std::move(methods);
  j["issued_at"] = FormatRfc3339(issued_at);
  j["identity"] = identity.ToPublicJson(public_base_url);
  Json devs = Json::array();
  for (const auto& d : devices) {
    Json e;
    e["id"] = d.id;
    e["ip_address"] = d.ip_address;
    e["user_agent"] = d.user_agent ? Json(*d.user_agent) : Json();
    e["location"] = d.location;
    devs.push_back(std::move(e));
  }
  j["devices"] = std::move(devs);
  return j;
}

std::string NewSessionToken() { return "ory_st_" + RandomAlphanumeric(32); }

std::string TokenDigest(std::string_view token) { return HexEncode(crypto::Sha256(token)); }

std::optional<std::string> TokenFromRequest(std::optional<std::string_view> x_session_token,
                                            std::optional<std::string> cookie_token,
                                            std::optional<std::string_view> authorization) {
  if (x_session_token && !x_session_token->empty()) {
    return std::string(*x_session_token);
  }
  if (cookie_token && !cookie_token->empty()) {
    return cookie_token;
  }
  if (authorization) {
    const auto parts = Split(*authorization, ' ');
    if (parts.size() == 2 && EqualsIgnoreCase(parts[0], "bearer") && !parts[1].empty()) {
      return std::string(parts[1]);
    }
  }
  return std::nullopt;
}

}  // namespace atrium::session

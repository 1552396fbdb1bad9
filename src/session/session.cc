#include "session/session.h"

#include "base/random.h"
#include "base/strings.h"
#include "base/time.h"
#include "crypto/hash.h"

namespace atrium::session {

bool Session::IsActive(Timestamp now) const {
  return active && expires_at > now && identity.state == "active";
}

namespace {

// Everything before `identity` and `devices`, which the public and the admin forms order
// differently.
Json Head(const Session& s, bool active) {
  Json j;
  j["id"] = s.id;
  j["active"] = active;
  j["expires_at"] = FormatRfc3339(s.expires_at);
  j["authenticated_at"] = FormatRfc3339(s.authenticated_at);
  j["authenticator_assurance_level"] = s.aal;
  Json methods = Json::array();
  for (const auto& m : s.authentication_methods) {
    Json e;
    e["method"] = m.method;
    e["aal"] = m.aal;
    e["completed_at"] = FormatRfc3339(m.completed_at);
    methods.push_back(std::move(e));
  }
  j["authentication_methods"] = std::move(methods);
  j["issued_at"] = FormatRfc3339(s.issued_at);
  return j;
}

Json DevicesJson(const std::vector<Device>& devices) {
  Json devs = Json::array();
  for (const auto& d : devices) {
    Json e;
    e["id"] = d.id;
    e["ip_address"] = d.ip_address;
    e["user_agent"] = d.user_agent ? Json(*d.user_agent) : Json();
    e["location"] = d.location;
    devs.push_back(std::move(e));
  }
  return devs;
}

}  // namespace

Json Session::ToJson(const std::string& public_base_url, Timestamp now) const {
  Json j = Head(*this, IsActive(now));
  j["identity"] = identity.ToPublicJson(public_base_url);
  j["devices"] = DevicesJson(devices);
  return j;
}

Json Session::ToAdminJson(const std::string& public_base_url, Timestamp now, bool with_identity,
                          bool with_devices, const Json& unexpanded_devices) const {
  // Without its identity a session's state is its own (Kratos: an identity that is not loaded
  // does not count).
  Json j = Head(*this, with_identity ? IsActive(now) : active && expires_at > now);
  j["devices"] = with_devices ? DevicesJson(devices) : unexpanded_devices;
  j["identity"] = with_identity ? identity.ToAdminJson(public_base_url) : Json();
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

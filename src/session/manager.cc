#include "session/manager.h"

#include "base/time.h"

namespace atrium::session {

Manager::Manager(ManagerOptions options, SessionStore& store, const CookieCodec& cookies,
                 IdGenerator& ids, const Clock& clock)
    : options_(std::move(options)), store_(store), cookies_(cookies), ids_(ids), clock_(clock) {}

Session Manager::Issue(const identity::Identity& identity, std::string method,
                       Device device) const {
  const Timestamp now = TruncateToMicros(clock_.Now());
  Session s;
  s.id = ids_.NewUuid();
  s.token = "ory_st_" + ids_.Alphanumeric(32);
  s.token_digest = TokenDigest(s.token);
  s.active = true;
  s.issued_at = now;
  s.authenticated_at = now;
  s.expires_at = now + options_.lifespan;
  s.aal = "aal1";
  s.authentication_methods.push_back({std::move(method), "aal1", now});
  s.identity_id = identity.id;
  s.identity = identity;
  s.identity.credentials.clear();  // credentials never travel with a session
  device.id = ids_.NewUuid();
  s.devices.push_back(std::move(device));
  return s;
}

Result<std::optional<Session>> Manager::Find(const Credentials& credentials) const {
  using Out = std::optional<Session>;
  std::optional<std::string> from_cookie;
  if (credentials.cookie) {
    from_cookie = cookies_.Decode(*credentials.cookie, clock_.Now());
  }
  const auto token = TokenFromRequest(credentials.session_token_header, std::move(from_cookie),
                                      credentials.authorization);
  if (!token) {
    return Out();
  }
  ATRIUM_ASSIGN_OR_RETURN(auto found, store_.GetSessionByTokenDigest(TokenDigest(*token)));
  if (!found || !found->IsActive(clock_.Now())) {
    return Out();  // unknown, expired or revoked tokens count as "no session"
  }
  return found;
}

SetCookie Manager::CookieFor(const Session& session) const {
  SetCookie c;
  c.name = options_.cookie_name;
  c.value = cookies_.Encode(session.token, session.expires_at);
  c.path = options_.path;
  c.domain = options_.domain;
  if (options_.persistent) {
    c.max_age =
        std::chrono::duration_cast<std::chrono::seconds>(session.expires_at - clock_.Now()).count();
  }
  c.http_only = true;
  c.secure = options_.secure;
  c.same_site = options_.secure ? options_.same_site : "Lax";
  c.expires = true;
  return c;
}

Json Manager::ToJson(const Session& session) const {
  return session.ToJson(options_.public_base_url, clock_.Now());
}

Result<WhoAmIAnswer> Manager::WhoAmI(const Credentials& credentials) const {
  ATRIUM_ASSIGN_OR_RETURN(const auto session, Find(credentials));
  if (!session) {
    return NoActiveSession();
  }
  return WhoAmIAnswer{ToJson(*session), session->identity_id};
}

Error NoActiveSession() {
  return Error{ErrorCode::kUnauthenticated,
               "No valid session credentials found in the request.",
               {},
               {},
               {},
               {}};
}

}  // namespace atrium::session

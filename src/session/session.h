#pragma once
// Sessions (docs/wire/registration.md §20.2): issued after a registration, looked up by token for
// whoami.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/json.h"
#include "base/result.h"
#include "identity/identity.h"

namespace atrium::session {

struct Device {
  std::string id;
  std::string ip_address;
  std::optional<std::string> user_agent;
  std::string location;
};

struct AuthenticationMethod {
  std::string method;
  std::string aal = "aal1";
  Timestamp completed_at;
};

struct Session {
  std::string id;
  // The bearer token ("ory_st_" + 32 alphanumerics) exists only in the response that issues it;
  // the store keeps and looks up its digest, so a copy of the database holds no live session.
  std::string token;         // set on a newly issued session only, never stored or serialized
  std::string token_digest;  // TokenDigest(token)
  bool active = true;
  Timestamp expires_at;
  Timestamp authenticated_at;
  std::string aal = "aal1";
  std::vector<AuthenticationMethod> authentication_methods;
  Timestamp issued_at;
  std::string identity_id;
  identity::Identity identity;  // loaded with the session, without credentials
  std::vector<Device> devices;

  // active flag AND not expired AND identity active.
  bool IsActive(Timestamp now) const;
  // The public session JSON (docs/wire/login.md §13): identity before devices, no admin
  // metadata.
  Json ToJson(const std::string& public_base_url, Timestamp now) const;
  // The admin session JSON (Quirk 28): `identity` last and with `metadata_admin`. What was not
  // expanded is written as Kratos writes it: `identity` null, `devices` as `unexpanded_devices`
  // (null in lists, [] for a single session).
  Json ToAdminJson(const std::string& public_base_url, Timestamp now, bool with_identity,
                   bool with_devices, const Json& unexpanded_devices) const;
};

// Which sessions a list keeps, as of a given time: every one, the active ones (active flag and
// not expired) or the others (revoked or expired). The identity's state plays no part.
enum class ActiveFilter { kAny, kActive, kInactive };

// A position in the list of all sessions, newest first (issued_at descending, then id
// ascending): the list continues with the sessions after it. issued_at is written once, when the
// session is created, so it orders sessions as Kratos' created_at does.
struct SessionCursor {
  Timestamp issued_at;
  std::string id;
};

// One page of a list and the number of sessions the whole list holds.
struct SessionSlice {
  std::vector<Session> sessions;
  int64_t total = 0;
};

// "ory_st_" + 32 characters [A-Za-z0-9] from the CSPRNG.
std::string NewSessionToken();
// Lowercase hex SHA-256 of a session token. Tokens carry 190 bits from the CSPRNG, so an
// unkeyed digest is enough: nobody can search the token space, and no key needs rotating.
std::string TokenDigest(std::string_view token);

// The session token of a request, in Kratos' lookup order: X-Session-Token, the session cookie's
// token, then "Authorization: Bearer <token>" (scheme case-insensitive, exactly two parts).
std::optional<std::string> TokenFromRequest(std::optional<std::string_view> x_session_token,
                                            std::optional<std::string> cookie_token,
                                            std::optional<std::string_view> authorization);

class SessionStore {
 public:
  virtual ~SessionStore() = default;
  // The session with its identity (without credentials) and devices, or nullopt for an unknown
  // digest (TokenDigest of the presented token). Unavailable when the store cannot answer.
  virtual Result<std::optional<Session>> GetSessionByTokenDigest(std::string_view digest) = 0;
  // The same by session id.
  virtual Result<std::optional<Session>> GetSession(std::string_view id) = 0;
  // Writes a new session with its devices for an existing identity.
  virtual Status CreateSession(const Session& session) = 0;
  // Writes what a re-authentication changes: active, aal, authentication methods,
  // authenticated_at, expires_at; devices not stored yet are added. NotFound for an unknown id.
  virtual Status UpdateSession(const Session& session) = 0;
  // Marks a session inactive (the row stays). False when no such session exists.
  virtual Result<bool> RevokeSession(std::string_view id) = 0;
  // Marks every active session of an identity inactive except `keep` ("" = none); how many.
  virtual Result<int64_t> RevokeSessionsOfIdentity(std::string_view identity_id,
                                                   std::string_view keep) = 0;

  // Sessions of one identity, newest first (issued_at descending, then id), without `except`
  // ("" = none), kept by `filter` as of `now`: `limit` of them from `offset` on, with their
  // devices and identity (without credentials), and how many the filter keeps in all.
  virtual Result<SessionSlice> ListSessionsOfIdentity(std::string_view identity_id,
                                                      std::string_view except, ActiveFilter filter,
                                                      Timestamp now, int64_t offset,
                                                      int64_t limit) = 0;
  // All sessions kept by `filter` as of `now`, newest first, from just after `after` on: at
  // most `limit`, with their devices, and with their identity (without credentials) when
  // `with_identity` (otherwise `identity` is left default and identity_id alone is set).
  virtual Result<std::vector<Session>> ListSessions(ActiveFilter filter, Timestamp now,
                                                    const SessionCursor& after, int64_t limit,
                                                    bool with_identity) = 0;
  // Marks the session inactive if it belongs to the identity; false when no such session does.
  virtual Result<bool> RevokeSessionOfIdentity(std::string_view identity_id,
                                               std::string_view session_id) = 0;
  // Writes a new expiry (nothing else); false when no such session exists.
  virtual Result<bool> SetSessionExpiry(std::string_view session_id, Timestamp expires_at) = 0;
  // Deletes every session of an identity with its devices; how many.
  virtual Result<int64_t> DeleteSessionsOfIdentity(std::string_view identity_id) = 0;
};

}  // namespace atrium::session

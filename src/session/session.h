#pragma once
// Sessions (docs/wire/registration.md §20.2): issued after a registration, looked up by token for
// whoami.

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
  Json ToJson(const std::string& public_base_url, Timestamp now) const;
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
};

}  // namespace atrium::session

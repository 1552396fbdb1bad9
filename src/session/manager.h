#pragma once
// Sessions, in one place: issuing them, finding the one a request presents, the cookie that
// carries them, and whoami (docs/wire/registration.md §20).

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/cookie.h"
#include "base/ids.h"
#include "base/json.h"
#include "base/result.h"
#include "identity/identity.h"
#include "session/cache.h"
#include "session/cookie.h"
#include "session/session.h"

namespace atrium::session {

struct ManagerOptions {
  Duration lifespan = std::chrono::hours(24);
  std::string public_base_url;  // for the identity's schema_url in session JSON
  // The session cookie.
  std::string cookie_name = "ory_kratos_session";
  bool persistent =
      true;  // Max-Age/Expires from the session's expiry; else a browser-session cookie
  std::string path = "/";
  std::string domain;
  bool secure = true;
  std::string same_site = "Lax";  // used when secure; plain-HTTP cookies are always Lax
  // Keys of logout tokens (secrets.cookie): the first derives them, every one verifies them.
  std::vector<std::string> secrets;
};

// What a request presents as proof of a session, in Kratos' lookup order: the X-Session-Token
// header, the session cookie, then "Authorization: Bearer <token>".
struct Credentials {
  std::optional<std::string> session_token_header;
  std::optional<std::string> cookie;
  std::optional<std::string> authorization;

  bool Empty() const { return !session_token_header && !cookie && !authorization; }
};

// whoami's answer: the session JSON (serialized, newline-terminated; shared with the cache) and
// the identity it belongs to.
struct WhoAmIAnswer {
  std::shared_ptr<const CachedSession> session;
  const std::string& body() const { return session->body; }
  const std::string& identity_id() const { return session->session.identity_id; }
};

class Manager final {
 public:
  // References must outlive the manager. Thread-safe. `cache` (may be null: no cache) serves
  // whoami; the store must report its writes to it (SessionChanges).
  Manager(ManagerOptions options, SessionStore& store, const CookieCodec& cookies, IdGenerator& ids,
          const Clock& clock, SessionCache* cache = nullptr);

  // A new active session (not yet stored) for `identity`, authenticated now by `method` at
  // AAL1, used from `device` (its id is assigned here).
  Session Issue(const identity::Identity& identity, std::string method, Device device) const;

  // The active session the credentials name; nullopt when there is none (no credentials, an
  // unknown, expired or revoked token, an inactive identity). Unavailable when the store
  // cannot answer: that is never "no session".
  Result<std::optional<Session>> Find(const Credentials& credentials) const;

  // Writes a session issued for an identity that exists already (a sign-in).
  Status Save(const Session& session) const;

  // A re-authentication of `session` by its own identity (refresh login): active again,
  // authenticated now, a full lifespan from now, `method` appended to its methods, `device`
  // added. Written, and returned with the token it was presented with.
  Result<Session> Reauthenticate(Session session, std::string method, Device device) const;

  // The session a token names, whatever its state (native logout); nullopt when unknown.
  Result<std::optional<Session>> FindByToken(std::string_view token) const;

  // Marks a session inactive (the row stays); false when there is no such session.
  Result<bool> Revoke(std::string_view session_id) const;
  // Every other session of an identity; how many were matched.
  Result<int64_t> RevokeOthers(std::string_view identity_id, std::string_view keep) const;

  // The logout token of a session: "ory_lo_" + 32 alphanumerics derived from the session id with
  // the first secret, so it is stable for the session's life and nothing has to be stored.
  std::string LogoutToken(const Session& session) const;
  // Whether `token` is the session's logout token under any of the secrets (constant time).
  bool IsLogoutToken(const Session& session, std::string_view token) const;

  // The session cookie carrying `session`'s token, sealed with secrets.cookie.
  SetCookie CookieFor(const Session& session) const;
  // The session cookie, expired (sign-out).
  SetCookie ClearedCookie() const;

  // The session JSON in Kratos' key order, as of now.
  Json ToJson(const Session& session) const;

  // GET /sessions/whoami: the active session, or 401 session credentials missing/invalid
  // (NoActiveSession); Unavailable passes through. Served from the cache when it holds the
  // session, otherwise read with one query and cached with its JSON.
  Result<WhoAmIAnswer> WhoAmI(const Credentials& credentials) const;
  // WhoAmI from the cache alone, without touching the store (cheap enough for an I/O thread):
  // the answer for a cached session, nothing when WhoAmI would have to read the store.
  std::optional<WhoAmIAnswer> CachedWhoAmI(const Credentials& credentials) const;

 private:
  // The token the credentials present, if any.
  std::optional<std::string> TokenOf(const Credentials& credentials) const;
  // The cached whoami answer for a token digest, if the cache holds one.
  std::optional<WhoAmIAnswer> Cached(const std::string& digest) const;

  ManagerOptions options_;
  SessionStore& store_;
  const CookieCodec& cookies_;
  IdGenerator& ids_;
  const Clock& clock_;
  SessionCache* cache_;
};

// 401: no valid session credentials (whoami).
Error NoActiveSession();

}  // namespace atrium::session

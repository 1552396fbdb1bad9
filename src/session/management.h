#pragma once
// Managing sessions (docs/wire/login.md §15): a signed-in user's own sessions (list the others,
// revoke one or all of the others) and the administrator's view of every session (list, get,
// revoke, extend, delete an identity's sessions). Plain values in and out; the HTTP side
// (query parameters, Link headers, JSON) is api/session_routes.cc.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "session/session.h"

namespace atrium::session {

struct ManagementOptions {
  Duration lifespan = std::chrono::hours(24);
  // An extend moves expires_at only when it is nearer than this; unset = the lifespan, so that
  // by default every extend extends (session.earliest_possible_extend).
  std::optional<Duration> earliest_possible_extend;
};

// Page sizes of every session list: Kratos' default and maximum.
inline constexpr int64_t kDefaultPageSize = 250;
inline constexpr int64_t kMaxPageSize = 1000;

// A page of a numbered list. Pages count from 0 and page n holds the sessions from
// n * per_page on, the numbering of the Link headers (Kratos asks its store for page n counted
// from 1, so that pages 0 and 1 are both the first: docs/compat.md).
struct PageRequest {
  int64_t page = 0;
  int64_t per_page = kDefaultPageSize;  // 1..kMaxPageSize
};

// One page of the list of all sessions, where the next page starts (none after the last), and
// the page size that was used.
struct KeysetPage {
  std::vector<Session> sessions;
  std::optional<SessionCursor> next;
  int64_t size = kDefaultPageSize;
};

class Management final {
 public:
  // References must outlive the object. Thread-safe.
  Management(ManagementOptions options, SessionStore& store, const Clock& clock);

  // GET /sessions: the active, unexpired sessions of the caller's identity other than the
  // caller's own, newest first, with devices and identity, and how many there are in all.
  Result<SessionSlice> ListOthers(const Session& caller, PageRequest page) const;
  // DELETE /sessions: revokes every other session of the caller's identity. The count is the
  // rows matched, already inactive ones included (Kratos on PostgreSQL and SQLite, Quirk 23).
  Result<int64_t> RevokeOthers(const Session& caller) const;
  // DELETE /sessions/{id}: revokes one of the caller's other sessions. InvalidArgument
  // ("cannot revoke current session") for the caller's own; an id that is unknown or belongs to
  // another identity changes nothing and is no error (as in Kratos).
  Status RevokeOwn(const Session& caller, std::string_view session_id) const;

  // GET /admin/sessions: at most `size` sessions (clamped to 1..kMaxPageSize, <= 0 = the
  // default) after `after`, with devices, and with their identity when `with_identity`.
  Result<KeysetPage> List(ActiveFilter filter, const SessionCursor& after, int64_t size,
                          bool with_identity) const;
  // GET /admin/sessions/{id}: the session with devices and identity; NotFound (ResourceNotFound).
  Result<Session> Get(std::string_view session_id) const;
  // DELETE /admin/sessions/{id}: marks it inactive, the row stays; NotFound when absent.
  Status Revoke(std::string_view session_id) const;
  // PATCH /admin/sessions/{id}/extend: when the session expires within
  // earliest_possible_extend, it now expires a full lifespan from now (only expires_at is
  // written); otherwise nothing changes. The session as it is afterwards; NotFound when absent.
  Result<Session> Extend(std::string_view session_id) const;
  // GET /admin/identities/{id}/sessions: the identity's sessions kept by `filter`, newest
  // first, with devices and identity (an unknown identity has none).
  Result<SessionSlice> ListOfIdentity(std::string_view identity_id, ActiveFilter filter,
                                      PageRequest page) const;
  // DELETE /admin/identities/{id}/sessions: deletes the rows; NotFound when there were none.
  Status DeleteOfIdentity(std::string_view identity_id) const;

 private:
  ManagementOptions options_;
  SessionStore& store_;
  const Clock& clock_;
};

// The position before the newest session, where the list of all sessions begins (Kratos' default
// page token: the nil UUID and 2200-12-31 23:59:59 UTC).
SessionCursor FirstCursor();

// 404 "Unable to locate the resource" (no reason), what Kratos answers for a missing row.
Error ResourceNotFound();
// 401 "No valid session cookie found.": a session management call without a valid session.
Error NoValidSessionCookie();

}  // namespace atrium::session

#include "session/management.h"

#include <algorithm>

#include "base/random.h"
#include "base/time.h"

namespace atrium::session {
namespace {

int64_t ClampSize(int64_t size) {
  return size <= 0 ? kDefaultPageSize : std::min(size, kMaxPageSize);
}

// The first row of a page; pages count from 0.
int64_t OffsetOf(PageRequest page) {
  const int64_t per_page = std::clamp<int64_t>(page.per_page, 1, kMaxPageSize);
  const int64_t max_page = INT64_MAX / per_page;
  return std::clamp<int64_t>(page.page, 0, max_page) * per_page;
}

int64_t LimitOf(PageRequest page) { return std::clamp<int64_t>(page.per_page, 1, kMaxPageSize); }

}  // namespace

Management::Management(ManagementOptions options, SessionStore& store, const Clock& clock)
    : options_(options), store_(store), clock_(clock) {}

Result<SessionSlice> Management::ListOthers(const Session& caller, PageRequest page) const {
  return store_.ListSessionsOfIdentity(caller.identity_id, caller.id, ActiveFilter::kActive,
                                       clock_.Now(), OffsetOf(page), LimitOf(page));
}

Result<int64_t> Management::RevokeOthers(const Session& caller) const {
  return store_.RevokeSessionsOfIdentity(caller.identity_id, caller.id);
}

Status Management::RevokeOwn(const Session& caller, std::string_view session_id) const {
  if (session_id == caller.id) {
    // Kratos' debug text says why: "use the logout flow instead".
    return Error::InvalidArgument("").WithMessage("cannot revoke current session");
  }
  ATRIUM_RETURN_IF_ERROR(store_.RevokeSessionOfIdentity(caller.identity_id, session_id));
  return OkStatus();
}

Result<KeysetPage> Management::List(ActiveFilter filter, const SessionCursor& after, int64_t size,
                                    bool with_identity) const {
  const int64_t limit = ClampSize(size);
  // One more than the page tells whether another page follows.
  ATRIUM_ASSIGN_OR_RETURN(
      auto sessions, store_.ListSessions(filter, clock_.Now(), after, limit + 1, with_identity));
  KeysetPage out;
  out.size = limit;
  if (static_cast<int64_t>(sessions.size()) > limit) {
    sessions.resize(static_cast<size_t>(limit));
    out.next = SessionCursor{sessions.back().issued_at, sessions.back().id};
  }
  out.sessions = std::move(sessions);
  return out;
}

Result<Session> Management::Get(std::string_view session_id) const {
  ATRIUM_ASSIGN_OR_RETURN(auto found, store_.GetSession(session_id));
  if (!found) {
    return ResourceNotFound();
  }
  return std::move(*found);
}

Status Management::Revoke(std::string_view session_id) const {
  ATRIUM_ASSIGN_OR_RETURN(const bool found, store_.RevokeSession(session_id));
  return found ? OkStatus() : Status(ResourceNotFound());
}

Result<Session> Management::Extend(std::string_view session_id) const {
  ATRIUM_ASSIGN_OR_RETURN(Session s, Get(session_id));
  const Timestamp now = clock_.Now();
  const Duration window = options_.earliest_possible_extend.value_or(options_.lifespan);
  if (s.expires_at - window >= now) {
    return s;  // not yet: the call succeeds and changes nothing
  }
  s.expires_at = TruncateToMicros(now) + options_.lifespan;
  ATRIUM_ASSIGN_OR_RETURN(const bool found, store_.SetSessionExpiry(s.id, s.expires_at));
  if (!found) {
    return ResourceNotFound();  // deleted in between
  }
  return s;
}

Result<SessionSlice> Management::ListOfIdentity(std::string_view identity_id, ActiveFilter filter,
                                                PageRequest page) const {
  return store_.ListSessionsOfIdentity(identity_id, "", filter, clock_.Now(), OffsetOf(page),
                                       LimitOf(page));
}

Status Management::DeleteOfIdentity(std::string_view identity_id) const {
  ATRIUM_ASSIGN_OR_RETURN(const int64_t deleted, store_.DeleteSessionsOfIdentity(identity_id));
  return deleted > 0 ? OkStatus() : Status(ResourceNotFound());
}

SessionCursor FirstCursor() {
  // 2200-12-31T23:59:59Z
  return SessionCursor{Timestamp(std::chrono::seconds(7289654399)), std::string(kNilUuid)};
}

Error ResourceNotFound() {
  return Error::NotFound("").WithMessage("Unable to locate the resource");
}

Error NoValidSessionCookie() {
  return Error{ErrorCode::kUnauthenticated, "No valid session cookie found.", {}, {}, {}, {}};
}

}  // namespace atrium::session

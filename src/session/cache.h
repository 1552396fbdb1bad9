#pragma once
// The whoami cache (docs/compat.md "Session cache"): the active sessions recently presented,
// keyed by token digest, each with its whoami JSON serialized once. It never serves a session
// past its expiry, and never longer than the TTL after it was read from the store; every write
// that revokes, changes or deletes a session or changes an identity reaches it through
// SessionChanges (the store reports its own writes at once, and on PostgreSQL the writes of
// other instances through LISTEN/NOTIFY).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/lru_cache.h"
#include "session/session.h"

namespace atrium::session {

// What a store reports after a committed write, so that caches drop what it changed.
// Implementations must be cheap and thread-safe; they are called from the writing thread (and
// from a notification listener).
class SessionChanges {
 public:
  virtual ~SessionChanges() = default;
  // The session with this id was revoked, changed or deleted.
  virtual void SessionChanged(std::string_view session_id) = 0;
  // The identity (its state, traits or addresses) or every session of it changed.
  virtual void IdentityChanged(std::string_view identity_id) = 0;
  // Changes may have been missed (a notification feed was down): forget everything.
  virtual void EverythingChanged() = 0;
  // Whether changes made elsewhere reach this process now. While they do not, nothing cached
  // may be served (the feed of another instance's writes is down).
  virtual void SetFeedUp(bool up) = 0;
};

// A session as whoami answers it: the session and its JSON, serialized once.
struct CachedSession {
  Session session;
  std::string body;  // the JSON document, newline-terminated, as written on the wire
};

class SessionCache final : public SessionChanges {
 public:
  // `capacity` entries at most, each served for `ttl` at most; `clock` must outlive the cache.
  // The feed starts up (a single process, or SQLite): call SetFeedUp(false) before serving when
  // changes of other processes come through a feed that is not connected yet.
  SessionCache(std::size_t capacity, Duration ttl, const Clock& clock);

  // The cached session for this token digest, if it was read less than the TTL ago, has not
  // expired as of now, nothing invalidated it, and the feed is up.
  std::shared_ptr<const CachedSession> Get(const std::string& digest);

  // The invalidation generation: read it before reading the store, pass it to Put.
  uint64_t Generation() const { return generation_.load(std::memory_order_acquire); }
  // Caches an active session read from the store after Generation() returned `generation`.
  // Dropped if anything was invalidated since (the read may predate the write), or if the feed
  // is down.
  void Put(const std::string& digest, std::shared_ptr<const CachedSession> entry,
           uint64_t generation);

  void SessionChanged(std::string_view session_id) override;
  void IdentityChanged(std::string_view identity_id) override;
  void EverythingChanged() override;
  void SetFeedUp(bool up) override;

  std::size_t size() const { return lru_.size(); }

 private:
  const Clock& clock_;
  LruCache<std::string, std::shared_ptr<const CachedSession>> lru_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> feed_up_{true};
  // Serializes invalidations with Put, so that a Put never lands after an invalidation that
  // its read predates.
  std::mutex write_mu_;
};

}  // namespace atrium::session

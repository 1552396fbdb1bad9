#include "session/cache.h"

namespace atrium::session {

SessionCache::SessionCache(std::size_t capacity, Duration ttl, const Clock& clock)
    : clock_(clock), lru_(capacity, ttl, clock) {}

std::shared_ptr<const CachedSession> SessionCache::Get(const std::string& digest) {
  if (!feed_up_.load(std::memory_order_acquire)) {
    return nullptr;
  }
  auto found = lru_.Get(digest);
  if (!found || !*found) {
    return nullptr;
  }
  // Expiry is checked on every hit: an entry read a moment before its session expired is
  // never served after.
  if (clock_.Now() >= (*found)->session.expires_at) {
    return nullptr;
  }
  return std::move(*found);
}

void SessionCache::Put(const std::string& digest, std::shared_ptr<const CachedSession> entry,
                       uint64_t generation) {
  std::lock_guard lock(write_mu_);
  if (!feed_up_.load(std::memory_order_acquire) ||
      generation_.load(std::memory_order_acquire) != generation) {
    return;
  }
  lru_.Put(digest, std::move(entry));
}

void SessionCache::SessionChanged(std::string_view session_id) {
  std::lock_guard lock(write_mu_);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  lru_.EraseIf(
      [&](const std::shared_ptr<const CachedSession>& e) { return e->session.id == session_id; });
}

void SessionCache::IdentityChanged(std::string_view identity_id) {
  std::lock_guard lock(write_mu_);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  lru_.EraseIf([&](const std::shared_ptr<const CachedSession>& e) {
    return e->session.identity_id == identity_id;
  });
}

void SessionCache::EverythingChanged() {
  std::lock_guard lock(write_mu_);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  lru_.Clear();
}

void SessionCache::SetFeedUp(bool up) {
  std::lock_guard lock(write_mu_);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  if (up) {
    lru_.Clear();  // whatever was cached before the feed came (back) may have missed changes
  }
  feed_up_.store(up, std::memory_order_release);
}

}  // namespace atrium::session

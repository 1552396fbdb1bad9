#pragma once
// A bounded least-recently-used cache whose entries also expire: for answers of neighbours
// (breach ranges, later JWKS and the like) that must neither grow without limit nor go stale.

#include <cstddef>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>

#include "base/check.h"
#include "base/clock.h"

namespace atrium {

// Holds at most `capacity` entries; an entry is served for `ttl` after it was put, then dropped.
// When full, Put evicts the entry read or written longest ago. Thread-safe; values are copied
// out, so keep them cheap to copy (or hold them in a shared_ptr).
template <typename K, typename V, typename Hash = std::hash<K>>
class LruCache final {
 public:
  // `clock` must outlive the cache.
  LruCache(std::size_t capacity, Duration ttl, const Clock& clock)
      : capacity_(capacity), ttl_(ttl), clock_(clock) {
    ATRIUM_CHECK(capacity > 0, "an LRU cache needs room for one entry");
  }
  LruCache(const LruCache&) = delete;
  LruCache& operator=(const LruCache&) = delete;

  // The value, if present and not expired; marks it as recently used. An expired entry is
  // removed on the way.
  std::optional<V> Get(const K& key) {
    std::lock_guard lock(mu_);
    const auto it = index_.find(key);
    if (it == index_.end()) {
      return std::nullopt;
    }
    if (clock_.Now() >= it->second->expires_at) {
      order_.erase(it->second);
      index_.erase(it);
      return std::nullopt;
    }
    order_.splice(order_.begin(), order_, it->second);
    return it->second->value;
  }

  // Inserts or replaces the value for `key`, fresh for the whole TTL.
  void Put(const K& key, V value) {
    std::lock_guard lock(mu_);
    const Timestamp expires_at = clock_.Now() + ttl_;
    if (const auto it = index_.find(key); it != index_.end()) {
      it->second->value = std::move(value);
      it->second->expires_at = expires_at;
      order_.splice(order_.begin(), order_, it->second);
      return;
    }
    if (index_.size() >= capacity_) {
      index_.erase(order_.back().key);
      order_.pop_back();
    }
    order_.push_front(Entry{key, std::move(value), expires_at});
    index_.emplace(key, order_.begin());
  }

  // Drops every entry whose value satisfies `pred` (a scan: for rare invalidations).
  template <typename Pred>
  void EraseIf(Pred pred) {
    std::lock_guard lock(mu_);
    for (auto it = order_.begin(); it != order_.end();) {
      if (pred(it->value)) {
        index_.erase(it->key);
        it = order_.erase(it);
      } else {
        ++it;
      }
    }
  }

  // Drops every entry.
  void Clear() {
    std::lock_guard lock(mu_);
    index_.clear();
    order_.clear();
  }

  // Entries held, expired ones included until they are read or evicted.
  std::size_t size() const {
    std::lock_guard lock(mu_);
    return index_.size();
  }

 private:
  struct Entry {
    K key;
    V value;
    Timestamp expires_at;
  };

  // Constant after construction.
  const std::size_t capacity_;
  const Duration ttl_;
  const Clock& clock_;

  // State below is protected by mu_. `order_` runs from most to least recently used.
  mutable std::mutex mu_;
  std::list<Entry> order_;
  std::unordered_map<K, typename std::list<Entry>::iterator, Hash> index_;
};

}  // namespace atrium

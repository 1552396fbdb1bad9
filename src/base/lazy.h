#pragma once
// A value made by the first caller that needs it and shared by every caller after (thread-safe).
// For work a server may never need, or not before its first request: loading a library, deriving
// a key. A value that is never asked for costs nothing, neither time at start nor memory. After the
// first call, Get is one atomic load.

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <utility>

namespace atrium {

template <typename T>
class Lazy {
 public:
  explicit Lazy(std::function<T()> make) : make_(std::move(make)) {}
  Lazy(const Lazy&) = delete;
  Lazy& operator=(const Lazy&) = delete;

  const T& Get() const {
    if (const T* value = ready_.load(std::memory_order_acquire)) {
      return *value;
    }
    std::call_once(once_, [this] {
      value_.emplace(make_());
      ready_.store(&*value_, std::memory_order_release);
    });
    return *value_;
  }

 private:
  const std::function<T()> make_;
  mutable std::once_flag once_;
  mutable std::optional<T> value_;                // set once, under once_
  mutable std::atomic<const T*> ready_{nullptr};  // the value, once made
};

}  // namespace atrium

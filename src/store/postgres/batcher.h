#pragma once
// One thread that takes whatever has queued since it last looked and handles it all at once:
// many waiting requests cost one round trip to the database instead of one each.

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "base/threads.h"

namespace atrium::store {

template <typename Item>
class Batcher {
 public:
  // Called on the batcher's thread with every item queued since the last call (never empty). It
  // must not throw: nothing would answer the items.
  using Handle = std::function<void(std::vector<Item>& batch)>;

  explicit Batcher(Handle handle) : handle_(std::move(handle)) {}
  ~Batcher() { Stop(); }
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  // Queues `item`; the thread starts with the first one. false (the item dropped) once stopping.
  bool Push(Item item) {
    std::unique_lock lock(mu_);
    if (stopping_) {
      return false;
    }
    if (!thread_.joinable()) {
      thread_ = std::thread([this] { Run(); });
    }
    queued_.push_back(std::move(item));
    const bool first = queued_.size() == 1;
    lock.unlock();
    if (first) {
      ready_.notify_one();
    }
    return true;
  }

  // Handles what is still queued, then ends the thread. Call it before anything `handle` uses
  // goes away; later pushes are refused.
  void Stop() {
    {
      const std::lock_guard lock(mu_);
      stopping_ = true;
    }
    ready_.notify_one();
    if (thread_.joinable()) {
      thread_.join();
    }
  }

 private:
  void Run() {
    BlockSignalsOnThisThread();
    NameThisThread("pg-batch");
    std::unique_lock lock(mu_);
    for (;;) {
      ready_.wait(lock, [this] { return stopping_ || !queued_.empty(); });
      if (queued_.empty()) {
        return;  // stopping, nothing left
      }
      std::vector<Item> batch;
      batch.swap(queued_);
      lock.unlock();
      handle_(batch);
      lock.lock();
    }
  }

  const Handle handle_;
  std::mutex mu_;
  std::condition_variable ready_;
  std::vector<Item> queued_;  // protected by mu_
  bool stopping_ = false;     // protected by mu_
  std::thread thread_;        // started by the first Push
};

}  // namespace atrium::store

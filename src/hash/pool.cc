#include <unistd.h>

#include <future>

#include <sys/resource.h>

#include "base/threads.h"
#include "hash/hasher.h"

namespace atrium::hash {

HashPool::HashPool(const Hasher& hasher, int workers, int queue_capacity)
    : hasher_(hasher), capacity_(static_cast<std::size_t>(std::max(1, queue_capacity))) {
  for (int i = 0; i < std::max(1, workers); ++i) {
    threads_.emplace_back([this] {
      NameThisThread("atrium-hash");
      Work();
    });
  }
}

HashPool::~HashPool() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  has_job_.notify_all();
  for (auto& t : threads_) {
    t.join();
  }
}

std::size_t HashPool::QueueLength() const {
  const std::lock_guard lock(mu_);
  return jobs_.size();
}

void HashPool::Submit(std::function<void()> job) {
  const auto submitted = std::chrono::steady_clock::now();
  std::unique_lock lock(mu_);
  has_room_.wait(lock, [this] { return jobs_.size() < capacity_; });
  jobs_.push_back(Job{std::move(job), submitted});
  lock.unlock();
  has_job_.notify_one();
}

void HashPool::Work() {
  for (;;) {
    std::unique_lock lock(mu_);
    has_job_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) {
      return;  // stopping, and every queued job has run
    }
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    has_room_.notify_one();
    if (observe_wait_) {
      observe_wait_(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - job.submitted).count());
    }
    busy_.fetch_add(1, std::memory_order_relaxed);
    job.run();
    busy_.fetch_sub(1, std::memory_order_relaxed);
  }
}

Result<std::string> HashPool::Hash(std::string_view password) {
  std::promise<Result<std::string>> done;
  auto result = done.get_future();
  Submit([&] { done.set_value(hasher_.Hash(password)); });
  return result.get();
}

Result<bool> HashPool::Verify(std::string_view password, std::string_view encoded) {
  std::promise<Result<bool>> done;
  auto result = done.get_future();
  Submit([&] { done.set_value(VerifyPassword(password, encoded)); });
  return result.get();
}

}  // namespace atrium::hash

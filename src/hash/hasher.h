#pragma once
// Password hashing: argon2id (default, PHC string "$argon2id$v=19$m=...,t=...,p=...$salt$hash")
// and bcrypt ("$2a$<cost>$..."). Either hasher verifies both formats, so switching the
// algorithm never locks anybody out. Hashing is CPU- and memory-heavy: it runs on a bounded
// HashPool, never on I/O threads.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/result.h"

namespace atrium::hash {

// bcrypt reads at most this many bytes of a password; longer ones are refused (Kratos: 4000033).
inline constexpr size_t kBcryptMaxBytes = 72;

// Plain parameters, so that hashing depends on nothing but base: the composition root copies
// the configuration (config::Hashers) into them. The defaults are the configuration's defaults
// (hash_test.cc checks that they agree).
struct Argon2Params {
  uint32_t memory_kib = 19 * 1024;  // OWASP: m=19 MiB, t=2, p=1
  uint32_t iterations = 2;
  uint32_t parallelism = 1;
  uint32_t salt_length = 16;
  uint32_t key_length = 32;
};

struct HasherOptions {
  std::string algorithm = "argon2";  // "argon2" or "bcrypt"
  Argon2Params argon2;
  int bcrypt_cost = 12;
};

class Hasher {
 public:
  virtual ~Hasher() = default;
  virtual Result<std::string> Hash(std::string_view password) const = 0;
  // Whether `encoded` was made by this algorithm with these parameters; a stored hash that is
  // not is re-hashed after the next successful sign-in.
  virtual bool IsCurrent(std::string_view encoded) const = 0;
};

class Argon2idHasher final : public Hasher {
 public:
  explicit Argon2idHasher(Argon2Params params) : params_(params) {}
  Result<std::string> Hash(std::string_view password) const override;
  bool IsCurrent(std::string_view encoded) const override;

 private:
  Argon2Params params_;
};

class BcryptHasher final : public Hasher {
 public:
  explicit BcryptHasher(int cost) : cost_(cost) {}
  // Passwords longer than 72 bytes are InvalidArgument (callers report 4000033 first).
  Result<std::string> Hash(std::string_view password) const override;
  bool IsCurrent(std::string_view encoded) const override;

 private:
  int cost_;
};

// True when `password` matches `encoded` (argon2id, argon2i, bcrypt $2a$/$2b$/$2y$).
// Comparison of the derived keys is constant-time. Unknown formats are InvalidArgument.
Result<bool> VerifyPassword(std::string_view password, std::string_view encoded);

std::unique_ptr<Hasher> MakeHasher(const HasherOptions& options);

// A fixed set of threads that run hash and verify jobs. At most `workers` hashes run at once,
// which bounds hashing memory (workers x argon2 memory). At most `queue_capacity` jobs wait;
// further callers block until there is room (back-pressure, never dropped, never unbounded).
class HashPool final {
 public:
  HashPool(const Hasher& hasher, int workers, int queue_capacity);
  ~HashPool();
  HashPool(const HashPool&) = delete;
  HashPool& operator=(const HashPool&) = delete;

  // Blocking: returns when the job has run on a pool thread.
  Result<std::string> Hash(std::string_view password);
  Result<bool> Verify(std::string_view password, std::string_view encoded);
  // Hasher::IsCurrent of the pool's hasher (cheap: runs on the caller's thread).
  bool IsCurrent(std::string_view encoded) const { return hasher_.IsCurrent(encoded); }

  // For metrics: jobs waiting for a thread, and threads running a job, right now.
  std::size_t QueueLength() const;
  int Busy() const { return busy_.load(std::memory_order_relaxed); }
  int Threads() const { return static_cast<int>(threads_.size()); }
  // Called on a pool thread with the seconds each job waited for a thread (queue and room).
  // Set before the pool is used.
  void SetWaitObserver(std::function<void(double)> observe) { observe_wait_ = std::move(observe); }

 private:
  struct Job {
    std::function<void()> run;
    std::chrono::steady_clock::time_point submitted;
  };
  void Submit(std::function<void()> job);
  void Work();

  const Hasher& hasher_;
  const std::size_t capacity_;
  std::function<void(double)> observe_wait_;
  std::atomic<int> busy_{0};
  mutable std::mutex mu_;
  std::condition_variable has_job_;
  std::condition_variable has_room_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace atrium::hash

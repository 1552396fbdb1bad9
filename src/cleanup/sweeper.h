#pragma once
// Housekeeping: deletes expired flows, sessions and sign-in failure counters and old error
// records in small batches, so
// that the tables do not grow without bound and sign-ups never wait behind a long delete. Used
// by `atrium cleanup` (one sweep) and by `atrium serve` (a sweep every cleanup.interval).

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "base/clock.h"
#include "base/result.h"
#include "config/config.h"
#include "store/database.h"

namespace atrium::cleanup {

struct Counts {
  int64_t flows = 0;
  int64_t sessions = 0;
  int64_t errors = 0;
  int64_t login_attempts = 0;  // sign-in failure counters past their use
};

class Sweeper final {
 public:
  // References must outlive the sweeper.
  Sweeper(store::Database& db, const config::Cleanup& options, const Clock& clock);
  ~Sweeper();  // stops the background thread
  Sweeper(const Sweeper&) = delete;
  Sweeper& operator=(const Sweeper&) = delete;

  // One sweep over every table, batch by batch. The first store error ends it (Unavailable).
  Result<Counts> RunOnce();

  // Sweeps every `interval` on a background thread until Stop() (nothing when the interval is
  // zero). Errors are logged and the next sweep tries again.
  void Start();
  void Stop();

 private:
  // Deletes one kind until a batch comes back short; false when stopped while pausing.
  Result<int64_t> Drain(store::StaleKind kind, Timestamp cutoff);
  // Waits up to `d`; false when Stop() was called meanwhile.
  bool Pause(Duration d);

  store::Database& db_;
  const config::Cleanup& options_;
  const Clock& clock_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace atrium::cleanup

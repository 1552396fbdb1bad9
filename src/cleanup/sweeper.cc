#include "cleanup/sweeper.h"

#include "base/log.h"
#include "base/threads.h"

namespace atrium::cleanup {
namespace {

// Between two batches of one table: long enough for a waiting sign-up to take the write lock.
constexpr auto kBetweenBatches = std::chrono::milliseconds(5);

}  // namespace

Sweeper::Sweeper(store::Database& db, const config::Cleanup& options, const Clock& clock)
    : db_(db), options_(options), clock_(clock) {}

Sweeper::~Sweeper() { Stop(); }

bool Sweeper::Pause(Duration d) {
  std::unique_lock lock(mu_);
  return !wake_.wait_for(lock, d, [this] { return stopping_; });
}

Result<int64_t> Sweeper::Drain(store::StaleKind kind, Timestamp cutoff) {
  int64_t total = 0;
  for (;;) {
    ATRIUM_ASSIGN_OR_RETURN(const int64_t n, db_.DeleteStale(kind, cutoff, options_.batch_size));
    total += n;
    if (n < options_.batch_size || !Pause(kBetweenBatches)) {
      return total;
    }
  }
}

Result<Counts> Sweeper::RunOnce() {
  const Timestamp now = clock_.Now();
  Counts counts;
  ATRIUM_ASSIGN_OR_RETURN(counts.flows, Drain(store::StaleKind::kFlows, now - options_.older_than));
  if (!Pause(options_.sleep_tables)) {
    return counts;
  }
  ATRIUM_ASSIGN_OR_RETURN(counts.sessions,
                          Drain(store::StaleKind::kSessions, now - options_.older_than));
  if (!Pause(options_.sleep_tables)) {
    return counts;
  }
  ATRIUM_ASSIGN_OR_RETURN(counts.errors,
                          Drain(store::StaleKind::kErrors, now - options_.error_retention));
  if (!Pause(options_.sleep_tables)) {
    return counts;
  }
  ATRIUM_ASSIGN_OR_RETURN(counts.login_attempts,
                          Drain(store::StaleKind::kLoginAttempts, now - options_.older_than));
  return counts;
}

void Sweeper::Start() {
  if (options_.interval <= Duration::zero() || thread_.joinable()) {
    return;
  }
  thread_ = std::thread([this] {
    NameThisThread("atrium-sweep");
    while (Pause(options_.interval)) {
      const auto swept = RunOnce();
      if (!swept.ok()) {
        LogWarning("cleanup: {}", swept.error().reason);
      } else if (swept->flows + swept->sessions + swept->errors + swept->login_attempts > 0) {
        LogInfo(
            "cleanup: deleted {} expired flows, {} expired sessions, {} old errors, {} expired "
            "sign-in failure counters",
            swept->flows, swept->sessions, swept->errors, swept->login_attempts);
      }
    }
  });
}

void Sweeper::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

}  // namespace atrium::cleanup

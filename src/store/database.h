#pragma once
// Everything the application needs from one database backend: the domain's store interfaces
// plus schema management. SQLite (store/sqlite) and PostgreSQL (store/postgres) implement it.

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "base/result.h"
#include "courier/outbox.h"
#include "flow/error_store.h"
#include "identity/store.h"
#include "login/store.h"
#include "login/throttle.h"
#include "otp/codes.h"
#include "registration/store.h"
#include "session/cache.h"
#include "session/session.h"
#include "session/token_exchange.h"
#include "verification/store.h"

namespace atrium::store {

enum class StaleKind { kFlows, kSessions, kErrors, kLoginAttempts };

// Where a store reports its committed writes that change what whoami shows
// (Database::ReportSessionChanges); reports go nowhere until a sink is set. Thread-safe.
class SessionChangeReports {
 public:
  void SetSink(session::SessionChanges& sink) { sink_.store(&sink); }
  void SessionChanged(std::string_view session_id) const {
    if (auto* sink = sink_.load()) {
      sink->SessionChanged(session_id);
    }
  }
  void IdentityChanged(std::string_view identity_id) const {
    if (auto* sink = sink_.load()) {
      sink->IdentityChanged(identity_id);
    }
  }

 private:
  std::atomic<session::SessionChanges*> sink_{nullptr};
};

class Database : public registration::FlowStore,
                 public registration::RegistrationStore,
                 public login::FlowStore,
                 public login::AttemptStore,
                 public identity::IdentityStore,
                 public session::SessionStore,
                 public flow::ErrorStore,
                 public otp::CodeStore,
                 public verification::FlowStore,
                 public verification::AddressStore,
                 public courier::Outbox,
                 public session::TokenExchangeStore {
 public:
  ~Database() override = default;

  // Applies pending versioned migrations (safe when several instances start together).
  virtual Status Migrate() = 0;
  // Number of migrations not yet applied.
  virtual Result<int> PendingMigrations() = 0;
  // A trivial query; Unavailable when the database cannot answer.
  virtual Status Ping() = 0;
  // The value stored under `name`, or `make()` stored atomically on first use (dev secrets).
  virtual Result<std::string> GetOrCreateSecret(std::string_view name,
                                                const std::function<std::string()>& make) = 0;

  // Housekeeping: deletes at most `limit` rows that are stale at `cutoff`, in one short
  // transaction, and returns how many went. Flows, sessions and sign-in failure counters are
  // stale when they expired before `cutoff`, error records when they were created before it.
  virtual Result<int64_t> DeleteStale(StaleKind kind, Timestamp cutoff, int limit) = 0;

  // From now on, reports every committed write that revokes, changes or deletes a session or
  // changes an identity to `sink` (which must outlive the store), including, on PostgreSQL, the
  // writes of other instances (LISTEN/NOTIFY; the sink learns when that feed is down). Call once,
  // before serving.
  virtual void ReportSessionChanges(session::SessionChanges& sink) = 0;

  // For metrics: the connection pool right now, and how many database operations of this
  // process failed other than by a uniqueness conflict (connections, timeouts, statements).
  struct PoolStats {
    int size = 0;
    int in_use = 0;
    std::uint64_t errors = 0;
  };
  virtual PoolStats Pool() const { return {}; }
  // For metrics: courier messages still to deliver, {queued, processing}.
  virtual Result<std::pair<int64_t, int64_t>> PendingMessages() {
    return Error::Unavailable("not counted by this store");
  }
};

}  // namespace atrium::store

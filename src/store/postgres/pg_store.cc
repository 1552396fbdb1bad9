#include "store/postgres/pg_store.h"

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <span>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "store/outbox_rows.h"
#include "store/postgres/batcher.h"
#include "store/postgres/libpq.h"
#include "store/postgres/pg_listener.h"
#include "store/records.h"

namespace atrium::store {
namespace {

// Store failures of this process (metrics: Database::Pool).
std::atomic<std::uint64_t> g_errors{0};

constexpr const char* kUniqueViolation = "23505";

bool Retryable(const std::string& sqlstate) {
  return sqlstate == "40001" || sqlstate == "40P01";  // serialization failure, deadlock
}

// Serializes migrators across instances for the duration of one transaction.
constexpr const char* kMigrationLock = "SELECT pg_advisory_xact_lock(7283746)";

// One connection with the names of the statements prepared on it.
class Conn {
 public:
  explicit Conn(PGconn* c) : c_(c) {}
  ~Conn() { Pq().finish(c_); }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  PGconn* get() const { return c_; }
  // False once the server is gone or the connection was left in a state nobody can vouch for.
  bool Healthy() const { return !abandoned_ && Pq().status(c_) == CONNECTION_OK; }
  void Abandon() { abandoned_ = true; }
  bool Prepared(const std::string& name) const { return prepared_.contains(name); }
  void MarkPrepared(std::string name) { prepared_.insert(std::move(name)); }
  void ForgetPrepared(const std::string& name) { prepared_.erase(name); }

 private:
  PGconn* c_;
  std::set<std::string> prepared_;
  bool abandoned_ = false;
};

using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

// The name a statement is prepared under on every connection: its SQL literal's address.
std::string StatementName(const char* sql) {
  return "q" + std::to_string(reinterpret_cast<std::uintptr_t>(sql));
}

// The shared records code on a libpq connection. Remembers the SQLSTATE of the last failure
// so that transactions can retry serialization failures.
//
// A transaction runs in libpq's pipeline mode until it needs an answer: BEGIN and every Send go
// out without waiting, and their answers are read together (Flush) when a Query or Execute needs
// the server's answer or at COMMIT. A registration's BEGIN, seven inserts and COMMIT are one
// round trip instead of nine.
class PgExecutor final : public Executor {
 public:
  explicit PgExecutor(Conn& conn) : conn_(conn) {}
  PgExecutor(const PgExecutor&) = delete;
  PgExecutor& operator=(const PgExecutor&) = delete;
  ~PgExecutor() override {
    if (pipelined_) {
      (void)Flush();
    }
  }

  Result<std::vector<Row>> Query(const char* sql, const Params& params) override {
    ATRIUM_RETURN_IF_ERROR(FlushIfPipelined());
    ATRIUM_ASSIGN_OR_RETURN(ResultPtr r, Run(sql, params));
    const LibPq& pq = Pq();
    std::vector<Row> rows(static_cast<size_t>(pq.ntuples(r.get())));
    const int columns = pq.nfields(r.get());
    for (size_t i = 0; i < rows.size(); ++i) {
      const int row = static_cast<int>(i);
      for (int c = 0; c < columns; ++c) {
        rows[i].push_back(pq.getisnull(r.get(), row, c) ? Value()
                                                        : Value(pq.getvalue(r.get(), row, c)));
      }
    }
    return rows;
  }

  Result<int64_t> Execute(const char* sql, const Params& params) override {
    ATRIUM_RETURN_IF_ERROR(FlushIfPipelined());
    ATRIUM_ASSIGN_OR_RETURN(ResultPtr r, Run(sql, params));
    return static_cast<int64_t>(std::atoll(Pq().cmdTuples(r.get())));
  }

  Status Send(const char* sql, const Params& params, const OnFailure& on_failure) override {
    if (!pipelined_) {
      return Executor::Send(sql, params, on_failure);
    }
    const std::string name = StatementName(sql);
    if (!conn_.Prepared(name)) {
      if (Pq().sendPrepare(conn_.get(), name.c_str(), sql, static_cast<int>(params.size()),
                           nullptr) != 1) {
        return Lost("prepare");
      }
      conn_.MarkPrepared(name);
      pending_.push_back(Pending{nullptr, name});
    }
    const std::vector<const char*> values = Values(params);
    if (Pq().sendQueryPrepared(conn_.get(), name.c_str(), static_cast<int>(values.size()),
                               values.data(), nullptr, nullptr, 0) != 1) {
      return Lost("query");
    }
    pending_.push_back(Pending{on_failure, {}});
    return OkStatus();
  }

  // Unprepared SQL without parameters: transaction control, DDL scripts, advisory locks.
  Status Command(const char* sql) {
    ATRIUM_RETURN_IF_ERROR(FlushIfPipelined());
    ResultPtr r(Pq().exec(conn_.get(), sql), Pq().clear);
    return Check(r.get(), "command");
  }

  // BEGIN, sent in pipeline mode (what follows is pipelined until an answer is needed).
  Status Begin() {
    if (Pq().enterPipelineMode(conn_.get()) != 1) {
      return Command("BEGIN");
    }
    pipelined_ = true;
    return SendCommand("BEGIN");
  }

  // COMMIT, and the answers of everything still pipelined: the first failure among them.
  Status Commit() {
    if (!pipelined_) {
      return Command("COMMIT");
    }
    ATRIUM_RETURN_IF_ERROR(SendCommand("COMMIT"));
    return Flush();
  }

  // After a failure: what is still pipelined is read (its outcome no longer matters) and the
  // transaction rolled back.
  void Rollback() {
    if (pipelined_) {
      (void)Flush();
    }
    if (conn_.Healthy()) {  // an abandoned connection is closed, which rolls back too
      (void)Command("ROLLBACK");
    }
  }

  const std::string& last_sqlstate() const { return last_sqlstate_; }

 private:
  // A statement sent in pipeline mode whose answer is still to be read.
  struct Pending {
    OnFailure on_failure;  // none: the failure as it is
    std::string prepared;  // the statement a prepare made, forgotten if the prepare did not run
  };

  static std::vector<const char*> Values(const Params& params) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& v : params) {
      values.push_back(v ? v->c_str() : nullptr);
    }
    return values;
  }

  static bool Succeeded(const PGresult* r) {
    const auto status = Pq().resultStatus(r);
    return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
  }

  // Transaction control in pipeline mode (unnamed, no parameters: PQsendQuery is not allowed).
  Status SendCommand(const char* sql) {
    if (Pq().sendQueryParams(conn_.get(), sql, 0, nullptr, nullptr, nullptr, nullptr, 0) != 1) {
      return Lost(sql);
    }
    pending_.push_back(Pending{nullptr, {}});
    return OkStatus();
  }

  Status FlushIfPipelined() { return pipelined_ ? Flush() : OkStatus(); }

  // Ends the pipeline: a sync, then every pending answer in order. Returns the first failure, as
  // its statement's OnFailure makes it; statements after it were skipped by the server.
  Status Flush() {
    pipelined_ = false;
    std::vector<Pending> pending = std::exchange(pending_, {});
    const LibPq& pq = Pq();
    if (pq.pipelineSync(conn_.get()) != 1) {
      return Lost("sync");
    }
    Status first = OkStatus();
    for (const Pending& p : pending) {
      ResultPtr r(pq.getResult(conn_.get()), pq.clear);
      if (r == nullptr) {
        return Lost("pipelined answer");
      }
      // Each statement's answer ends with a null result.
      while (PGresult* extra = pq.getResult(conn_.get())) {
        pq.clear(extra);
      }
      if (Succeeded(r.get())) {
        continue;
      }
      if (!p.prepared.empty()) {
        conn_.ForgetPrepared(p.prepared);
      }
      if (pq.resultStatus(r.get()) == PGRES_PIPELINE_ABORTED || !first.ok()) {
        continue;
      }
      Status failed = Check(r.get(), "pipelined statement");
      first = p.on_failure ? Status(p.on_failure(std::move(failed).error())) : std::move(failed);
    }
    ResultPtr sync(pq.getResult(conn_.get()), pq.clear);
    if (sync == nullptr || pq.resultStatus(sync.get()) != PGRES_PIPELINE_SYNC ||
        pq.exitPipelineMode(conn_.get()) != 1) {
      return Lost("pipeline end");
    }
    return first;
  }

  // The connection is in a state this code cannot vouch for (the server gone, or libpq refused a
  // pipeline step): it is dropped when its lease ends.
  Status Lost(std::string_view what) {
    pipelined_ = false;
    pending_.clear();
    conn_.Abandon();
    last_sqlstate_.clear();
    g_errors.fetch_add(1, std::memory_order_relaxed);
    return Error::Unavailable("postgres " + std::string(what) + ": " +
                              std::string(TrimSpace(Pq().errorMessage(conn_.get()))));
  }

  Result<ResultPtr> Run(const char* sql, const Params& params) {
    const std::string name = StatementName(sql);
    if (!conn_.Prepared(name)) {
      ResultPtr prepared(
          Pq().prepare(conn_.get(), name.c_str(), sql, static_cast<int>(params.size()), nullptr),
          Pq().clear);
      ATRIUM_RETURN_IF_ERROR(Check(prepared.get(), "prepare"));
      conn_.MarkPrepared(name);
    }
    const std::vector<const char*> values = Values(params);
    ResultPtr r(Pq().execPrepared(conn_.get(), name.c_str(), static_cast<int>(values.size()),
                                  values.data(), nullptr, nullptr, 0),
                Pq().clear);
    ATRIUM_RETURN_IF_ERROR(Check(r.get(), "query"));
    return r;
  }

  Status Check(PGresult* r, std::string_view what) {
    if (Succeeded(r)) {
      return OkStatus();
    }
    const char* state = r != nullptr ? Pq().resultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    last_sqlstate_ = state != nullptr ? state : "";
    const std::string message =
        "postgres " + std::string(what) + ": " +
        std::string(
            TrimSpace(r != nullptr ? Pq().resultErrorMessage(r) : Pq().errorMessage(conn_.get())));
    if (last_sqlstate_ == kUniqueViolation) {
      return Error::Conflict(message);
    }
    g_errors.fetch_add(1, std::memory_order_relaxed);
    return Error::Unavailable(message);
  }

  Conn& conn_;
  std::string last_sqlstate_;
  bool pipelined_ = false;
  std::vector<Pending> pending_;
};

}  // namespace

// Timestamps are BIGINT nanoseconds since the epoch; JSON is TEXT (key order is significant).
// Append only: never edit a released migration.
const std::vector<Migration>& PgMigrations() {
  static const std::vector<Migration> migrations = {
      {1, "identities", R"sql(
CREATE TABLE identities (
  id TEXT PRIMARY KEY, schema_id TEXT NOT NULL, state TEXT NOT NULL,
  state_changed_at BIGINT NOT NULL, traits TEXT NOT NULL, metadata_public TEXT,
  metadata_admin TEXT, organization_id TEXT, created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL);
CREATE TABLE identity_credentials (
  id TEXT PRIMARY KEY, identity_id TEXT NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
  type TEXT NOT NULL, config TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, UNIQUE (identity_id, type));
CREATE TABLE identity_credential_identifiers (
  id TEXT PRIMARY KEY,
  credential_id TEXT NOT NULL REFERENCES identity_credentials(id) ON DELETE CASCADE,
  identity_id TEXT NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
  type TEXT NOT NULL, identifier TEXT NOT NULL, position INTEGER NOT NULL,
  UNIQUE (type, identifier));
CREATE TABLE identity_verifiable_addresses (
  id TEXT PRIMARY KEY, identity_id TEXT NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
  via TEXT NOT NULL, value TEXT NOT NULL, verified BOOLEAN NOT NULL, status TEXT NOT NULL,
  verified_at BIGINT, position INTEGER NOT NULL, created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL, UNIQUE (via, value));
CREATE TABLE identity_recovery_addresses (
  id TEXT PRIMARY KEY, identity_id TEXT NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
  via TEXT NOT NULL, value TEXT NOT NULL, position INTEGER NOT NULL,
  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, UNIQUE (via, value));
CREATE INDEX identity_credentials_identity ON identity_credentials(identity_id);
CREATE INDEX identity_credential_identifiers_identity ON identity_credential_identifiers(identity_id);
CREATE INDEX identity_verifiable_addresses_identity ON identity_verifiable_addresses(identity_id);
CREATE INDEX identity_recovery_addresses_identity ON identity_recovery_addresses(identity_id);
CREATE INDEX identity_verifiable_addresses_value ON identity_verifiable_addresses(value);
CREATE INDEX identity_recovery_addresses_value ON identity_recovery_addresses(value);
)sql"},
      {2, "sessions", R"sql(
CREATE TABLE sessions (
  id TEXT PRIMARY KEY, token TEXT NOT NULL UNIQUE,
  identity_id TEXT NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
  active BOOLEAN NOT NULL, aal TEXT NOT NULL, authentication_methods TEXT NOT NULL,
  issued_at BIGINT NOT NULL, authenticated_at BIGINT NOT NULL, expires_at BIGINT NOT NULL);
CREATE TABLE session_devices (
  id TEXT PRIMARY KEY, session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  ip_address TEXT NOT NULL, user_agent TEXT, location TEXT NOT NULL, position INTEGER NOT NULL);
CREATE INDEX session_devices_session ON session_devices(session_id);
)sql"},
      {3, "self-service flows, errors and secrets", R"sql(
CREATE TABLE selfservice_registration_flows (
  id TEXT PRIMARY KEY, type TEXT NOT NULL, expires_at BIGINT NOT NULL, data TEXT NOT NULL,
  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);
CREATE INDEX selfservice_registration_flows_expires ON selfservice_registration_flows(expires_at);
CREATE TABLE selfservice_errors (
  id TEXT PRIMARY KEY, error TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);
CREATE TABLE secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL, created_at BIGINT NOT NULL);
)sql"},
      // Sessions are looked up by the digest of their token; the token itself is never stored.
      {4, "session token digests", R"sql(
ALTER TABLE sessions RENAME COLUMN token TO token_digest;
UPDATE sessions SET token_digest = encode(sha256(convert_to(token_digest, 'UTF8')), 'hex');
)sql"},
      {5, "login flows", R"sql(
CREATE TABLE selfservice_login_flows (
  id TEXT PRIMARY KEY, type TEXT NOT NULL, expires_at BIGINT NOT NULL, data TEXT NOT NULL,
  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);
CREATE INDEX selfservice_login_flows_expires ON selfservice_login_flows(expires_at);
CREATE INDEX sessions_identity ON sessions(identity_id);
)sql"},
      // Sign-in failure counters of the login throttle (Atrium only).
      {6, "login attempts", R"sql(
CREATE TABLE login_attempts (
  attempt_key TEXT PRIMARY KEY, failures BIGINT NOT NULL, last_failure BIGINT NOT NULL,
  expires_at BIGINT NOT NULL);
CREATE INDEX login_attempts_expires ON login_attempts(expires_at);
)sql"},
      // The keyset order of GET /admin/sessions (issued_at descending, then id).
      {7, "session listing", R"sql(
CREATE INDEX sessions_issued_at ON sessions(issued_at, id);
)sql"},
      // The courier's durable outbox (see the SQLite migration 8).
      {8, "courier messages", R"sql(
CREATE TABLE courier_messages (
  id TEXT PRIMARY KEY, type TEXT NOT NULL, status TEXT NOT NULL, recipient TEXT NOT NULL,
  subject TEXT NOT NULL, body TEXT NOT NULL, html_body TEXT NOT NULL,
  template_type TEXT NOT NULL, template_data TEXT NOT NULL, send_count INTEGER NOT NULL,
  next_attempt_at BIGINT NOT NULL, lease_owner TEXT, lease_expires_at BIGINT,
  last_error TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);
CREATE INDEX courier_messages_due ON courier_messages(status, next_attempt_at);
CREATE INDEX courier_messages_created ON courier_messages(created_at, id);
)sql"},
      // One-time codes and verification flows (see the SQLite migration 9).
      {9, "one-time codes and verification flows", R"sql(
CREATE TABLE one_time_codes (
  id TEXT PRIMARY KEY, flow_id TEXT NOT NULL, purpose TEXT NOT NULL, address TEXT NOT NULL,
  via TEXT NOT NULL, digest TEXT NOT NULL, expires_at BIGINT NOT NULL, used_at BIGINT,
  retired BOOLEAN NOT NULL, created_at BIGINT NOT NULL);
CREATE INDEX one_time_codes_flow ON one_time_codes(flow_id, purpose);
CREATE INDEX one_time_codes_address ON one_time_codes(address, created_at);
CREATE INDEX one_time_codes_expires ON one_time_codes(expires_at);
CREATE TABLE selfservice_verification_flows (
  id TEXT PRIMARY KEY, type TEXT NOT NULL, expires_at BIGINT NOT NULL, data TEXT NOT NULL,
  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);
CREATE INDEX selfservice_verification_flows_expires ON selfservice_verification_flows(expires_at);
)sql"},
      // The delivery attempts of each message (see the SQLite migration 10).
      {10, "courier dispatches", R"sql(
CREATE TABLE courier_message_dispatches (
  id TEXT PRIMARY KEY,
  message_id TEXT NOT NULL REFERENCES courier_messages(id) ON DELETE CASCADE,
  status TEXT NOT NULL, error TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE INDEX courier_message_dispatches_message ON courier_message_dispatches(message_id, created_at);
CREATE INDEX courier_messages_lease ON courier_messages(status, lease_expires_at);
)sql"},
      // Native apps' session token exchanges (see the SQLite migration 12).
      {12, "session token exchanges", R"sql(
CREATE TABLE session_token_exchanges (
  id TEXT PRIMARY KEY, flow_id TEXT NOT NULL, init_code_digest TEXT NOT NULL,
  return_to_code_digest TEXT NOT NULL, session_id TEXT, sealed_token TEXT NOT NULL,
  expires_at BIGINT NOT NULL, created_at BIGINT NOT NULL);
CREATE INDEX session_token_exchanges_flow ON session_token_exchanges(flow_id);
CREATE INDEX session_token_exchanges_codes ON session_token_exchanges(init_code_digest, return_to_code_digest);
CREATE INDEX session_token_exchanges_expires ON session_token_exchanges(expires_at);
)sql"},
      // Registration flows: the stored answer (see the SQLite migration 13).
      {13, "stored registration flow answers", R"sql(
ALTER TABLE selfservice_registration_flows ADD COLUMN answer TEXT;
)sql"},
      // PostgreSQL only. Flows live an hour or so and the sweeper then deletes them; PostgreSQL's
      // insert-triggered autovacuum (13+) would scan these tables every 20 % of growth to freeze
      // and mark pages of rows that are about to go. After a million flow inits here that was
      // ~40 s of 12-18 % of a core taken from the hashing threads (docs/benchmarks.md). The
      // sweeper's deletes (and flow updates) still trigger the ordinary autovacuum, which
      // reclaims the rows and freezes what stays.
      {14, "no insert-triggered autovacuum of flow tables", R"sql(
ALTER TABLE selfservice_registration_flows SET (autovacuum_vacuum_insert_threshold = -1);
ALTER TABLE selfservice_login_flows SET (autovacuum_vacuum_insert_threshold = -1);
ALTER TABLE selfservice_verification_flows SET (autovacuum_vacuum_insert_threshold = -1);
)sql"},
      // No index that nothing reads (see the SQLite migration 15): identity_credentials
      // (identity_id) repeats the leading column of UNIQUE (identity_id, type), and addresses are
      // looked up by channel and value, which UNIQUE (via, value) serves.
      {15, "indexes that serve the lookups", R"sql(
DROP INDEX identity_credentials_identity;
DROP INDEX identity_verifiable_addresses_value;
DROP INDEX identity_recovery_addresses_value;
)sql"},
      // See the SQLite migration 16.
      {16, "stale sessions and errors by time", R"sql(
CREATE INDEX sessions_expires ON sessions(expires_at);
CREATE INDEX selfservice_errors_created ON selfservice_errors(created_at);
)sql"},
  };
  return migrations;
}

namespace {

// Kratos/pop DSN parameters that libpq does not know: consumed here, never passed on.
const std::set<std::string>& PopParams() {
  static const std::set<std::string> p = {"max_conns", "max_idle_conns", "max_conn_lifetime",
                                          "max_conn_idle_time", "pool_max_conns"};
  return p;
}

}  // namespace

struct PgStore::Impl {
  std::string conninfo;
  PgOptions options;
  std::vector<std::unique_ptr<Conn>> slots;  // null = not connected (yet or any more)
  std::vector<size_t> idle;
  std::mutex mu;
  std::condition_variable available;

  // Flows written later (CreateFlowLater) queue here; one thread inserts whatever has queued in
  // one multi-row INSERT (one round trip, one commit) and then tells each its outcome. If that
  // statement fails, each flow is inserted alone so that each hears its own outcome.
  struct LaterFlow {
    registration::Flow flow;
    flow::StoredDocument doc;
    std::function<void(Status)> done;
  };
  // Fetches of stored answers (GetFlowAnswerLater) queue here; one thread reads whatever has
  // queued in one SELECT and answers each.
  struct LaterFetch {
    std::string id;
    registration::FlowStore::AnswerDone done;
  };
  // Both are stopped (what is queued handled) by the destructor, while the connections live.
  // Their completions must not throw (the API's catch everything).
  Batcher<LaterFlow> later_writes{[this](std::vector<LaterFlow>& batch) {
    ForEachStatement(batch, [this](std::span<LaterFlow> part) { InsertLater(part); });
  }};
  Batcher<LaterFetch> later_fetches{[this](std::vector<LaterFetch>& batch) {
    ForEachStatement(batch, [this](std::span<LaterFetch> part) { FetchLater(part); });
  }};

  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    later_writes.Stop();
    later_fetches.Stop();
  }

  // `run` on each part of `batch` that one statement takes.
  template <typename Item, typename Run>
  static void ForEachStatement(std::vector<Item>& batch, const Run& run) {
    for (std::size_t from = 0; from < batch.size(); from += kMaxFlowsPerStatement) {
      run(std::span(batch).subspan(from, std::min(kMaxFlowsPerStatement, batch.size() - from)));
    }
  }

  void InsertLater(std::span<LaterFlow> part) {
    std::vector<NewFlow> rows;
    rows.reserve(part.size());
    for (const LaterFlow& f : part) {
      rows.push_back(NewFlow{&f.flow, &f.doc});
    }
    Status all = Read([&](Executor& db) { return InsertFlows(db, rows); });
    for (LaterFlow& f : part) {
      if (all.ok() || part.size() == 1) {
        f.done(all);
      } else {
        f.done(Read([&](Executor& db) { return InsertFlow(db, f.flow, f.doc); }));
      }
    }
  }

  void FetchLater(std::span<LaterFetch> part) {
    std::vector<std::string> ids;
    ids.reserve(part.size());
    for (const LaterFetch& f : part) {
      ids.push_back(f.id);
    }
    auto answers = Read([&](Executor& db) { return LoadFlowAnswers(db, ids); });
    for (std::size_t i = 0; i < part.size(); ++i) {
      if (answers.ok()) {
        part[i].done(std::move((*answers)[i]));
      } else {
        part[i].done(Error(answers.error()));
      }
    }
  }

  class Lease {
   public:
    Lease(Impl& impl, size_t slot) : impl_(impl), slot_(slot) {}
    ~Lease() {
      {
        std::lock_guard lock(impl_.mu);
        auto& c = impl_.slots[slot_];
        if (c && !c->Healthy()) {
          c.reset();  // reconnect on next use
        }
        impl_.idle.push_back(slot_);
      }
      impl_.available.notify_one();
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Conn& operator*() const { return *impl_.slots[slot_]; }

   private:
    Impl& impl_;
    size_t slot_;
  };

  // A healthy connection, or Unavailable after the acquire or connect timeout.
  Result<std::unique_ptr<Lease>> Acquire() {
    size_t slot = 0;
    {
      std::unique_lock lock(mu);
      if (!available.wait_for(lock, options.acquire_timeout, [this] { return !idle.empty(); })) {
        g_errors.fetch_add(1, std::memory_order_relaxed);
        return Error::Unavailable("postgres: no free database connection within " +
                                  std::to_string(options.acquire_timeout.count()) + " ms");
      }
      slot = idle.back();
      idle.pop_back();
    }
    auto lease = std::make_unique<Lease>(*this, slot);
    auto& conn = slots[slot];
    if (!conn || !conn->Healthy()) {
      auto fresh = std::make_unique<Conn>(Pq().connectdb(conninfo.c_str()));
      if (!fresh->Healthy()) {
        const std::string message(TrimSpace(Pq().errorMessage(fresh->get())));
        conn.reset();
        g_errors.fetch_add(1, std::memory_order_relaxed);
        return Error::Unavailable("postgres: cannot connect: " + message);
      }
      conn = std::move(fresh);
    }
    return lease;
  }

  // Runs `body` in a transaction; retries serialization failures and deadlocks.
  template <typename F>
  Status Transaction(F&& body) {
    for (int attempt = 0;; ++attempt) {
      ATRIUM_ASSIGN_OR_RETURN(auto lease, Acquire());
      PgExecutor db(**lease);
      Status st = db.Begin();
      if (st.ok()) {
        st = body(db);
      }
      if (st.ok()) {
        st = db.Commit();
      }
      if (st.ok()) {
        return st;
      }
      db.Rollback();
      if (Retryable(db.last_sqlstate()) && attempt < 5) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5 << attempt));
        continue;
      }
      return st;
    }
  }

  // One statement or a few reads, in autocommit mode.
  template <typename F>
  auto Read(F&& body) -> decltype(body(std::declval<Executor&>())) {
    auto lease = Acquire();
    if (!lease.ok()) {
      return std::move(lease).error();
    }
    PgExecutor db(***lease);
    return body(db);
  }
};

namespace {

// Tells every instance's PgListener what a write changed. Sent inside the write's transaction,
// so it goes out with the commit or not at all. Payloads stay far below NOTIFY's 8000 bytes:
// anything longer than an id becomes "*" (everything).
Status Notify(Executor& db, std::string_view kind, std::string_view id) {
  const std::string payload =
      id.size() <= 200 ? std::string(kind) + ":" + std::string(id) : std::string("*");
  ATRIUM_RETURN_IF_ERROR(db.Query("SELECT pg_notify('atrium_sessions', $1)", {payload}));
  return OkStatus();
}

}  // namespace

PgStore::PgStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PgStore::~PgStore() = default;

std::string PgStore::ConnectionString(std::string_view dsn, PgOptions& options) {
  // Split off the query to consume pop's pool parameters and add Atrium's.
  const size_t q = dsn.find('?');
  std::string base(dsn.substr(0, q));
  std::vector<std::string> kept;
  std::string user_options;  // the DSN's own `options` (percent-encoded), kept before Atrium's
  std::set<std::string, std::less<>> given;
  if (q != std::string_view::npos) {
    for (std::string_view part : Split(dsn.substr(q + 1), '&')) {
      const size_t eq = part.find('=');
      const std::string key(part.substr(0, eq));
      const std::string value(eq == std::string_view::npos ? "" : part.substr(eq + 1));
      if (key == "max_conns" || key == "pool_max_conns") {
        options.pool_size = std::max(1, std::atoi(value.c_str()));
      }
      if (key == "statement_timeout") {  // milliseconds; Atrium's own parameter
        options.statement_timeout =
            std::chrono::milliseconds(std::max(1, std::atoi(value.c_str())));
        continue;
      }
      if (key == "acquire_timeout") {  // milliseconds; Atrium's own parameter
        options.acquire_timeout = std::chrono::milliseconds(std::max(1, std::atoi(value.c_str())));
        continue;
      }
      if (PopParams().contains(key)) {
        continue;
      }
      if (key == "options") {
        user_options = value;
        continue;
      }
      given.insert(key);
      kept.emplace_back(part);
    }
  }
  kept.push_back("options=" + (user_options.empty() ? "" : user_options + "%20") +
                 "-c%20statement_timeout%3D" + std::to_string(options.statement_timeout.count()) +
                 "%20-c%20client_min_messages%3Dwarning");
  // The DSN's own value wins (libpq would take the last one given).
  const std::pair<std::string_view, std::string> defaults[] = {
      {"connect_timeout", std::to_string(options.connect_timeout.count())},
      {"application_name", "atrium"},
      {"gssencmode", "disable"}};
  for (const auto& [key, value] : defaults) {
    if (!given.contains(key)) {
      kept.push_back(std::string(key) + "=" + value);
    }
  }
  std::string conninfo = base + "?";
  for (size_t i = 0; i < kept.size(); ++i) {
    conninfo += (i ? "&" : "") + kept[i];
  }
  return conninfo;
}

Result<std::unique_ptr<PgStore>> PgStore::Open(std::string_view dsn, PgOptions options) {
  if (!dsn.starts_with("postgres://") && !dsn.starts_with("postgresql://")) {
    return Error::InvalidArgument("dsn " + GoQuote(dsn) + ": expected postgres://...");
  }
  if (auto pq = LoadLibPq(); !pq.ok()) {
    return std::move(pq).error();
  }
  auto impl = std::make_unique<Impl>();
  impl->conninfo = ConnectionString(dsn, options);
  impl->options = options;
  impl->slots.resize(static_cast<size_t>(std::max(1, options.pool_size)));
  for (size_t i = 0; i < impl->slots.size(); ++i) {
    impl->idle.push_back(i);
  }
  return std::unique_ptr<PgStore>(new PgStore(std::move(impl)));
}

Status PgStore::Migrate() {
  for (const auto& m : PgMigrations()) {
    ATRIUM_RETURN_IF_ERROR(impl_->Transaction([&m](PgExecutor& db) -> Status {
      ATRIUM_RETURN_IF_ERROR(db.Command(kMigrationLock));
      ATRIUM_RETURN_IF_ERROR(db.Command(sql::kMigrationsTable));
      return ApplyMigration(db, m, [&db](const char* ddl) { return db.Command(ddl); });
    }));
  }
  return OkStatus();
}

Result<int> PgStore::PendingMigrations() {
  static constexpr const char* kTableExists =
      "SELECT count(*) FROM pg_catalog.pg_tables "
      "WHERE schemaname = current_schema() AND tablename = 'schema_migrations'";
  return impl_->Read([](Executor& db) -> Result<int> {
    return CountPendingMigrations(db, PgMigrations(), kTableExists);
  });
}

Database::PoolStats PgStore::Pool() const {
  const std::lock_guard lock(impl_->mu);
  const int size = static_cast<int>(impl_->slots.size());
  return {size, size - static_cast<int>(impl_->idle.size()), g_errors.load()};
}

Status PgStore::Ping() {
  return impl_->Read([](Executor& db) -> Status {
    ATRIUM_ASSIGN_OR_RETURN(auto rows, db.Query(sql::kPing, {}));
    return rows.size() == 1 ? OkStatus() : Status(Error::Unavailable("postgres: ping failed"));
  });
}

Result<std::string> PgStore::GetOrCreateSecret(std::string_view name,
                                               const std::function<std::string()>& make) {
  return impl_->Read([&](Executor& db) { return GetOrCreateSecretRow(db, name, make); });
}

Status PgStore::CreateFlow(const registration::Flow& flow) {
  return CreateFlow(flow, flow.Stored());
}

Status PgStore::CreateFlow(const registration::Flow& flow, const flow::StoredDocument& doc) {
  return impl_->Read([&](Executor& db) { return InsertFlow(db, flow, doc); });
}

bool PgStore::CreateFlowLater(registration::Flow flow, flow::StoredDocument doc,
                              std::function<void(Status)> done) {
  return impl_->later_writes.Push(
      Impl::LaterFlow{std::move(flow), std::move(doc), std::move(done)});
}

Result<std::optional<registration::Flow>> PgStore::GetFlow(std::string_view id) {
  return impl_->Read([&](Executor& db) { return LoadFlow(db, id); });
}

Result<std::optional<flow::StoredAnswer>> PgStore::GetFlowAnswer(std::string_view id) {
  return impl_->Read([&](Executor& db) { return LoadFlowAnswer(db, id); });
}

bool PgStore::GetFlowAnswerLater(std::string id, AnswerDone done) {
  return impl_->later_fetches.Push(Impl::LaterFetch{std::move(id), std::move(done)});
}

Status PgStore::UpdateFlow(const registration::Flow& flow) {
  return impl_->Read([&](Executor& db) { return UpdateFlowRow(db, flow); });
}

Status PgStore::CreateTokenExchange(const session::TokenExchange& exchange) {
  return impl_->Transaction([&](PgExecutor& db) { return InsertTokenExchange(db, exchange); });
}

Result<std::optional<session::TokenExchange>> PgStore::TokenExchangeOfFlow(
    std::string_view flow_id) {
  return impl_->Read([&](Executor& db) { return LoadTokenExchangeOfFlow(db, flow_id); });
}

Status PgStore::CompleteTokenExchange(std::string_view id, std::string_view return_to_code_digest,
                                      std::string_view session_id, std::string_view sealed_token) {
  return impl_->Transaction([&](PgExecutor& db) {
    return CompleteTokenExchangeRow(db, id, return_to_code_digest, session_id, sealed_token);
  });
}

Result<std::optional<session::TokenExchange>> PgStore::TakeTokenExchange(
    std::string_view init_code_digest, std::string_view return_to_code_digest) {
  std::optional<session::TokenExchange> out;
  ATRIUM_RETURN_IF_ERROR(impl_->Transaction([&](PgExecutor& db) -> Status {
    ATRIUM_ASSIGN_OR_RETURN(out, TakeTokenExchangeRow(db, init_code_digest, return_to_code_digest));
    return OkStatus();
  }));
  return out;
}

Status PgStore::CreateError(const flow::ErrorContainer& e) {
  return impl_->Read([&](Executor& db) { return InsertError(db, e); });
}

Result<std::optional<flow::ErrorContainer>> PgStore::GetError(std::string_view id) {
  return impl_->Read([&](Executor& db) { return LoadError(db, id); });
}

Status PgStore::CreateIdentityWithSession(const identity::Identity& id, const session::Session& s) {
  return CreateIdentityWithSessionAndMessages(id, s, {});
}

Status PgStore::CreateIdentityWithSessionAndMessages(const identity::Identity& id,
                                                     const session::Session& s,
                                                     std::span<const courier::Message> messages) {
  ConflictingValue conflict;
  Status st = impl_->Transaction([&](PgExecutor& db) -> Status {
    ATRIUM_RETURN_IF_ERROR(InsertIdentityWithSession(db, id, s, &conflict));
    for (const courier::Message& m : messages) {
      ATRIUM_RETURN_IF_ERROR(InsertCourierMessage(db, m));
    }
    return OkStatus();
  });
  if (st.ok() || st.error().code != ErrorCode::kConflict || conflict.kind.empty()) {
    return st;
  }
  // The failed transaction is rolled back; the owner of the value is read afterwards.
  ATRIUM_ASSIGN_OR_RETURN(auto details,
                          impl_->Read([&](Executor& db) { return ConflictDetails(db, conflict); }));
  return Error::Conflict("an account with the same identifier exists already")
      .WithDetails(std::move(details));
}

Result<std::optional<identity::Identity>> PgStore::GetIdentity(std::string_view id) {
  return impl_->Read([&](Executor& db) { return LoadIdentity(db, id); });
}

Result<std::optional<identity::Identity>> PgStore::FindByCredentialIdentifier(
    std::string_view type, std::string_view identifier) {
  return impl_->Read([&](Executor& db) { return LoadIdentityByIdentifier(db, type, identifier); });
}

Result<std::optional<identity::Identity>> PgStore::FindByAddress(std::string_view via,
                                                                 std::string_view value) {
  return impl_->Read([&](Executor& db) { return LoadIdentityByAddress(db, via, value); });
}

Result<std::optional<session::Session>> PgStore::GetSessionByTokenDigest(std::string_view digest) {
  return impl_->Read([&](Executor& db) { return LoadSessionByTokenDigest(db, digest); });
}

Result<int64_t> PgStore::DeleteStale(StaleKind kind, Timestamp cutoff, int limit) {
  int64_t deleted = 0;
  ATRIUM_RETURN_IF_ERROR(impl_->Read([&](Executor& db) -> Status {
    ATRIUM_ASSIGN_OR_RETURN(deleted, DeleteStaleRows(db, kind, cutoff, limit));
    return OkStatus();
  }));
  return deleted;
}

Status PgStore::CreateSession(const session::Session& session) {
  return impl_->Transaction([&](PgExecutor& db) { return InsertSession(db, session); });
}

Status PgStore::CreateLoginFlow(const login::Flow& flow) {
  return impl_->Read([&](Executor& db) { return InsertFlow(db, flow); });
}

Result<std::optional<login::Flow>> PgStore::GetLoginFlow(std::string_view id) {
  return impl_->Read([&](Executor& db) { return LoadLoginFlow(db, id); });
}

Status PgStore::UpdateLoginFlow(const login::Flow& flow) {
  return impl_->Read([&](Executor& db) { return UpdateFlowRow(db, flow); });
}

Status PgStore::CreateVerificationFlow(const verification::Flow& flow) {
  return impl_->Read([&](Executor& db) { return InsertFlow(db, flow); });
}

Result<std::optional<verification::Flow>> PgStore::GetVerificationFlow(std::string_view id) {
  return impl_->Read([&](Executor& db) { return LoadVerificationFlow(db, id); });
}

Status PgStore::UpdateVerificationFlow(const verification::Flow& flow) {
  return impl_->Read([&](Executor& db) { return UpdateFlowRow(db, flow); });
}

Result<std::optional<verification::OwnedAddress>> PgStore::FindVerifiableAddress(
    std::string_view via, std::string_view value) {
  return impl_->Read([&](Executor& db) { return LoadVerifiableAddress(db, via, value); });
}

void PgStore::ReportSessionChanges(session::SessionChanges& sink) {
  changes_.SetSink(sink);
  sink.SetFeedUp(false);  // nothing is served from a cache until the listener is listening
  listener_ = std::make_unique<PgListener>(impl_->conninfo, sink);
}

// An address's status shows in whoami: the owner's cached sessions go, here and elsewhere.
Status PgStore::MarkAddressSent(std::string_view address_id, Timestamp now) {
  std::optional<std::string> owner;
  ATRIUM_RETURN_IF_ERROR(impl_->Transaction([&](PgExecutor& db) -> Status {
    ATRIUM_ASSIGN_OR_RETURN(owner, OwnerOfVerifiableAddressRow(db, address_id));
    ATRIUM_RETURN_IF_ERROR(MarkAddressSentRow(db, address_id, now));
    return owner ? Notify(db, "i", *owner) : OkStatus();
  }));
  if (owner) {
    changes_.IdentityChanged(*owner);
  }
  return OkStatus();
}

Status PgStore::MarkAddressVerified(std::string_view address_id, Timestamp now) {
  std::optional<std::string> owner;
  ATRIUM_RETURN_IF_ERROR(impl_->Transaction([&](PgExecutor& db) -> Status {
    ATRIUM_ASSIGN_OR_RETURN(owner, OwnerOfVerifiableAddressRow(db, address_id));
    ATRIUM_RETURN_IF_ERROR(MarkAddressVerifiedRow(db, address_id, now));
    return owner ? Notify(db, "i", *owner) : OkStatus();
  }));
  if (owner) {
    changes_.IdentityChanged(*owner);
  }
  return OkStatus();
}

Status PgStore::UpdateCredentialConfig(std::string_view identity_id, std::string_view type,
                                       const Json& config) {
  return impl_->Read(
      [&](Executor& db) { return UpdateCredentialConfigRow(db, identity_id, type, config); });
}

Result<std::optional<session::Session>> PgStore::GetSession(std::string_view id) {
  return impl_->Read([&](Executor& db) { return LoadSession(db, id); });
}

Status PgStore::UpdateSession(const session::Session& session) {
  ATRIUM_RETURN_IF_ERROR(impl_->Transaction([&](PgExecutor& db) -> Status {
    ATRIUM_RETURN_IF_ERROR(UpdateSessionRow(db, session));
    return Notify(db, "s", session.id);
  }));
  changes_.SessionChanged(session.id);
  return OkStatus();
}

Result<std::optional<login::AttemptStore::Counter>> PgStore::GetAttempts(std::string_view key) {
  return impl_->Read([&](Executor& db) { return LoadAttempts(db, key); });
}

Result<int64_t> PgStore::RecordFailure(std::string_view key, Timestamp now,
                                       Timestamp restart_before, Timestamp expires_at) {
  return impl_->Read(
      [&](Executor& db) { return RecordFailureRow(db, key, now, restart_before, expires_at); });
}

Status PgStore::IssueCodes(std::string_view flow_id, otp::Purpose purpose,
                           std::span<const otp::Code> codes,
                           std::span<const courier::Message> messages) {
  return impl_->Transaction(
      [&](PgExecutor& db) { return IssueCodeRows(db, flow_id, purpose, codes, messages); });
}

Result<std::vector<otp::Code>> PgStore::ActiveCodes(std::string_view flow_id,
                                                    otp::Purpose purpose) {
  return impl_->Read([&](Executor& db) { return LoadActiveCodes(db, flow_id, purpose); });
}

Result<bool> PgStore::UseCode(std::string_view code_id, Timestamp now) {
  bool used = false;
  ATRIUM_RETURN_IF_ERROR(impl_->Read([&](Executor& db) -> Status {
    ATRIUM_ASSIGN_OR_RETURN(used, UseCodeRow(db, code_id, now));
    return OkStatus();
  }));
  return used;
}

Result<int64_t> PgStore::CountCodesToAddress(std::string_view address, Timestamp since) {
  return impl_->Read([&](Executor& db) { return CountCodesToAddressRows(db, address, since); });
}

Result<int64_t> PgStore::CountCodesOfFlow(std::string_view flow_id, Timestamp since) {
  return impl_->Read([&](Executor& db) { return CountCodesOfFlowRows(db, flow_id, since); });
}

Status PgStore::ResetAttempts(std::string_view key) {
  return impl_->Read([&](Executor& db) { return DeleteAttemptsRow(db, key); });
}

Result<bool> PgStore::RevokeSession(std::string_view id) {
  bool found = false;
  ATRIUM_RETURN_IF_ERROR(impl_->Transaction([&](PgExecutor& db) -> Status {
    ATRIUM_ASSIGN_OR_RETURN(found, RevokeSessionRow(db, id));
    return Notify(db, "s", id);
  }));
  changes_.SessionChanged(id);
  return found;
}

Result<int64_t> PgStore::RevokeSessionsOfIdentity(std::string_view identity_id,
                                                  std::string_view keep) {
  int64_t count = 0;
  ATRIUM_RETURN_IF_ERROR(impl_->Transaction([&](PgExecutor& db) -> Status {
    ATRIUM_ASSIGN_OR_RETURN(count, RevokeSessionsOfIdentityRows(db, identity_id, keep));
    return Notify(db, "i", identity_id);
  }));
  changes_.IdentityChanged(identity_id);
  return count;
}

Result<session::SessionSlice> PgStore::ListSessionsOfIdentity(std::string_view identity_id,
                                                              std::string_view except,
                                                              session::ActiveFilter filter,
                                                              Timestamp now, int64_t offset,
                                                              int64_t limit) {
  return impl_->Read([&](Executor& db) {
    return ListSessionsOfIdentityRows(db, identity_id, except, filter, now, offset, limit);
  });
}

Result<std::vector<session::Session>> PgStore::ListSessions(session::ActiveFilter filter,
                                                            Timestamp now,
                                                            const session::SessionCursor& after,
                                                            int64_t limit, bool with_identity) {
  return impl_->Read(
      [&](Executor& db) { return ListSessionRows(db, filter, now, after, limit, with_identity); });
}

Result<bool> PgStore::RevokeSessionOfIdentity(std::string_view identity_id,
                                              std::string_view session_id) {
  bool found = false;
  ATRIUM_RETURN_IF_ERROR(impl_->Transaction([&](PgExecutor& db) -> Status {
    ATRIUM_ASSIGN_OR_RETURN(found, RevokeSessionOfIdentityRow(db, identity_id, session_id));
    return Notify(db, "s", session_id);
  }));
  changes_.SessionChanged(session_id);
  return found;
}

Result<bool> PgStore::SetSessionExpiry(std::string_view session_id, Timestamp expires_at) {
  bool found = false;
  ATRIUM_RETURN_IF_ERROR(impl_->Transaction([&](PgExecutor& db) -> Status {
    ATRIUM_ASSIGN_OR_RETURN(found, SetSessionExpiryRow(db, session_id, expires_at));
    return Notify(db, "s", session_id);
  }));
  changes_.SessionChanged(session_id);
  return found;
}

Result<int64_t> PgStore::DeleteSessionsOfIdentity(std::string_view identity_id) {
  int64_t deleted = 0;
  ATRIUM_RETURN_IF_ERROR(impl_->Transaction([&](PgExecutor& db) -> Status {
    ATRIUM_ASSIGN_OR_RETURN(deleted, DeleteSessionsOfIdentityRows(db, identity_id));
    return Notify(db, "i", identity_id);
  }));
  changes_.IdentityChanged(identity_id);
  return deleted;
}

}  // namespace atrium::store

namespace atrium::store {

Status PgStore::Enqueue(const courier::Message& message) {
  return impl_->Read([&](Executor& db) { return InsertCourierMessage(db, message); });
}

Result<std::vector<courier::Message>> PgStore::ClaimDue(std::string_view owner, Timestamp now,
                                                        Timestamp lease_until, int limit) {
  // One statement: the rows it locks stay locked until it commits, and rows another claim has
  // locked are skipped rather than waited for.
  return impl_->Read([&](Executor& db) {
    return ClaimDueRows(db, ClaimLocking::kSkipLocked, owner, now, lease_until, limit);
  });
}

Result<bool> PgStore::MarkSent(std::string_view id, std::string_view owner, Timestamp now) {
  bool held = false;
  ATRIUM_RETURN_IF_ERROR(impl_->Transaction([&](PgExecutor& db) -> Status {
    ATRIUM_ASSIGN_OR_RETURN(held, MarkSentRow(db, id, owner, now));
    return OkStatus();
  }));
  return held;
}

Result<bool> PgStore::MarkFailed(std::string_view id, std::string_view owner,
                                 const courier::Failure& failure, Timestamp now) {
  bool held = false;
  ATRIUM_RETURN_IF_ERROR(impl_->Transaction([&](PgExecutor& db) -> Status {
    ATRIUM_ASSIGN_OR_RETURN(held, MarkFailedRow(db, id, owner, failure, now));
    return OkStatus();
  }));
  return held;
}

Result<std::vector<courier::Message>> PgStore::ListMessages(
    const courier::MessageFilter& filter, const std::optional<courier::MessageCursor>& after,
    int limit) {
  return impl_->Read([&](Executor& db) { return ListMessageRows(db, filter, after, limit); });
}

Result<std::optional<courier::Message>> PgStore::GetMessage(std::string_view id) {
  return impl_->Read([&](Executor& db) { return LoadMessage(db, id); });
}

Result<std::pair<int64_t, int64_t>> PgStore::PendingMessages() {
  return impl_->Read([](Executor& db) { return CountPendingRows(db); });
}

}  // namespace atrium::store

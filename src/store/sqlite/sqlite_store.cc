#include "store/sqlite/sqlite_store.h"

#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>

#include <sys/resource.h>

#include "base/random.h"
#include "base/strings.h"
#include "base/threads.h"
#include "crypto/hash.h"
#include "store/outbox_rows.h"
#include "store/records.h"
#include "store/sqlite/migrations.h"

namespace atrium::store {
namespace {

// How long a statement waits for a lock another connection holds before SQLITE_BUSY.
constexpr int kBusyTimeoutMs = 5000;

// Store failures of this process (metrics: Database::Pool).
std::atomic<std::uint64_t> g_errors{0};

Error DbError(sqlite3* db, int rc, std::string_view what) {
  const std::string message = std::string(what) + ": " + sqlite3_errstr(rc) + " (" +
                              (db != nullptr ? sqlite3_errmsg(db) : "") + ")";
  // Only uniqueness is "exists already"; NOT NULL or foreign-key failures are store failures.
  if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return Error::Conflict(message);
  }
  g_errors.fetch_add(1, std::memory_order_relaxed);
  return Error::Unavailable(message);
}

// atrium_sha256_hex(text): lowercase hex SHA-256, for migrations that turn secrets into digests.
void Sha256Hex(sqlite3_context* ctx, int, sqlite3_value** argv) {
  const auto* text = sqlite3_value_text(argv[0]);
  if (text == nullptr) {
    sqlite3_result_null(ctx);
    return;
  }
  const std::string digest = HexEncode(crypto::Sha256(std::string_view(
      reinterpret_cast<const char*>(text), static_cast<size_t>(sqlite3_value_bytes(argv[0])))));
  sqlite3_result_text(ctx, digest.data(), static_cast<int>(digest.size()), SQLITE_TRANSIENT);
}

// One connection with its prepared statements (prepared once, keyed by the SQL literal).
class Conn {
 public:
  explicit Conn(sqlite3* db) : db_(db) {}
  ~Conn() {
    for (auto& [sql, stmt] : cache_) {
      sqlite3_finalize(stmt);
    }
    sqlite3_close_v2(db_);
  }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  sqlite3* db() const { return db_; }

  // Plain SQL without parameters (pragmas, transaction control, DDL scripts).
  Status Exec(const char* sql) {
    char* message = nullptr;
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
      std::string text = message != nullptr ? message : sqlite3_errstr(rc);
      sqlite3_free(message);
      g_errors.fetch_add(1, std::memory_order_relaxed);
      return Error::Unavailable("sqlite: " + text);
    }
    return OkStatus();
  }

  Result<sqlite3_stmt*> Prepare(const char* sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
      sqlite3_stmt* stmt = nullptr;
      const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
      if (rc != SQLITE_OK) {
        return DbError(db_, rc, "prepare");
      }
      it = cache_.emplace(sql, stmt).first;
    }
    return it->second;
  }

 private:
  sqlite3* db_;
  std::unordered_map<const char*, sqlite3_stmt*> cache_;
};

// The shared records code on an SQLite connection. Values are bound as text; column affinity
// stores integers as integers.
class SqliteExecutor final : public Executor {
 public:
  explicit SqliteExecutor(Conn& conn) : conn_(conn) {}

  Result<std::vector<Row>> Query(const char* sql, const Params& params) override {
    std::vector<Row> rows;
    ATRIUM_RETURN_IF_ERROR(Step(sql, params, &rows));
    return rows;
  }

  Result<int64_t> Execute(const char* sql, const Params& params) override {
    ATRIUM_RETURN_IF_ERROR(Step(sql, params, nullptr));
    return static_cast<int64_t>(sqlite3_changes(conn_.db()));
  }

 private:
  Status Step(const char* sql, const Params& params, std::vector<Row>* rows) {
    ATRIUM_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, conn_.Prepare(sql));
    // Reset and unbind however this ends.
    const std::unique_ptr<sqlite3_stmt, void (*)(sqlite3_stmt*)> guard(stmt, [](sqlite3_stmt* s) {
      sqlite3_reset(s);
      sqlite3_clear_bindings(s);
    });
    // "$1" used twice is one parameter: bind what the statement declares.
    const int declared = sqlite3_bind_parameter_count(stmt);
    for (int i = 0; i < declared && i < static_cast<int>(params.size()); ++i) {
      const auto& v = params[static_cast<size_t>(i)];
      v ? sqlite3_bind_text(stmt, i + 1, v->data(), static_cast<int>(v->size()), SQLITE_TRANSIENT)
        : sqlite3_bind_null(stmt, i + 1);
    }
    for (;;) {
      const int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) {
        return OkStatus();
      }
      if (rc != SQLITE_ROW) {
        return DbError(conn_.db(), rc, "statement");
      }
      if (rows == nullptr) {
        continue;
      }
      Row& row = rows->emplace_back();
      const int columns = sqlite3_column_count(stmt);
      for (int c = 0; c < columns; ++c) {
        if (sqlite3_column_type(stmt, c) == SQLITE_NULL) {
          row.emplace_back();
          continue;
        }
        const auto* text = sqlite3_column_text(stmt, c);
        row.emplace_back(std::string(reinterpret_cast<const char*>(text),
                                     static_cast<size_t>(sqlite3_column_bytes(stmt, c))));
      }
    }
  }

  Conn& conn_;
};

}  // namespace

// Moves the write-ahead log into the database file off the request path. SQLite's own automatic
// checkpoint runs inside the COMMIT of whichever write crosses the threshold, so that request
// (and every writer queued behind it) waits for the copy and its fsync. Here commits only count
// the log's pages (the WAL hook) and wake a thread of lower priority that checkpoints on its own
// connection, in PASSIVE mode (never waiting for readers or writers). If that thread falls far
// behind (the CPU is saturated, as when every core hashes passwords), the writer that finds the
// log over the hard limit checkpoints itself, so the log stays bounded whatever the load.
class Checkpointer {
 public:
  static constexpr int kWakePages = 1000;    // SQLite's default automatic checkpoint size
  static constexpr int kForcePages = 16000;  // ~64 MiB of 4 KiB pages

  explicit Checkpointer(std::unique_ptr<Conn> conn) : conn_(std::move(conn)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~Checkpointer() {
    {
      const std::lock_guard lock(mu_);
      stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Installs the WAL hook on a pooled connection (which also turns off its automatic checkpoint).
  void Watch(sqlite3* db) { sqlite3_wal_hook(db, &OnCommit, this); }

 private:
  static int OnCommit(void* self, sqlite3* db, const char* name, int pages) {
    auto* me = static_cast<Checkpointer*>(self);
    if (pages >= kForcePages) {
      sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    } else if (pages >= kWakePages) {
      {
        const std::lock_guard lock(me->mu_);
        me->due_ = true;
      }
      me->wake_.notify_one();
    }
    return SQLITE_OK;
  }

  void Run() {
    // Lower priority than the request threads: a checkpoint can wait, a sign-up should not.
    setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);
    NameThisThread("sqlite-ckpt");
    std::unique_lock lock(mu_);
    for (;;) {
      wake_.wait(lock, [this] { return due_ || stopping_; });
      if (stopping_) {
        return;
      }
      due_ = false;
      lock.unlock();
      sqlite3_wal_checkpoint_v2(conn_->db(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      lock.lock();
    }
  }

  std::unique_ptr<Conn> conn_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool due_ = false;       // protected by mu_
  bool stopping_ = false;  // protected by mu_
  std::thread thread_;
};

struct SqliteStore::Impl {
  // The pool: connections are opened as they are first needed, up to `capacity` (an idle server
  // keeps few: each holds its own copy of the schema and its page cache).
  std::function<Result<std::unique_ptr<Conn>>()> open;
  std::size_t capacity = 1;
  std::vector<std::unique_ptr<Conn>> conns;  // protected by mu
  // Declared after the connections it watches, so it stops before they close.
  std::unique_ptr<Checkpointer> checkpointer;
  std::vector<Conn*> idle;  // protected by mu
  std::size_t opening = 0;  // protected by mu: connections being opened
  std::mutex mu;
  std::condition_variable available;
  // SQLite admits one writer at a time. Writers queue here rather than in SQLite's busy handler
  // (which polls with sleeps of up to 100 ms), and whoever finds no write running commits
  // everything queued so far in one transaction (group commit, see Write).
  struct PendingWrite {
    void* body = nullptr;
    Status (*run)(void* body, Executor& db, Conn& conn) = nullptr;
    Status result;
    bool done = false;
    // A write queued by WriteLater owns itself: after the COMMIT it is told its result and freed.
    std::function<void(Status)> then;
    void (*free)(PendingWrite* self) = nullptr;
  };
  std::mutex batch_mu;
  std::condition_variable batch_done;
  std::vector<PendingWrite*> queued;  // protected by batch_mu
  bool writing = false;               // protected by batch_mu: a leader is committing a batch
  // The committer leads batches that no waiting writer leads (writes queued by WriteLater). It
  // is started by the first of them.
  std::condition_variable leader_wanted;
  bool stopping = false;  // protected by batch_mu
  std::thread committer;

  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    {
      const std::lock_guard lock(batch_mu);
      stopping = true;
    }
    leader_wanted.notify_one();
    if (committer.joinable()) {
      committer.join();
    }
  }

  // Borrows a connection for the scope of the lease.
  class Lease {
   public:
    Lease(Impl& impl, Conn* c) : impl_(impl), conn_(c) {}
    ~Lease() {
      if (conn_ == nullptr) {
        return;  // moved from
      }
      {
        std::lock_guard lock(impl_.mu);
        impl_.idle.push_back(conn_);
      }
      impl_.available.notify_one();
    }
    Lease(Lease&& other) noexcept
        : impl_(other.impl_), conn_(std::exchange(other.conn_, nullptr)) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    Conn& operator*() const { return *conn_; }
    Conn* operator->() const { return conn_; }

   private:
    Impl& impl_;
    Conn* conn_;
  };

  // An idle connection, or a new one while the pool has room; else waits for one. The error of
  // a connection that cannot be opened.
  Result<Lease> Acquire() {
    std::unique_lock lock(mu);
    available.wait(lock, [this] { return !idle.empty() || conns.size() + opening < capacity; });
    if (!idle.empty()) {
      Conn* c = idle.back();
      idle.pop_back();
      return Lease(*this, c);
    }
    ++opening;
    lock.unlock();
    auto opened = open();
    lock.lock();
    --opening;
    if (!opened.ok()) {
      available.notify_one();  // the room is free again
      return std::move(opened).error();
    }
    if (checkpointer) {
      checkpointer->Watch((*opened)->db());
    }
    Conn* c = opened->get();
    conns.push_back(std::move(opened).value());
    return Lease(*this, c);
  }
  // A connection if one is idle right now.
  std::optional<Lease> TryAcquire() {
    std::unique_lock lock(mu);
    if (idle.empty()) {
      return std::nullopt;
    }
    Conn* c = idle.back();
    idle.pop_back();
    return std::optional<Lease>(std::in_place, *this, c);
  }

  // Transaction control as prepared statements (parsed once per connection).
  static constexpr const char* kBeginImmediate = "BEGIN IMMEDIATE";
  static constexpr const char* kBegin = "BEGIN";
  static constexpr const char* kCommit = "COMMIT";
  static constexpr const char* kRollback = "ROLLBACK";
  static constexpr const char* kSavepoint = "SAVEPOINT atrium_write";
  static constexpr const char* kRollbackToSavepoint = "ROLLBACK TO atrium_write";
  static constexpr const char* kReleaseSavepoint = "RELEASE atrium_write";

  // Runs `body` in a write transaction and returns once it is committed (or has failed and left
  // nothing behind). Group commit: a writer that finds no write running becomes the leader and
  // commits every write queued meanwhile in one transaction, each in its own savepoint, so that
  // one failing write rolls back only itself. Nobody returns before the COMMIT that holds their
  // write, so durability is that of a transaction per write; what is saved is a BEGIN, a COMMIT
  // and the rewriting of the same pages per write. No thread waits for a batch to fill.
  template <typename F>
  Status Write(F&& body) {
    PendingWrite me{&body,
                    [](void* b, Executor& db, Conn& conn) -> Status {
                      return (*static_cast<std::remove_reference_t<F>*>(b))(db, conn);
                    },
                    OkStatus(),
                    false,
                    {},
                    nullptr};
    std::unique_lock lock(batch_mu);
    queued.push_back(&me);
    while (!me.done) {
      if (writing) {
        batch_done.wait(lock);
        continue;
      }
      Lead(lock);
    }
    return std::move(me.result);
  }

  // Write without waiting: `then` is called with the result once the write is committed (or has
  // failed and left nothing behind), from the thread that led its batch. Same batches, same
  // durability as Write.
  template <typename F>
  void WriteLater(F body, std::function<void(Status)>&& then) {
    struct Later final : PendingWrite {
      explicit Later(F b) : body_value(std::move(b)) {}
      F body_value;
    };
    auto later = std::make_unique<Later>(std::move(body));
    later->body = &later->body_value;
    later->run = [](void* b, Executor& db, Conn& conn) -> Status {
      return (*static_cast<F*>(b))(db, conn);
    };
    later->then = std::move(then);
    later->free = [](PendingWrite* self) {
      std::default_delete<Later>()(static_cast<Later*>(self));
    };
    std::unique_lock lock(batch_mu);
    if (!committer.joinable()) {
      committer = std::thread([this] { Commit(); });
    }
    queued.push_back(later.release());  // owned by the queue until Lead frees it
    const bool leaderless = !writing;
    lock.unlock();
    if (leaderless) {
      leader_wanted.notify_one();
    }
  }

  // Commits everything queued as one batch. Called with batch_mu held and no leader; returns with
  // it held.
  void Lead(std::unique_lock<std::mutex>& lock) {
    writing = true;
    std::vector<PendingWrite*> batch;
    batch.swap(queued);
    lock.unlock();
    RunBatch(batch);
    // Writes queued by WriteLater hear their result now and are freed; nobody else sees them.
    for (PendingWrite*& w : batch) {
      if (w->free != nullptr) {
        w->then(std::move(w->result));
        w->free(w);
        w = nullptr;
      }
    }
    lock.lock();
    // `done` is written under the lock the waiters read it under; each result was written
    // before, and is read by its owner only once it sees `done`.
    for (PendingWrite* w : batch) {
      if (w != nullptr) {
        w->done = true;
      }
    }
    writing = false;
    batch_done.notify_all();
    if (!queued.empty()) {
      leader_wanted.notify_one();
    }
  }

  // The committer thread: leads whenever writes wait without a leader, until the store closes
  // and nothing is left.
  void Commit() {
    BlockSignalsOnThisThread();
    NameThisThread("sqlite-commit");
    std::unique_lock lock(batch_mu);
    for (;;) {
      leader_wanted.wait(lock, [this] { return stopping || (!queued.empty() && !writing); });
      if (!queued.empty() && !writing) {
        Lead(lock);
      } else if (queued.empty()) {
        return;  // stopping, nothing left
      } else {
        batch_done.wait(lock);  // stopping while a writer leads the rest
      }
    }
  }

  // One write of a batch, with whatever it throws turned into an error.
  static Status RunOne(PendingWrite& w, Executor& db, Conn& conn) {
    try {
      return w.run(w.body, db, conn);
    } catch (const std::exception& e) {
      return Error::Internal(std::string("sqlite: a write failed: ") + e.what());
    }
  }

  void RunBatch(const std::vector<PendingWrite*>& batch) {
    const auto finish = [&batch](const Status& st) {
      for (PendingWrite* w : batch) {
        w->result = st;
      }
    };
    auto acquired = Acquire();
    if (!acquired.ok()) {
      return finish(std::move(acquired).error());
    }
    const Lease conn = std::move(acquired).value();
    SqliteExecutor db(*conn);
    bool begun = false;
    for (int attempt = 0; !begun; ++attempt) {
      begun = db.Execute(kBeginImmediate, {}).ok();
      if (!begun && attempt >= 3) {
        return finish(Error::Unavailable("sqlite: cannot begin a write transaction"));
      }
      if (!begun) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10 << attempt));
      }
    }
    if (batch.size() == 1) {
      Status st = RunOne(*batch.front(), db, *conn);
      if (st.ok()) {
        auto committed = db.Execute(kCommit, {});
        st = committed.ok() ? OkStatus() : Status(std::move(committed).error());
      }
      if (!st.ok() && sqlite3_get_autocommit(conn->db()) == 0) {
        (void)db.Execute(kRollback, {});
      }
      return finish(st);
    }
    // Several writes: each in a savepoint. Results are held back until the COMMIT has decided.
    std::vector<Status> results;
    results.reserve(batch.size());
    for (PendingWrite* w : batch) {
      // Some errors (I/O, out of memory) end the whole transaction; SQLite would then run what
      // follows in autocommit mode, one statement at a time. Nothing more runs once that happens.
      if (sqlite3_get_autocommit(conn->db()) != 0 || !db.Execute(kSavepoint, {}).ok()) {
        (void)db.Execute(kRollback, {});
        return finish(Error::Unavailable("sqlite: the write transaction was aborted"));
      }
      Status st = RunOne(*w, db, *conn);
      if (sqlite3_get_autocommit(conn->db()) != 0) {
        return finish(
            st.ok() ? Status(Error::Unavailable("sqlite: the write transaction was aborted")) : st);
      }
      if (!st.ok()) {
        (void)db.Execute(kRollbackToSavepoint, {});
      }
      (void)db.Execute(kReleaseSavepoint, {});
      results.push_back(std::move(st));
    }
    if (auto committed = db.Execute(kCommit, {}); !committed.ok()) {
      if (sqlite3_get_autocommit(conn->db()) == 0) {
        (void)db.Execute(kRollback, {});
      }
      return finish(std::move(committed).error());
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
      batch[i]->result = std::move(results[i]);
    }
  }

  // Read, but never waiting: nullopt when no connection is idle, or when the read fails in any
  // way, a lock held elsewhere included (SQLITE_BUSY at once instead of the busy timeout). The
  // caller then takes the ordinary path, which waits and reports errors.
  template <typename F>
  auto TryRead(F&& body) -> std::optional<decltype(body(std::declval<Executor&>()))> {
    auto conn = TryAcquire();
    if (!conn) {
      return std::nullopt;
    }
    sqlite3* handle = (*conn)->db();
    sqlite3_busy_timeout(handle, 0);
    auto result = Read(**conn, body);
    sqlite3_busy_timeout(handle, kBusyTimeoutMs);
    if (!result.ok()) {
      return std::nullopt;
    }
    return result;
  }

  // A consistent read: BEGIN (deferred) ... COMMIT.
  template <typename F>
  auto Read(F&& body) -> decltype(body(std::declval<Executor&>())) {
    auto conn = Acquire();
    if (!conn.ok()) {
      return std::move(conn).error();
    }
    return Read(**conn, body);
  }
  template <typename F>
  static auto Read(Conn& conn, F&& body) -> decltype(body(std::declval<Executor&>())) {
    SqliteExecutor db(conn);
    if (auto begun = db.Execute(kBegin, {}); !begun.ok()) {
      return std::move(begun).error();
    }
    auto result = body(db);
    (void)db.Execute(kCommit, {});
    return result;
  }
};

SqliteStore::SqliteStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteStore::~SqliteStore() = default;

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(std::string_view dsn, int pool_size) {
  // Each connection would otherwise allocate room for 20 cached pages when it first reads, used
  // or not (about 88 KiB each, 1.4 MiB of an idle server's 16 connections): pages are allocated
  // as they are read instead. Only possible before SQLite initializes (else SQLITE_MISUSE, and
  // the default stays: an embedding process may have used SQLite first).
  static std::once_flag configured;
  std::call_once(configured, [] { sqlite3_config(SQLITE_CONFIG_PAGECACHE, nullptr, 0, 0); });
  std::string path;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  bool memory = false;
  if (dsn == "memory" || dsn == "sqlite::memory:" || dsn == "sqlite://:memory:") {
    // One shared in-memory database for every pooled connection.
    path = "file:atrium-mem-" + HexEncode(RandomBytes(8)) + "?mode=memory&cache=shared";
    flags |= SQLITE_OPEN_URI;
    memory = true;
  } else if (dsn.starts_with("sqlite://")) {
    path = std::string(dsn.substr(std::string_view("sqlite://").size()));
    if (path.starts_with("file:")) {
      flags |= SQLITE_OPEN_URI;
    } else {
      path = path.substr(0, path.find('?'));
    }
  } else {
    return Error::InvalidArgument("dsn " + GoQuote(dsn) +
                                  ": expected sqlite://<path> or memory for the SQLite store");
  }
  if (path.empty()) {
    return Error::InvalidArgument("dsn " + GoQuote(dsn) + " names no database file");
  }
  // Kept by the pool to open connections as they are needed: captures by value.
  auto open = [path, flags, memory]() -> Result<std::unique_ptr<Conn>> {
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    auto conn = std::make_unique<Conn>(db);
    if (rc != SQLITE_OK) {
      return DbError(db, rc, "cannot open " + path);
    }
    sqlite3_busy_timeout(db, kBusyTimeoutMs);
    sqlite3_extended_result_codes(db, 1);
    sqlite3_create_function_v2(db, "atrium_sha256_hex", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                               nullptr, &Sha256Hex, nullptr, nullptr, nullptr);
    ATRIUM_RETURN_IF_ERROR(conn->Exec(memory ? "PRAGMA foreign_keys = ON"
                                             : "PRAGMA journal_mode = WAL; "
                                               "PRAGMA synchronous = NORMAL; "
                                               "PRAGMA foreign_keys = ON"));
    return conn;
  };
  auto impl = std::make_unique<Impl>();
  // Shared-cache memory databases lock per table and ignore busy_timeout: one connection.
  impl->capacity = memory ? 1 : static_cast<std::size_t>(std::max(1, pool_size));
  // One connection at once, so that a database that cannot be opened fails the start.
  ATRIUM_ASSIGN_OR_RETURN(auto first, open());
  if (!memory) {
    ATRIUM_ASSIGN_OR_RETURN(auto own, open());
    impl->checkpointer = std::make_unique<Checkpointer>(std::move(own));
    impl->checkpointer->Watch(first->db());
  }
  impl->idle.push_back(first.get());
  impl->conns.push_back(std::move(first));
  impl->open = std::move(open);
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(impl)));
}

Result<int> SqliteStore::PendingMigrations() {
  static constexpr const char* kTableExists =
      "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'";
  return impl_->Read([](Executor& db) -> Result<int> {
    return CountPendingMigrations(db, sqlite::Migrations(), kTableExists);
  });
}

Status SqliteStore::Migrate() {
  for (const auto& m : sqlite::Migrations()) {
    ATRIUM_RETURN_IF_ERROR(impl_->Write([&m](Executor& db, Conn& conn) -> Status {
      ATRIUM_RETURN_IF_ERROR(db.Execute(sql::kMigrationsTable, {}));
      return ApplyMigration(db, m, [&conn](const char* ddl) { return conn.Exec(ddl); });
    }));
  }
  return OkStatus();
}

Database::PoolStats SqliteStore::Pool() const {
  const std::lock_guard lock(impl_->mu);
  return {static_cast<int>(impl_->capacity),
          static_cast<int>(impl_->conns.size() - impl_->idle.size()), g_errors.load()};
}

Status SqliteStore::Ping() {
  return impl_->Read([](Executor& db) -> Status {
    ATRIUM_ASSIGN_OR_RETURN(auto rows, db.Query(sql::kPing, {}));
    return rows.size() == 1 ? OkStatus() : Status(Error::Unavailable("ping failed"));
  });
}

Result<std::string> SqliteStore::GetOrCreateSecret(std::string_view name,
                                                   const std::function<std::string()>& make) {
  std::string value;
  ATRIUM_RETURN_IF_ERROR(impl_->Write([&](Executor& db, Conn&) -> Status {
    ATRIUM_ASSIGN_OR_RETURN(value, GetOrCreateSecretRow(db, name, make));
    return OkStatus();
  }));
  return value;
}

Status SqliteStore::CreateFlow(const registration::Flow& flow) {
  return CreateFlow(flow, flow.Stored());
}

Status SqliteStore::CreateFlow(const registration::Flow& flow, const flow::StoredDocument& doc) {
  return impl_->Write([&](Executor& db, Conn&) { return InsertFlow(db, flow, doc); });
}

Result<std::optional<registration::Flow>> SqliteStore::GetFlow(std::string_view id) {
  return impl_->Read([&](Executor& db) { return LoadFlow(db, id); });
}

Result<std::optional<flow::StoredAnswer>> SqliteStore::GetFlowAnswer(std::string_view id) {
  return impl_->Read([&](Executor& db) { return LoadFlowAnswer(db, id); });
}

bool SqliteStore::CreateFlowLater(registration::Flow flow, flow::StoredDocument doc,
                                  std::function<void(Status)> done) {
  impl_->WriteLater([flow = std::move(flow), doc = std::move(doc)](
                        Executor& db, Conn&) { return InsertFlow(db, flow, doc); },
                    std::move(done));
  return true;
}

std::optional<Result<std::optional<flow::StoredAnswer>>> SqliteStore::GetFlowAnswerNow(
    std::string_view id) {
  return impl_->TryRead([&](Executor& db) { return LoadFlowAnswer(db, id); });
}

Status SqliteStore::UpdateFlow(const registration::Flow& flow) {
  return impl_->Write([&](Executor& db, Conn&) { return UpdateFlowRow(db, flow); });
}

Status SqliteStore::CreateTokenExchange(const session::TokenExchange& exchange) {
  return impl_->Write([&](Executor& db, Conn&) { return InsertTokenExchange(db, exchange); });
}

Result<std::optional<session::TokenExchange>> SqliteStore::TokenExchangeOfFlow(
    std::string_view flow_id) {
  return impl_->Read([&](Executor& db) { return LoadTokenExchangeOfFlow(db, flow_id); });
}

Status SqliteStore::CompleteTokenExchange(std::string_view id,
                                          std::string_view return_to_code_digest,
                                          std::string_view session_id,
                                          std::string_view sealed_token) {
  return impl_->Write([&](Executor& db, Conn&) {
    return CompleteTokenExchangeRow(db, id, return_to_code_digest, session_id, sealed_token);
  });
}

Result<std::optional<session::TokenExchange>> SqliteStore::TakeTokenExchange(
    std::string_view init_code_digest, std::string_view return_to_code_digest) {
  std::optional<session::TokenExchange> out;
  ATRIUM_RETURN_IF_ERROR(impl_->Write([&](Executor& db, Conn&) -> Status {
    ATRIUM_ASSIGN_OR_RETURN(out, TakeTokenExchangeRow(db, init_code_digest, return_to_code_digest));
    return OkStatus();
  }));
  return out;
}

Status SqliteStore::CreateError(const flow::ErrorContainer& e) {
  return impl_->Write([&](Executor& db, Conn&) { return InsertError(db, e); });
}

Result<std::optional<flow::ErrorContainer>> SqliteStore::GetError(std::string_view id) {
  return impl_->Read([&](Executor& db) { return LoadError(db, id); });
}

Status SqliteStore::CreateIdentityWithSession(const identity::Identity& id,
                                              const session::Session& s) {
  return CreateIdentityWithSessionAndMessages(id, s, {});
}

Status SqliteStore::CreateIdentityWithSessionAndMessages(
    const identity::Identity& id, const session::Session& s,
    std::span<const courier::Message> messages) {
  return impl_->Write([&](Executor& db, Conn&) -> Status {
    ConflictingValue conflict;
    Status st = InsertIdentityWithSession(db, id, s, &conflict);
    if (st.ok()) {
      for (const courier::Message& m : messages) {
        ATRIUM_RETURN_IF_ERROR(InsertCourierMessage(db, m));
      }
      return st;
    }
    if (st.error().code != ErrorCode::kConflict || conflict.kind.empty()) {
      return st;
    }
    // A failed statement leaves an SQLite transaction usable: read who owns the value.
    ATRIUM_ASSIGN_OR_RETURN(auto details, ConflictDetails(db, conflict));
    return Error::Conflict("an account with the same identifier exists already")
        .WithDetails(std::move(details));
  });
}

Result<std::optional<identity::Identity>> SqliteStore::GetIdentity(std::string_view id) {
  return impl_->Read([&](Executor& db) { return LoadIdentity(db, id); });
}

Result<std::optional<identity::Identity>> SqliteStore::FindByCredentialIdentifier(
    std::string_view type, std::string_view identifier) {
  return impl_->Read([&](Executor& db) { return LoadIdentityByIdentifier(db, type, identifier); });
}

Result<std::optional<identity::Identity>> SqliteStore::FindByAddress(std::string_view via,
                                                                     std::string_view value) {
  return impl_->Read([&](Executor& db) { return LoadIdentityByAddress(db, via, value); });
}

Result<std::optional<session::Session>> SqliteStore::GetSessionByTokenDigest(
    std::string_view digest) {
  return impl_->Read([&](Executor& db) { return LoadSessionByTokenDigest(db, digest); });
}

Result<int64_t> SqliteStore::DeleteStale(StaleKind kind, Timestamp cutoff, int limit) {
  int64_t deleted = 0;
  ATRIUM_RETURN_IF_ERROR(impl_->Write([&](Executor& db, Conn&) -> Status {
    ATRIUM_ASSIGN_OR_RETURN(deleted, DeleteStaleRows(db, kind, cutoff, limit));
    return OkStatus();
  }));
  return deleted;
}

Status SqliteStore::CreateSession(const session::Session& session) {
  return impl_->Write([&](Executor& db, Conn&) { return InsertSession(db, session); });
}

Status SqliteStore::CreateLoginFlow(const login::Flow& flow) {
  return impl_->Write([&](Executor& db, Conn&) { return InsertFlow(db, flow); });
}

Result<std::optional<login::Flow>> SqliteStore::GetLoginFlow(std::string_view id) {
  return impl_->Read([&](Executor& db) { return LoadLoginFlow(db, id); });
}

Status SqliteStore::UpdateLoginFlow(const login::Flow& flow) {
  return impl_->Write([&](Executor& db, Conn&) { return UpdateFlowRow(db, flow); });
}

Status SqliteStore::CreateVerificationFlow(const verification::Flow& flow) {
  return impl_->Write([&](Executor& db, Conn&) { return InsertFlow(db, flow); });
}

Result<std::optional<verification::Flow>> SqliteStore::GetVerificationFlow(std::string_view id) {
  return impl_->Read([&](Executor& db) { return LoadVerificationFlow(db, id); });
}

Status SqliteStore::UpdateVerificationFlow(const verification::Flow& flow) {
  return impl_->Write([&](Executor& db, Conn&) { return UpdateFlowRow(db, flow); });
}

Result<std::optional<verification::OwnedAddress>> SqliteStore::FindVerifiableAddress(
    std::string_view via, std::string_view value) {
  return impl_->Read([&](Executor& db) { return LoadVerifiableAddress(db, via, value); });
}

void SqliteStore::ReportSessionChanges(session::SessionChanges& sink) { changes_.SetSink(sink); }

// An address's status shows in whoami: the owner's cached sessions go.
Status SqliteStore::MarkAddressSent(std::string_view address_id, Timestamp now) {
  std::optional<std::string> owner;
  ATRIUM_RETURN_IF_ERROR(impl_->Write([&](Executor& db, Conn&) -> Status {
    ATRIUM_ASSIGN_OR_RETURN(owner, OwnerOfVerifiableAddressRow(db, address_id));
    return MarkAddressSentRow(db, address_id, now);
  }));
  if (owner) {
    changes_.IdentityChanged(*owner);
  }
  return OkStatus();
}

Status SqliteStore::MarkAddressVerified(std::string_view address_id, Timestamp now) {
  std::optional<std::string> owner;
  ATRIUM_RETURN_IF_ERROR(impl_->Write([&](Executor& db, Conn&) -> Status {
    ATRIUM_ASSIGN_OR_RETURN(owner, OwnerOfVerifiableAddressRow(db, address_id));
    return MarkAddressVerifiedRow(db, address_id, now);
  }));
  if (owner) {
    changes_.IdentityChanged(*owner);
  }
  return OkStatus();
}

Status SqliteStore::UpdateCredentialConfig(std::string_view identity_id, std::string_view type,
                                           const Json& config) {
  return impl_->Write([&](Executor& db, Conn&) {
    return UpdateCredentialConfigRow(db, identity_id, type, config);
  });
}

Result<std::optional<session::Session>> SqliteStore::GetSession(std::string_view id) {
  return impl_->Read([&](Executor& db) { return LoadSession(db, id); });
}

Status SqliteStore::UpdateSession(const session::Session& session) {
  ATRIUM_RETURN_IF_ERROR(
      impl_->Write([&](Executor& db, Conn&) { return UpdateSessionRow(db, session); }));
  changes_.SessionChanged(session.id);
  return OkStatus();
}

Result<std::optional<login::AttemptStore::Counter>> SqliteStore::GetAttempts(std::string_view key) {
  return impl_->Read([&](Executor& db) { return LoadAttempts(db, key); });
}

Result<int64_t> SqliteStore::RecordFailure(std::string_view key, Timestamp now,
                                           Timestamp restart_before, Timestamp expires_at) {
  int64_t count = 0;
  ATRIUM_RETURN_IF_ERROR(impl_->Write([&](Executor& db, Conn&) -> Status {
    ATRIUM_ASSIGN_OR_RETURN(count, RecordFailureRow(db, key, now, restart_before, expires_at));
    return OkStatus();
  }));
  return count;
}

Status SqliteStore::IssueCodes(std::string_view flow_id, otp::Purpose purpose,
                               std::span<const otp::Code> codes,
                               std::span<const courier::Message> messages) {
  return impl_->Write(
      [&](Executor& db, Conn&) { return IssueCodeRows(db, flow_id, purpose, codes, messages); });
}

Result<std::vector<otp::Code>> SqliteStore::ActiveCodes(std::string_view flow_id,
                                                        otp::Purpose purpose) {
  return impl_->Read([&](Executor& db) { return LoadActiveCodes(db, flow_id, purpose); });
}

Result<bool> SqliteStore::UseCode(std::string_view code_id, Timestamp now) {
  bool used = false;
  ATRIUM_RETURN_IF_ERROR(impl_->Write([&](Executor& db, Conn&) -> Status {
    ATRIUM_ASSIGN_OR_RETURN(used, UseCodeRow(db, code_id, now));
    return OkStatus();
  }));
  return used;
}

Result<int64_t> SqliteStore::CountCodesToAddress(std::string_view address, Timestamp since) {
  return impl_->Read([&](Executor& db) { return CountCodesToAddressRows(db, address, since); });
}

Result<int64_t> SqliteStore::CountCodesOfFlow(std::string_view flow_id, Timestamp since) {
  return impl_->Read([&](Executor& db) { return CountCodesOfFlowRows(db, flow_id, since); });
}

Status SqliteStore::ResetAttempts(std::string_view key) {
  return impl_->Write([&](Executor& db, Conn&) { return DeleteAttemptsRow(db, key); });
}

Result<bool> SqliteStore::RevokeSession(std::string_view id) {
  bool found = false;
  ATRIUM_RETURN_IF_ERROR(impl_->Write([&](Executor& db, Conn&) -> Status {
    ATRIUM_ASSIGN_OR_RETURN(found, RevokeSessionRow(db, id));
    return OkStatus();
  }));
  changes_.SessionChanged(id);
  return found;
}

Result<int64_t> SqliteStore::RevokeSessionsOfIdentity(std::string_view identity_id,
                                                      std::string_view keep) {
  int64_t count = 0;
  ATRIUM_RETURN_IF_ERROR(impl_->Write([&](Executor& db, Conn&) -> Status {
    ATRIUM_ASSIGN_OR_RETURN(count, RevokeSessionsOfIdentityRows(db, identity_id, keep));
    return OkStatus();
  }));
  changes_.IdentityChanged(identity_id);
  return count;
}

Result<session::SessionSlice> SqliteStore::ListSessionsOfIdentity(std::string_view identity_id,
                                                                  std::string_view except,
                                                                  session::ActiveFilter filter,
                                                                  Timestamp now, int64_t offset,
                                                                  int64_t limit) {
  return impl_->Read([&](Executor& db) {
    return ListSessionsOfIdentityRows(db, identity_id, except, filter, now, offset, limit);
  });
}

Result<std::vector<session::Session>> SqliteStore::ListSessions(session::ActiveFilter filter,
                                                                Timestamp now,
                                                                const session::SessionCursor& after,
                                                                int64_t limit, bool with_identity) {
  return impl_->Read(
      [&](Executor& db) { return ListSessionRows(db, filter, now, after, limit, with_identity); });
}

Result<bool> SqliteStore::RevokeSessionOfIdentity(std::string_view identity_id,
                                                  std::string_view session_id) {
  bool found = false;
  ATRIUM_RETURN_IF_ERROR(impl_->Write([&](Executor& db, Conn&) -> Status {
    ATRIUM_ASSIGN_OR_RETURN(found, RevokeSessionOfIdentityRow(db, identity_id, session_id));
    return OkStatus();
  }));
  changes_.SessionChanged(session_id);
  return found;
}

Result<bool> SqliteStore::SetSessionExpiry(std::string_view session_id, Timestamp expires_at) {
  bool found = false;
  ATRIUM_RETURN_IF_ERROR(impl_->Write([&](Executor& db, Conn&) -> Status {
    ATRIUM_ASSIGN_OR_RETURN(found, SetSessionExpiryRow(db, session_id, expires_at));
    return OkStatus();
  }));
  changes_.SessionChanged(session_id);
  return found;
}

Result<int64_t> SqliteStore::DeleteSessionsOfIdentity(std::string_view identity_id) {
  int64_t deleted = 0;
  ATRIUM_RETURN_IF_ERROR(impl_->Write([&](Executor& db, Conn&) -> Status {
    ATRIUM_ASSIGN_OR_RETURN(deleted, DeleteSessionsOfIdentityRows(db, identity_id));
    return OkStatus();
  }));
  changes_.IdentityChanged(identity_id);
  return deleted;
}

}  // namespace atrium::store

namespace atrium::store {

Status SqliteStore::Enqueue(const courier::Message& message) {
  return impl_->Write([&](Executor& db, Conn&) { return InsertCourierMessage(db, message); });
}

Result<std::vector<courier::Message>> SqliteStore::ClaimDue(std::string_view owner, Timestamp now,
                                                            Timestamp lease_until, int limit) {
  std::vector<courier::Message> claimed;
  ATRIUM_RETURN_IF_ERROR(impl_->Write([&](Executor& db, Conn&) -> Status {
    ATRIUM_ASSIGN_OR_RETURN(
        claimed, ClaimDueRows(db, ClaimLocking::kSerializedWriter, owner, now, lease_until, limit));
    return OkStatus();
  }));
  return claimed;
}

Result<bool> SqliteStore::MarkSent(std::string_view id, std::string_view owner, Timestamp now) {
  bool held = false;
  ATRIUM_RETURN_IF_ERROR(impl_->Write([&](Executor& db, Conn&) -> Status {
    ATRIUM_ASSIGN_OR_RETURN(held, MarkSentRow(db, id, owner, now));
    return OkStatus();
  }));
  return held;
}

Result<bool> SqliteStore::MarkFailed(std::string_view id, std::string_view owner,
                                     const courier::Failure& failure, Timestamp now) {
  bool held = false;
  ATRIUM_RETURN_IF_ERROR(impl_->Write([&](Executor& db, Conn&) -> Status {
    ATRIUM_ASSIGN_OR_RETURN(held, MarkFailedRow(db, id, owner, failure, now));
    return OkStatus();
  }));
  return held;
}

Result<std::vector<courier::Message>> SqliteStore::ListMessages(
    const courier::MessageFilter& filter, const std::optional<courier::MessageCursor>& after,
    int limit) {
  return impl_->Read([&](Executor& db) { return ListMessageRows(db, filter, after, limit); });
}

Result<std::optional<courier::Message>> SqliteStore::GetMessage(std::string_view id) {
  return impl_->Read([&](Executor& db) { return LoadMessage(db, id); });
}

Result<std::pair<int64_t, int64_t>> SqliteStore::PendingMessages() {
  return impl_->Read([](Executor& db) { return CountPendingRows(db); });
}

}  // namespace atrium::store

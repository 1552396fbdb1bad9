#include "store/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "base/random.h"
#include "base/strings.h"
#include "store/sqlite/migrations.h"

namespace atrium::store {
namespace {

using OJson = nlohmann::ordered_json;

int64_t Nanos(Timestamp t) { return t.time_since_epoch().count(); }
Timestamp FromNanos(int64_t n) { return Timestamp(Duration(n)); }

OJson ParseJson(const std::string& text) {
  if (text.empty()) {
    return nullptr;
  }
  auto j = OJson::parse(text, nullptr, false);
  return j.is_discarded() ? OJson() : j;
}

std::string DumpOrNull(const OJson& j) { return j.is_null() ? std::string() : j.dump(); }

// A cached prepared statement, reset when the borrower is done with it.
class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* s) : s_(s) {}
  ~Stmt() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& Bind(std::string_view v) {
    sqlite3_bind_text(s_, ++index_, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Bind(const std::string& v) { return Bind(std::string_view(v)); }
  Stmt& Bind(const char* v) { return Bind(std::string_view(v)); }
  Stmt& Bind(int64_t v) {
    sqlite3_bind_int64(s_, ++index_, v);
    return *this;
  }
  Stmt& Bind(int v) { return Bind(static_cast<int64_t>(v)); }
  Stmt& Bind(bool v) { return Bind(static_cast<int64_t>(v ? 1 : 0)); }
  Stmt& BindNull() {
    sqlite3_bind_null(s_, ++index_);
    return *this;
  }
  Stmt& Bind(const std::optional<std::string>& v) { return v ? Bind(*v) : BindNull(); }
  Stmt& Bind(const std::optional<Timestamp>& v) { return v ? Bind(Nanos(*v)) : BindNull(); }
  // Empty text as NULL (optional JSON documents).
  Stmt& BindOrNull(const std::string& v) { return v.empty() ? BindNull() : Bind(v); }

  int Step() { return sqlite3_step(s_); }
  std::string Text(int col) const {
    const auto* p = sqlite3_column_text(s_, col);
    return p == nullptr ? std::string()
                        : std::string(reinterpret_cast<const char*>(p),
                                      static_cast<size_t>(sqlite3_column_bytes(s_, col)));
  }
  int64_t Int(int col) const { return sqlite3_column_int64(s_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }

 private:
  sqlite3_stmt* s_;
  int index_ = 0;
};

Error DbError(sqlite3* db, int rc, std::string_view what) {
  const std::string message = std::string(what) + ": " + sqlite3_errstr(rc) + " (" +
                              (db != nullptr ? sqlite3_errmsg(db) : "") + ")";
  if ((rc & 0xff) == SQLITE_CONSTRAINT) {
    return Error::Conflict(message);
  }
  return Error::Unavailable(message);
}

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

  Result<std::unique_ptr<Stmt>> Prepare(const char* sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
      sqlite3_stmt* stmt = nullptr;
      const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
      if (rc != SQLITE_OK) {
        return DbError(db_, rc, "prepare");
      }
      it = cache_.emplace(sql, stmt).first;
    }
    return std::make_unique<Stmt>(it->second);
  }

  Status Exec(const char* sql) {
    char* message = nullptr;
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
      std::string text = message != nullptr ? message : sqlite3_errstr(rc);
      sqlite3_free(message);
      return rc == SQLITE_CONSTRAINT ? Error::Conflict(text)
                                     : Error::Unavailable("sqlite: " + text);
    }
    return OkStatus();
  }

  // Runs a statement that returns no rows.
  Status Run(Stmt& stmt, std::string_view what) {
    const int rc = stmt.Step();
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? OkStatus() : Status(DbError(db_, rc, what));
  }

 private:
  sqlite3* db_;
  std::unordered_map<const char*, sqlite3_stmt*> cache_;  // keyed by the literal's address
};

// The SQL texts, named so that each statement is prepared once per connection.
namespace sql {
constexpr const char* kInsertIdentity =
    "INSERT INTO identities (id, schema_id, state, state_changed_at, traits, metadata_public, "
    "metadata_admin, organization_id, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)";
constexpr const char* kInsertCredential =
    "INSERT INTO identity_credentials (id, identity_id, type, config, version, created_at, "
    "updated_at) VALUES (?,?,?,?,?,?,?)";
constexpr const char* kInsertIdentifier =
    "INSERT INTO identity_credential_identifiers (id, credential_id, identity_id, type, "
    "identifier, position) VALUES (?,?,?,?,?,?)";
constexpr const char* kInsertVerifiable =
    "INSERT INTO identity_verifiable_addresses (id, identity_id, via, value, verified, status, "
    "verified_at, position, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)";
constexpr const char* kInsertRecovery =
    "INSERT INTO identity_recovery_addresses (id, identity_id, via, value, position, "
    "created_at, updated_at) VALUES (?,?,?,?,?,?,?)";
constexpr const char* kInsertSession =
    "INSERT INTO sessions (id, token, identity_id, active, aal, authentication_methods, "
    "issued_at, authenticated_at, expires_at) VALUES (?,?,?,?,?,?,?,?,?)";
constexpr const char* kInsertDevice =
    "INSERT INTO session_devices (id, session_id, ip_address, user_agent, location, position) "
    "VALUES (?,?,?,?,?,?)";
constexpr const char* kSelectIdentity =
    "SELECT id, schema_id, state, state_changed_at, traits, metadata_public, metadata_admin, "
    "organization_id, created_at, updated_at FROM identities WHERE id = ?";
constexpr const char* kSelectCredentials =
    "SELECT id, type, config, version FROM identity_credentials WHERE identity_id = ? "
    "ORDER BY type";
constexpr const char* kSelectIdentifiers =
    "SELECT credential_id, identifier FROM identity_credential_identifiers "
    "WHERE identity_id = ? ORDER BY position";
constexpr const char* kSelectVerifiable =
    "SELECT id, value, verified, via, status, verified_at, created_at, updated_at "
    "FROM identity_verifiable_addresses WHERE identity_id = ? ORDER BY position";
constexpr const char* kSelectRecovery =
    "SELECT id, value, via, created_at, updated_at FROM identity_recovery_addresses "
    "WHERE identity_id = ? ORDER BY position";
constexpr const char* kOwnerOfIdentifier =
    "SELECT identity_id FROM identity_credential_identifiers WHERE type = ? AND identifier = ?";
constexpr const char* kOwnerOfIdentifierAnyType =
    "SELECT identity_id FROM identity_credential_identifiers WHERE identifier = ? LIMIT 1";
constexpr const char* kOwnerOfAddress =
    "SELECT identity_id FROM identity_verifiable_addresses WHERE value = ? UNION ALL "
    "SELECT identity_id FROM identity_recovery_addresses WHERE value = ? LIMIT 1";
constexpr const char* kCredentialTypes =
    "SELECT type FROM identity_credentials WHERE identity_id = ? ORDER BY type";
constexpr const char* kSelectSession =
    "SELECT id, token, identity_id, active, aal, authentication_methods, issued_at, "
    "authenticated_at, expires_at FROM sessions WHERE token = ?";
constexpr const char* kSelectDevices =
    "SELECT id, ip_address, user_agent, location FROM session_devices WHERE session_id = ? "
    "ORDER BY position";
constexpr const char* kInsertFlow =
    "INSERT INTO selfservice_registration_flows (id, type, expires_at, data, created_at, "
    "updated_at) VALUES (?,?,?,?,?,?)";
constexpr const char* kSelectFlow = "SELECT data FROM selfservice_registration_flows WHERE id = ?";
constexpr const char* kUpdateFlow =
    "UPDATE selfservice_registration_flows SET expires_at = ?, data = ?, updated_at = ? "
    "WHERE id = ?";
constexpr const char* kInsertError =
    "INSERT INTO selfservice_errors (id, error, created_at, updated_at) VALUES (?,?,?,?)";
constexpr const char* kSelectError =
    "SELECT id, error, created_at, updated_at FROM selfservice_errors WHERE id = ?";
constexpr const char* kInsertSecret =
    "INSERT OR IGNORE INTO secrets (name, value, created_at) VALUES (?,?,?)";
constexpr const char* kSelectSecret = "SELECT value FROM secrets WHERE name = ?";
constexpr const char* kPing = "SELECT 1";
}  // namespace sql

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct SqliteStore::Impl {
  std::vector<std::unique_ptr<Conn>> conns;
  std::vector<Conn*> idle;
  std::mutex mu;
  std::condition_variable available;

  // Borrows a connection for the scope of the lease.
  class Lease {
   public:
    Lease(Impl& impl, Conn* c) : impl_(impl), conn_(c) {}
    ~Lease() {
      {
        std::lock_guard lock(impl_.mu);
        impl_.idle.push_back(conn_);
      }
      impl_.available.notify_one();
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Conn& operator*() const { return *conn_; }
    Conn* operator->() const { return conn_; }

   private:
    Impl& impl_;
    Conn* conn_;
  };

  Lease Acquire() {
    std::unique_lock lock(mu);
    available.wait(lock, [this] { return !idle.empty(); });
    Conn* c = idle.back();
    idle.pop_back();
    return Lease(*this, c);
  }

  // Runs `body` inside BEGIN IMMEDIATE ... COMMIT, rolling back on any error. Busy databases
  // are retried a few times beyond SQLite's own busy timeout.
  template <typename F>
  Status Write(F&& body) {
    auto conn = Acquire();
    for (int attempt = 0;; ++attempt) {
      Status begin = conn->Exec("BEGIN IMMEDIATE");
      if (!begin.ok()) {
        if (attempt < 3) {
          std::this_thread::sleep_for(std::chrono::milliseconds(10 << attempt));
          continue;
        }
        return begin;
      }
      Status st = body(*conn);
      if (st.ok()) {
        st = conn->Exec("COMMIT");
      }
      if (!st.ok()) {
        (void)conn->Exec("ROLLBACK");
      }
      return st;
    }
  }

  // A consistent read: BEGIN (deferred) ... COMMIT.
  template <typename F>
  auto Read(F&& body) -> decltype(body(std::declval<Conn&>())) {
    auto conn = Acquire();
    if (auto st = conn->Exec("BEGIN"); !st.ok()) {
      return std::move(st).error();
    }
    auto result = body(*conn);
    (void)conn->Exec("COMMIT");
    return result;
  }

  static Result<std::optional<identity::Identity>> LoadIdentity(Conn& c, std::string_view id);
  static Result<OJson> ConflictDetails(Conn& c, const std::string& owner_query_value,
                                       const std::string& kind, const std::string& type,
                                       const std::string& value);
};

SqliteStore::SqliteStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteStore::~SqliteStore() = default;

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(std::string_view dsn, int pool_size) {
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
  auto impl = std::make_unique<Impl>();
  // Shared-cache memory databases lock per table and ignore busy_timeout: one connection.
  const int n = memory ? 1 : std::max(1, pool_size);
  for (int i = 0; i < n; ++i) {
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    auto conn = std::make_unique<Conn>(db);
    if (rc != SQLITE_OK) {
      return DbError(db, rc, "cannot open " + path);
    }
    sqlite3_busy_timeout(db, 5000);
    sqlite3_extended_result_codes(db, 1);
    ATRIUM_RETURN_IF_ERROR(conn->Exec(memory ? "PRAGMA foreign_keys = ON"
                                             : "PRAGMA journal_mode = WAL; "
                                               "PRAGMA synchronous = NORMAL; "
                                               "PRAGMA foreign_keys = ON"));
    impl->idle.push_back(conn.get());
    impl->conns.push_back(std::move(conn));
  }
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(impl)));
}

Result<int> SqliteStore::PendingMigrations() {
  return impl_->Read([](Conn& c) -> Result<int> {
    ATRIUM_RETURN_IF_ERROR(c.Exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT "
        "NOT NULL, applied_at INTEGER NOT NULL)"));
    ATRIUM_ASSIGN_OR_RETURN(auto stmt,
                            c.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
    if (stmt->Step() != SQLITE_ROW) {
      return Error::Unavailable("cannot read schema_migrations");
    }
    const int64_t applied = stmt->Int(0);
    int pending = 0;
    for (const auto& m : sqlite::Migrations()) {
      pending += m.version > applied ? 1 : 0;
    }
    return pending;
  });
}

Status SqliteStore::Migrate() {
  for (const auto& m : sqlite::Migrations()) {
    ATRIUM_RETURN_IF_ERROR(impl_->Write([&m](Conn& c) -> Status {
      ATRIUM_RETURN_IF_ERROR(c.Exec(
          "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT "
          "NOT NULL, applied_at INTEGER NOT NULL)"));
      ATRIUM_ASSIGN_OR_RETURN(auto check,
                              c.Prepare("SELECT 1 FROM schema_migrations WHERE version = ?"));
      check->Bind(m.version);
      if (check->Step() == SQLITE_ROW) {
        return OkStatus();
      }
      ATRIUM_RETURN_IF_ERROR(c.Exec(m.sql));
      ATRIUM_ASSIGN_OR_RETURN(
          auto record,
          c.Prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?,?,?)"));
      record->Bind(m.version).Bind(m.name).Bind(NowNanos());
      return c.Run(*record, "record migration");
    }));
  }
  return OkStatus();
}

Status SqliteStore::Ping() {
  return impl_->Read([](Conn& c) -> Status {
    ATRIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(sql::kPing));
    return stmt->Step() == SQLITE_ROW ? OkStatus() : Status(Error::Unavailable("ping failed"));
  });
}

Result<std::string> SqliteStore::GetOrCreateSecret(std::string_view name,
                                                   const std::function<std::string()>& make) {
  std::string value;
  ATRIUM_RETURN_IF_ERROR(impl_->Write([&](Conn& c) -> Status {
    ATRIUM_ASSIGN_OR_RETURN(auto insert, c.Prepare(sql::kInsertSecret));
    insert->Bind(name).Bind(make()).Bind(NowNanos());
    ATRIUM_RETURN_IF_ERROR(c.Run(*insert, "store secret"));
    ATRIUM_ASSIGN_OR_RETURN(auto select, c.Prepare(sql::kSelectSecret));
    select->Bind(name);
    if (select->Step() != SQLITE_ROW) {
      return Error::Unavailable("secret vanished");
    }
    value = select->Text(0);
    return OkStatus();
  }));
  return value;
}

// ---- flows and errors -------------------------------------------------------------------

Status SqliteStore::CreateFlow(const registration::Flow& flow) {
  return impl_->Write([&](Conn& c) -> Status {
    ATRIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(sql::kInsertFlow));
    const int64_t now = NowNanos();
    stmt->Bind(flow.id)
        .Bind(flow.IsApi() ? "api" : "browser")
        .Bind(Nanos(flow.expires_at))
        .Bind(flow.ToStorageJson().dump())
        .Bind(now)
        .Bind(now);
    return c.Run(*stmt, "create flow");
  });
}

Result<std::optional<registration::Flow>> SqliteStore::GetFlow(std::string_view id) {
  return impl_->Read([&](Conn& c) -> Result<std::optional<registration::Flow>> {
    ATRIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(sql::kSelectFlow));
    stmt->Bind(id);
    const int rc = stmt->Step();
    if (rc == SQLITE_DONE) {
      return std::optional<registration::Flow>();
    }
    if (rc != SQLITE_ROW) {
      return DbError(c.db(), rc, "get flow");
    }
    ATRIUM_ASSIGN_OR_RETURN(auto flow,
                            registration::Flow::FromStorageJson(ParseJson(stmt->Text(0))));
    return std::optional<registration::Flow>(std::move(flow));
  });
}

Status SqliteStore::UpdateFlow(const registration::Flow& flow) {
  return impl_->Write([&](Conn& c) -> Status {
    ATRIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(sql::kUpdateFlow));
    stmt->Bind(Nanos(flow.expires_at))
        .Bind(flow.ToStorageJson().dump())
        .Bind(NowNanos())
        .Bind(flow.id);
    ATRIUM_RETURN_IF_ERROR(c.Run(*stmt, "update flow"));
    if (sqlite3_changes(c.db()) == 0) {
      return Error::NotFound("flow " + flow.id + " does not exist");
    }
    return OkStatus();
  });
}

Status SqliteStore::CreateError(const flow::ErrorContainer& e) {
  return impl_->Write([&](Conn& c) -> Status {
    ATRIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(sql::kInsertError));
    stmt->Bind(e.id).Bind(e.error.dump()).Bind(Nanos(e.created_at)).Bind(Nanos(e.updated_at));
    return c.Run(*stmt, "create error");
  });
}

Result<std::optional<flow::ErrorContainer>> SqliteStore::GetError(std::string_view id) {
  return impl_->Read([&](Conn& c) -> Result<std::optional<flow::ErrorContainer>> {
    ATRIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(sql::kSelectError));
    stmt->Bind(id);
    const int rc = stmt->Step();
    if (rc == SQLITE_DONE) {
      return std::optional<flow::ErrorContainer>();
    }
    if (rc != SQLITE_ROW) {
      return DbError(c.db(), rc, "get error");
    }
    return std::optional<flow::ErrorContainer>(flow::ErrorContainer{
        stmt->Text(0), ParseJson(stmt->Text(1)), FromNanos(stmt->Int(2)), FromNanos(stmt->Int(3))});
  });
}

// ---- identities and sessions ------------------------------------------------------------

Result<OJson> SqliteStore::Impl::ConflictDetails(Conn& c, const std::string& owner_query_value,
                                                 const std::string& kind, const std::string& type,
                                                 const std::string& value) {
  std::string owner;
  if (kind == "identifier") {
    ATRIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(sql::kOwnerOfIdentifier));
    stmt->Bind(type).Bind(owner_query_value);
    if (stmt->Step() == SQLITE_ROW) {
      owner = stmt->Text(0);
    }
  } else {
    ATRIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(sql::kOwnerOfAddress));
    stmt->Bind(owner_query_value).Bind(owner_query_value);
    if (stmt->Step() == SQLITE_ROW) {
      owner = stmt->Text(0);
    }
  }
  OJson types = OJson::array();
  if (!owner.empty()) {
    ATRIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(sql::kCredentialTypes));
    stmt->Bind(owner);
    while (stmt->Step() == SQLITE_ROW) {
      types.push_back(stmt->Text(0));
    }
  }
  OJson details;
  details["credential_types"] = std::move(types);
  details["identifier"] = value;
  details["type"] = type;
  return details;
}

Status SqliteStore::CreateIdentityWithSession(const identity::Identity& id,
                                              const session::Session& s) {
  return impl_->Write([&](Conn& c) -> Status {
    // A unique violation on an identifier or address becomes a Conflict naming the value.
    const auto conflict_or = [&](Stmt& stmt, const char* what, const std::string& kind,
                                 const std::string& type, const std::string& value) -> Status {
      const int rc = stmt.Step();
      if (rc == SQLITE_DONE) {
        return OkStatus();
      }
      if ((rc & 0xff) != SQLITE_CONSTRAINT) {
        return DbError(c.db(), rc, what);
      }
      ATRIUM_ASSIGN_OR_RETURN(OJson details, Impl::ConflictDetails(c, value, kind, type, value));
      return Error::Conflict("an account with the same identifier exists already")
          .WithDetails(std::move(details));
    };
    {
      ATRIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(sql::kInsertIdentity));
      stmt->Bind(id.id)
          .Bind(id.schema_id)
          .Bind(id.state)
          .Bind(Nanos(id.state_changed_at))
          .Bind(id.traits.dump())
          .BindOrNull(DumpOrNull(id.metadata_public))
          .BindOrNull(DumpOrNull(id.metadata_admin))
          .Bind(id.organization_id)
          .Bind(Nanos(id.created_at))
          .Bind(Nanos(id.updated_at));
      ATRIUM_RETURN_IF_ERROR(c.Run(*stmt, "create identity"));
    }
    for (const auto& [type, credential] : id.credentials) {
      const std::string credential_id = NewUuid();
      {
        ATRIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(sql::kInsertCredential));
        stmt->Bind(credential_id)
            .Bind(id.id)
            .Bind(type)
            .Bind(credential.config.dump())
            .Bind(credential.version)
            .Bind(Nanos(id.created_at))
            .Bind(Nanos(id.updated_at));
        ATRIUM_RETURN_IF_ERROR(c.Run(*stmt, "create credential"));
      }
      for (size_t i = 0; i < credential.identifiers.size(); ++i) {
        ATRIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(sql::kInsertIdentifier));
        stmt->Bind(NewUuid())
            .Bind(credential_id)
            .Bind(id.id)
            .Bind(type)
            .Bind(credential.identifiers[i])
            .Bind(static_cast<int64_t>(i));
        ATRIUM_RETURN_IF_ERROR(conflict_or(*stmt, "create credential identifier", "identifier",
                                           type, credential.identifiers[i]));
      }
    }
    for (size_t i = 0; i < id.verifiable_addresses.size(); ++i) {
      const auto& a = id.verifiable_addresses[i];
      ATRIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(sql::kInsertVerifiable));
      stmt->Bind(a.id)
          .Bind(id.id)
          .Bind(a.via)
          .Bind(a.value)
          .Bind(a.verified)
          .Bind(a.status)
          .Bind(a.verified_at)
          .Bind(static_cast<int64_t>(i))
          .Bind(Nanos(a.created_at))
          .Bind(Nanos(a.updated_at));
      ATRIUM_RETURN_IF_ERROR(
          conflict_or(*stmt, "create verifiable address", "address", a.via, a.value));
    }
    for (size_t i = 0; i < id.recovery_addresses.size(); ++i) {
      const auto& a = id.recovery_addresses[i];
      ATRIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(sql::kInsertRecovery));
      stmt->Bind(a.id)
          .Bind(id.id)
          .Bind(a.via)
          .Bind(a.value)
          .Bind(static_cast<int64_t>(i))
          .Bind(Nanos(a.created_at))
          .Bind(Nanos(a.updated_at));
      ATRIUM_RETURN_IF_ERROR(
          conflict_or(*stmt, "create recovery address", "address", a.via, a.value));
    }
    {
      OJson methods = OJson::array();
      for (const auto& m : s.authentication_methods) {
        methods.push_back(
            {{"method", m.method}, {"aal", m.aal}, {"completed_at", Nanos(m.completed_at)}});
      }
      ATRIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(sql::kInsertSession));
      stmt->Bind(s.id)
          .Bind(s.token)
          .Bind(s.identity_id)
          .Bind(s.active)
          .Bind(s.aal)
          .Bind(methods.dump())
          .Bind(Nanos(s.issued_at))
          .Bind(Nanos(s.authenticated_at))
          .Bind(Nanos(s.expires_at));
      ATRIUM_RETURN_IF_ERROR(c.Run(*stmt, "create session"));
    }
    for (size_t i = 0; i < s.devices.size(); ++i) {
      const auto& d = s.devices[i];
      ATRIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(sql::kInsertDevice));
      stmt->Bind(d.id)
          .Bind(s.id)
          .Bind(d.ip_address)
          .Bind(d.user_agent)
          .Bind(d.location)
          .Bind(static_cast<int64_t>(i));
      ATRIUM_RETURN_IF_ERROR(c.Run(*stmt, "create session device"));
    }
    return OkStatus();
  });
}

Result<std::optional<identity::Identity>> SqliteStore::Impl::LoadIdentity(Conn& c,
                                                                          std::string_view id) {
  identity::Identity out;
  {
    ATRIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(sql::kSelectIdentity));
    stmt->Bind(id);
    const int rc = stmt->Step();
    if (rc == SQLITE_DONE) {
      return std::optional<identity::Identity>();
    }
    if (rc != SQLITE_ROW) {
      return DbError(c.db(), rc, "get identity");
    }
    out.id = stmt->Text(0);
    out.schema_id = stmt->Text(1);
    out.state = stmt->Text(2);
    out.state_changed_at = FromNanos(stmt->Int(3));
    out.traits = ParseJson(stmt->Text(4));
    out.metadata_public = ParseJson(stmt->Text(5));
    out.metadata_admin = ParseJson(stmt->Text(6));
    if (!stmt->IsNull(7)) {
      out.organization_id = stmt->Text(7);
    }
    out.created_at = FromNanos(stmt->Int(8));
    out.updated_at = FromNanos(stmt->Int(9));
  }
  std::map<std::string, std::string> type_of;  // credential id -> type
  {
    ATRIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(sql::kSelectCredentials));
    stmt->Bind(id);
    while (stmt->Step() == SQLITE_ROW) {
      identity::Credential cred;
      cred.type = stmt->Text(1);
      cred.config = ParseJson(stmt->Text(2));
      cred.version = static_cast<int>(stmt->Int(3));
      type_of[stmt->Text(0)] = cred.type;
      out.credentials[cred.type] = std::move(cred);
    }
  }
  {
    ATRIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(sql::kSelectIdentifiers));
    stmt->Bind(id);
    while (stmt->Step() == SQLITE_ROW) {
      out.credentials[type_of[stmt->Text(0)]].identifiers.push_back(stmt->Text(1));
    }
  }
  {
    ATRIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(sql::kSelectVerifiable));
    stmt->Bind(id);
    while (stmt->Step() == SQLITE_ROW) {
      identity::VerifiableAddress a;
      a.id = stmt->Text(0);
      a.value = stmt->Text(1);
      a.verified = stmt->Int(2) != 0;
      a.via = stmt->Text(3);
      a.status = stmt->Text(4);
      if (!stmt->IsNull(5)) {
        a.verified_at = FromNanos(stmt->Int(5));
      }
      a.created_at = FromNanos(stmt->Int(6));
      a.updated_at = FromNanos(stmt->Int(7));
      out.verifiable_addresses.push_back(std::move(a));
    }
  }
  {
    ATRIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(sql::kSelectRecovery));
    stmt->Bind(id);
    while (stmt->Step() == SQLITE_ROW) {
      identity::RecoveryAddress a;
      a.id = stmt->Text(0);
      a.value = stmt->Text(1);
      a.via = stmt->Text(2);
      a.created_at = FromNanos(stmt->Int(3));
      a.updated_at = FromNanos(stmt->Int(4));
      out.recovery_addresses.push_back(std::move(a));
    }
  }
  return std::optional<identity::Identity>(std::move(out));
}

Result<std::optional<identity::Identity>> SqliteStore::GetIdentity(std::string_view id) {
  return impl_->Read([&](Conn& c) { return Impl::LoadIdentity(c, id); });
}

Result<std::optional<identity::Identity>> SqliteStore::FindByCredentialIdentifier(
    std::string_view type, std::string_view identifier) {
  return impl_->Read([&](Conn& c) -> Result<std::optional<identity::Identity>> {
    ATRIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(sql::kOwnerOfIdentifier));
    stmt->Bind(type).Bind(identifier);
    if (stmt->Step() != SQLITE_ROW) {
      return std::optional<identity::Identity>();
    }
    const std::string owner = stmt->Text(0);
    return Impl::LoadIdentity(c, owner);
  });
}

Result<std::optional<identity::Identity>> SqliteStore::FindByAddress(std::string_view value) {
  return impl_->Read([&](Conn& c) -> Result<std::optional<identity::Identity>> {
    ATRIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(sql::kOwnerOfAddress));
    stmt->Bind(value).Bind(value);
    if (stmt->Step() != SQLITE_ROW) {
      return std::optional<identity::Identity>();
    }
    const std::string owner = stmt->Text(0);
    return Impl::LoadIdentity(c, owner);
  });
}

Result<std::optional<session::Session>> SqliteStore::GetSessionByToken(std::string_view token) {
  return impl_->Read([&](Conn& c) -> Result<std::optional<session::Session>> {
    session::Session s;
    {
      ATRIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(sql::kSelectSession));
      stmt->Bind(token);
      const int rc = stmt->Step();
      if (rc == SQLITE_DONE) {
        return std::optional<session::Session>();
      }
      if (rc != SQLITE_ROW) {
        return DbError(c.db(), rc, "get session");
      }
      s.id = stmt->Text(0);
      s.token = stmt->Text(1);
      s.identity_id = stmt->Text(2);
      s.active = stmt->Int(3) != 0;
      s.aal = stmt->Text(4);
      for (const auto& m : ParseJson(stmt->Text(5))) {
        s.authentication_methods.push_back(
            session::AuthenticationMethod{m.value("method", ""), m.value("aal", "aal1"),
                                          FromNanos(m.value("completed_at", int64_t{0}))});
      }
      s.issued_at = FromNanos(stmt->Int(6));
      s.authenticated_at = FromNanos(stmt->Int(7));
      s.expires_at = FromNanos(stmt->Int(8));
    }
    {
      ATRIUM_ASSIGN_OR_RETURN(auto stmt, c.Prepare(sql::kSelectDevices));
      stmt->Bind(s.id);
      while (stmt->Step() == SQLITE_ROW) {
        session::Device d;
        d.id = stmt->Text(0);
        d.ip_address = stmt->Text(1);
        if (!stmt->IsNull(2)) {
          d.user_agent = stmt->Text(2);
        }
        d.location = stmt->Text(3);
        s.devices.push_back(std::move(d));
      }
    }
    ATRIUM_ASSIGN_OR_RETURN(auto identity, Impl::LoadIdentity(c, s.identity_id));
    if (!identity) {
      return std::optional<session::Session>();
    }
    s.identity = std::move(*identity);
    return std::optional<session::Session>(std::move(s));
  });
}

}  // namespace atrium::store

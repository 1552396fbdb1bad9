#include "store/postgres/pg_store.h"

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <libpq-fe.h>

#include "base/random.h"
#include "base/strings.h"

namespace atrium::store {
namespace {

using OJson = nlohmann::ordered_json;
using Param = std::optional<std::string>;

int64_t Nanos(Timestamp t) { return t.time_since_epoch().count(); }
Timestamp FromNanos(const std::string& s) { return Timestamp(Duration(std::stoll(s))); }
std::string N(Timestamp t) { return std::to_string(Nanos(t)); }
int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

OJson ParseJson(const std::string& text) {
  if (text.empty()) {
    return nullptr;
  }
  auto j = OJson::parse(text, nullptr, false);
  return j.is_discarded() ? OJson() : j;
}
Param JsonOrNull(const OJson& j) { return j.is_null() ? Param() : Param(j.dump()); }

constexpr const char* kUniqueViolation = "23505";

bool Retryable(const std::string& sqlstate) {
  return sqlstate == "40001" || sqlstate == "40P01";  // serialization failure, deadlock
}

// One query result, freed on destruction.
class Rows {
 public:
  explicit Rows(PGresult* r) : r_(r) {}
  ~Rows() { PQclear(r_); }
  Rows(Rows&& o) noexcept : r_(std::exchange(o.r_, nullptr)) {}
  Rows(const Rows&) = delete;
  Rows& operator=(const Rows&) = delete;
  Rows& operator=(Rows&&) = delete;

  int size() const { return PQntuples(r_); }
  bool Null(int row, int col) const { return PQgetisnull(r_, row, col) != 0; }
  std::string Text(int row, int col) const { return PQgetvalue(r_, row, col); }
  int64_t Int(int row, int col) const { return std::stoll(Text(row, col)); }
  int64_t Affected() const { return std::atoll(PQcmdTuples(r_)); }

 private:
  PGresult* r_;
};

// A failed statement: the error plus its SQLSTATE (for conflicts and retries).
struct DbFailure {
  Error error;
  std::string sqlstate;
};

class Conn {
 public:
  explicit Conn(PGconn* c) : c_(c) {}
  ~Conn() { PQfinish(c_); }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  bool Healthy() const { return PQstatus(c_) == CONNECTION_OK; }

  // Prepares `sql` once per connection (named after the literal's address) and runs it.
  std::variant<Rows, DbFailure> Query(const char* sql, const std::vector<Param>& params) {
    const std::string name = "q" + std::to_string(reinterpret_cast<std::uintptr_t>(sql));
    if (!prepared_.count(name)) {
      PGresult* p = PQprepare(c_, name.c_str(), sql, static_cast<int>(params.size()), nullptr);
      Rows prep(p);
      if (PQresultStatus(p) != PGRES_COMMAND_OK) {
        return Failure(p, "prepare");
      }
      prepared_.insert(name);
    }
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& v : params) {
      values.push_back(v ? v->c_str() : nullptr);
    }
    PGresult* r = PQexecPrepared(c_, name.c_str(), static_cast<int>(values.size()), values.data(),
                                 nullptr, nullptr, 0);
    const auto status = PQresultStatus(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      DbFailure f = Failure(r, "query");
      PQclear(r);
      return f;
    }
    return Rows(r);
  }

  // Plain commands (BEGIN, COMMIT, DDL); no parameters.
  std::optional<DbFailure> Command(const char* sql) {
    PGresult* r = PQexec(c_, sql);
    const auto status = PQresultStatus(r);
    std::optional<DbFailure> out;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      out = Failure(r, "command");
    }
    PQclear(r);
    return out;
  }

 private:
  DbFailure Failure(PGresult* r, std::string_view what) {
    const char* state = r != nullptr ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    std::string sqlstate = state != nullptr ? state : "";
    std::string message = std::string("postgres ") + std::string(what) + ": " + PQerrorMessage(c_);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
      message.pop_back();
    }
    Error e = sqlstate == kUniqueViolation ? Error::Conflict(message) : Error::Unavailable(message);
    return DbFailure{std::move(e), std::move(sqlstate)};
  }

  PGconn* c_;
  std::set<std::string> prepared_;
};

namespace sql {
constexpr const char* kInsertIdentity =
    "INSERT INTO identities (id, schema_id, state, state_changed_at, traits, metadata_public, "
    "metadata_admin, organization_id, created_at, updated_at) "
    "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)";
constexpr const char* kInsertCredential =
    "INSERT INTO identity_credentials (id, identity_id, type, config, version, created_at, "
    "updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7)";
constexpr const char* kInsertIdentifier =
    "INSERT INTO identity_credential_identifiers (id, credential_id, identity_id, type, "
    "identifier, position) VALUES ($1,$2,$3,$4,$5,$6)";
constexpr const char* kInsertVerifiable =
    "INSERT INTO identity_verifiable_addresses (id, identity_id, via, value, verified, status, "
    "verified_at, position, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)";
constexpr const char* kInsertRecovery =
    "INSERT INTO identity_recovery_addresses (id, identity_id, via, value, position, "
    "created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7)";
constexpr const char* kInsertSession =
    "INSERT INTO sessions (id, token, identity_id, active, aal, authentication_methods, "
    "issued_at, authenticated_at, expires_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)";
constexpr const char* kInsertDevice =
    "INSERT INTO session_devices (id, session_id, ip_address, user_agent, location, position) "
    "VALUES ($1,$2,$3,$4,$5,$6)";
constexpr const char* kSelectIdentity =
    "SELECT id, schema_id, state, state_changed_at, traits, metadata_public, metadata_admin, "
    "organization_id, created_at, updated_at FROM identities WHERE id = $1";
constexpr const char* kSelectCredentials =
    "SELECT id, type, config, version FROM identity_credentials WHERE identity_id = $1 "
    "ORDER BY type";
constexpr const char* kSelectIdentifiers =
    "SELECT credential_id, identifier FROM identity_credential_identifiers "
    "WHERE identity_id = $1 ORDER BY position";
constexpr const char* kSelectVerifiable =
    "SELECT id, value, verified, via, status, verified_at, created_at, updated_at "
    "FROM identity_verifiable_addresses WHERE identity_id = $1 ORDER BY position";
constexpr const char* kSelectRecovery =
    "SELECT id, value, via, created_at, updated_at FROM identity_recovery_addresses "
    "WHERE identity_id = $1 ORDER BY position";
constexpr const char* kOwnerOfIdentifier =
    "SELECT identity_id FROM identity_credential_identifiers WHERE type = $1 AND identifier = $2";
constexpr const char* kOwnerOfAddress =
    "SELECT identity_id FROM identity_verifiable_addresses WHERE value = $1 UNION ALL "
    "SELECT identity_id FROM identity_recovery_addresses WHERE value = $1 LIMIT 1";
constexpr const char* kCredentialTypes =
    "SELECT type FROM identity_credentials WHERE identity_id = $1 ORDER BY type";
constexpr const char* kSelectSession =
    "SELECT id, token, identity_id, active, aal, authentication_methods, issued_at, "
    "authenticated_at, expires_at FROM sessions WHERE token = $1";
constexpr const char* kSelectDevices =
    "SELECT id, ip_address, user_agent, location FROM session_devices WHERE session_id = $1 "
    "ORDER BY position";
constexpr const char* kInsertFlow =
    "INSERT INTO selfservice_registration_flows (id, type, expires_at, data, created_at, "
    "updated_at) VALUES ($1,$2,$3,$4,$5,$6)";
constexpr const char* kSelectFlow = "SELECT data FROM selfservice_registration_flows WHERE id = $1";
constexpr const char* kUpdateFlow =
    "UPDATE selfservice_registration_flows SET expires_at = $1, data = $2, updated_at = $3 "
    "WHERE id = $4";
constexpr const char* kInsertError =
    "INSERT INTO selfservice_errors (id, error, created_at, updated_at) VALUES ($1,$2,$3,$4)";
constexpr const char* kSelectError =
    "SELECT id, error, created_at, updated_at FROM selfservice_errors WHERE id = $1";
constexpr const char* kInsertSecret =
    "INSERT INTO secrets (name, value, created_at) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING";
constexpr const char* kSelectSecret = "SELECT value FROM secrets WHERE name = $1";
constexpr const char* kPing = "SELECT 1";
constexpr const char* kMigrationApplied = "SELECT 1 FROM schema_migrations WHERE version = $1";
constexpr const char* kRecordMigration =
    "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1,$2,$3)";
constexpr const char* kMaxMigration = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
constexpr const char* kMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT "
    "NULL, applied_at BIGINT NOT NULL)";
// Serializes migrators across instances for the duration of one transaction.
constexpr const char* kMigrationLock = "SELECT pg_advisory_xact_lock(7283746)";
}  // namespace sql

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// Timestamps are BIGINT nanoseconds since the epoch; JSON is TEXT (key order is significant).
const std::vector<Migration>& Migrations() {
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
  };
  return migrations;
}

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
    Conn* operator->() const { return impl_.slots[slot_].get(); }

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
        return Error::Unavailable("postgres: no free database connection within " +
                                  std::to_string(options.acquire_timeout.count()) + " ms");
      }
      slot = idle.back();
      idle.pop_back();
    }
    auto lease = std::make_unique<Lease>(*this, slot);
    auto& conn = slots[slot];
    if (!conn || !conn->Healthy()) {
      PGconn* raw = PQconnectdb(conninfo.c_str());
      auto fresh = std::make_unique<Conn>(raw);
      if (!fresh->Healthy()) {
        std::string message = PQerrorMessage(raw);
        while (!message.empty() && message.back() == '\n') {
          message.pop_back();
        }
        conn.reset();
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
      Conn& c = **lease;
      if (auto f = c.Command("BEGIN")) {
        return f->error;
      }
      std::optional<DbFailure> failure = body(c);
      if (!failure) {
        failure = c.Command("COMMIT");
      }
      if (!failure) {
        return OkStatus();
      }
      (void)c.Command("ROLLBACK");
      if (Retryable(failure->sqlstate) && attempt < 5) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5 << attempt));
        continue;
      }
      return failure->error;
    }
  }

  template <typename T, typename F>
  Result<T> Read(F&& body) {
    ATRIUM_ASSIGN_OR_RETURN(auto lease, Acquire());
    return body(**lease);
  }

  static Result<std::optional<identity::Identity>> LoadIdentity(Conn& c, const std::string& id);
  Result<OJson> ConflictDetails(const std::string& kind, const std::string& type,
                                const std::string& value);
};

#define PG_TRY(rows_var, expr)                                       \
  auto rows_var##_result = (expr);                                   \
  if (auto* failure_ = std::get_if<DbFailure>(&rows_var##_result)) { \
    return failure_->error;                                          \
  }                                                                  \
  Rows& rows_var = std::get<Rows>(rows_var##_result)

PgStore::PgStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PgStore::~PgStore() = default;

Result<std::unique_ptr<PgStore>> PgStore::Open(std::string_view dsn, PgOptions options) {
  if (!dsn.starts_with("postgres://") && !dsn.starts_with("postgresql://")) {
    return Error::InvalidArgument("dsn " + GoQuote(dsn) + ": expected postgres://...");
  }
  // Split off the query to consume pop's pool parameters and add Atrium's timeouts.
  const size_t q = dsn.find('?');
  std::string base(dsn.substr(0, q));
  std::vector<std::string> kept;
  bool has_connect_timeout = false;
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
      if (PopParams().count(key)) {
        continue;
      }
      has_connect_timeout = has_connect_timeout || key == "connect_timeout";
      kept.emplace_back(part);
    }
  }
  if (!has_connect_timeout) {
    kept.push_back("connect_timeout=" + std::to_string(options.connect_timeout.count()));
  }
  kept.push_back("options=-c%20statement_timeout%3D" +
                 std::to_string(options.statement_timeout.count()) +
                 "%20-c%20client_min_messages%3Dwarning");
  kept.push_back("application_name=atrium");
  std::string conninfo = base + "?";
  for (size_t i = 0; i < kept.size(); ++i) {
    conninfo += (i ? "&" : "") + kept[i];
  }
  auto impl = std::make_unique<Impl>();
  impl->conninfo = std::move(conninfo);
  impl->options = options;
  impl->slots.resize(static_cast<size_t>(std::max(1, options.pool_size)));
  for (size_t i = 0; i < impl->slots.size(); ++i) {
    impl->idle.push_back(i);
  }
  return std::unique_ptr<PgStore>(new PgStore(std::move(impl)));
}

Status PgStore::Migrate() {
  for (const auto& m : Migrations()) {
    ATRIUM_RETURN_IF_ERROR(impl_->Transaction([&m](Conn& c) -> std::optional<DbFailure> {
      if (auto f = c.Command(sql::kMigrationLock)) {
        return f;
      }
      if (auto f = c.Command(sql::kMigrationsTable)) {
        return f;
      }
      auto applied = c.Query(sql::kMigrationApplied, {std::to_string(m.version)});
      if (auto* f = std::get_if<DbFailure>(&applied)) {
        return std::move(*f);
      }
      if (std::get<Rows>(applied).size() > 0) {
        return std::nullopt;
      }
      if (auto f = c.Command(m.sql)) {
        return f;
      }
      auto record = c.Query(sql::kRecordMigration,
                            {std::to_string(m.version), m.name, std::to_string(NowNanos())});
      if (auto* f = std::get_if<DbFailure>(&record)) {
        return std::move(*f);
      }
      return std::nullopt;
    }));
  }
  return OkStatus();
}

Result<int> PgStore::PendingMigrations() {
  return impl_->Read<int>([](Conn& c) -> Result<int> {
    if (auto f = c.Command(sql::kMigrationsTable)) {
      return f->error;
    }
    PG_TRY(rows, c.Query(sql::kMaxMigration, {}));
    const int64_t applied = rows.Int(0, 0);
    int pending = 0;
    for (const auto& m : Migrations()) {
      pending += m.version > applied ? 1 : 0;
    }
    return pending;
  });
}

namespace {
Status ToStatus(Result<bool> r) { return r.ok() ? OkStatus() : Status(std::move(r).error()); }
}  // namespace

Status PgStore::Ping() {
  return ToStatus(impl_->Read<bool>([](Conn& c) -> Result<bool> {
    PG_TRY(rows, c.Query(sql::kPing, {}));
    return rows.size() == 1;
  }));
}

Result<std::string> PgStore::GetOrCreateSecret(std::string_view name,
                                               const std::function<std::string()>& make) {
  return impl_->Read<std::string>([&](Conn& c) -> Result<std::string> {
    PG_TRY(inserted,
           c.Query(sql::kInsertSecret, {std::string(name), make(), std::to_string(NowNanos())}));
    (void)inserted;
    PG_TRY(rows, c.Query(sql::kSelectSecret, {std::string(name)}));
    if (rows.size() != 1) {
      return Error::Unavailable("postgres: secret vanished");
    }
    return rows.Text(0, 0);
  });
}

Status PgStore::CreateFlow(const registration::Flow& f) {
  return ToStatus(impl_->Read<bool>([&](Conn& c) -> Result<bool> {
    const std::string now = std::to_string(NowNanos());
    PG_TRY(rows, c.Query(sql::kInsertFlow, {f.id, f.IsApi() ? "api" : "browser", N(f.expires_at),
                                            f.ToStorageJson().dump(), now, now}));
    (void)rows;
    return true;
  }));
}

Result<std::optional<registration::Flow>> PgStore::GetFlow(std::string_view id) {
  using Out = std::optional<registration::Flow>;
  return impl_->Read<Out>([&](Conn& c) -> Result<Out> {
    PG_TRY(rows, c.Query(sql::kSelectFlow, {std::string(id)}));
    if (rows.size() == 0) {
      return Out();
    }
    ATRIUM_ASSIGN_OR_RETURN(auto flow,
                            registration::Flow::FromStorageJson(ParseJson(rows.Text(0, 0))));
    return Out(std::move(flow));
  });
}

Status PgStore::UpdateFlow(const registration::Flow& f) {
  auto r = impl_->Read<int64_t>([&](Conn& c) -> Result<int64_t> {
    PG_TRY(rows, c.Query(sql::kUpdateFlow, {N(f.expires_at), f.ToStorageJson().dump(),
                                            std::to_string(NowNanos()), f.id}));
    return rows.Affected();
  });
  if (!r.ok()) {
    return std::move(r).error();
  }
  return *r == 0 ? Status(Error::NotFound("flow " + f.id + " does not exist")) : OkStatus();
}

Status PgStore::CreateError(const flow::ErrorContainer& e) {
  return ToStatus(impl_->Read<bool>([&](Conn& c) -> Result<bool> {
    PG_TRY(rows,
           c.Query(sql::kInsertError, {e.id, e.error.dump(), N(e.created_at), N(e.updated_at)}));
    (void)rows;
    return true;
  }));
}

Result<std::optional<flow::ErrorContainer>> PgStore::GetError(std::string_view id) {
  using Out = std::optional<flow::ErrorContainer>;
  return impl_->Read<Out>([&](Conn& c) -> Result<Out> {
    PG_TRY(rows, c.Query(sql::kSelectError, {std::string(id)}));
    if (rows.size() == 0) {
      return Out();
    }
    return Out(flow::ErrorContainer{rows.Text(0, 0), ParseJson(rows.Text(0, 1)),
                                    FromNanos(rows.Text(0, 2)), FromNanos(rows.Text(0, 3))});
  });
}

Result<OJson> PgStore::Impl::ConflictDetails(const std::string& kind, const std::string& type,
                                             const std::string& value) {
  return Read<OJson>([&](Conn& c) -> Result<OJson> {
    std::string owner;
    if (kind == "identifier") {
      PG_TRY(rows, c.Query(sql::kOwnerOfIdentifier, {type, value}));
      owner = rows.size() > 0 ? rows.Text(0, 0) : "";
    } else {
      PG_TRY(rows, c.Query(sql::kOwnerOfAddress, {value}));
      owner = rows.size() > 0 ? rows.Text(0, 0) : "";
    }
    OJson types = OJson::array();
    if (!owner.empty()) {
      PG_TRY(rows, c.Query(sql::kCredentialTypes, {owner}));
      for (int i = 0; i < rows.size(); ++i) {
        types.push_back(rows.Text(i, 0));
      }
    }
    OJson details;
    details["credential_types"] = std::move(types);
    details["identifier"] = value;
    details["type"] = type;
    return details;
  });
}

Status PgStore::CreateIdentityWithSession(const identity::Identity& id, const session::Session& s) {
  // Which value a unique violation was about; the details are read after the rollback.
  std::string conflict_kind;
  std::string conflict_type;
  std::string conflict_value;
  Status st = impl_->Transaction([&](Conn& c) -> std::optional<DbFailure> {
    const auto run = [&](const char* q, const std::vector<Param>& params, const char* kind,
                         const std::string& type,
                         const std::string& value) -> std::optional<DbFailure> {
      auto r = c.Query(q, params);
      if (auto* f = std::get_if<DbFailure>(&r)) {
        if (f->sqlstate == kUniqueViolation && kind != nullptr) {
          conflict_kind = kind;
          conflict_type = type;
          conflict_value = value;
        }
        return std::move(*f);
      }
      return std::nullopt;
    };
    if (auto f = run(sql::kInsertIdentity,
                     {id.id, id.schema_id, id.state, N(id.state_changed_at), id.traits.dump(),
                      JsonOrNull(id.metadata_public), JsonOrNull(id.metadata_admin),
                      id.organization_id, N(id.created_at), N(id.updated_at)},
                     nullptr, "", "")) {
      return f;
    }
    for (const auto& [type, credential] : id.credentials) {
      const std::string credential_id = NewUuid();
      if (auto f = run(sql::kInsertCredential,
                       {credential_id, id.id, type, credential.config.dump(),
                        std::to_string(credential.version), N(id.created_at), N(id.updated_at)},
                       nullptr, "", "")) {
        return f;
      }
      for (size_t i = 0; i < credential.identifiers.size(); ++i) {
        if (auto f = run(sql::kInsertIdentifier,
                         {NewUuid(), credential_id, id.id, type, credential.identifiers[i],
                          std::to_string(i)},
                         "identifier", type, credential.identifiers[i])) {
          return f;
        }
      }
    }
    for (size_t i = 0; i < id.verifiable_addresses.size(); ++i) {
      const auto& a = id.verifiable_addresses[i];
      if (auto f = run(sql::kInsertVerifiable,
                       {a.id, id.id, a.via, a.value, a.verified ? "true" : "false", a.status,
                        a.verified_at ? Param(N(*a.verified_at)) : Param(), std::to_string(i),
                        N(a.created_at), N(a.updated_at)},
                       "address", a.via, a.value)) {
        return f;
      }
    }
    for (size_t i = 0; i < id.recovery_addresses.size(); ++i) {
      const auto& a = id.recovery_addresses[i];
      if (auto f = run(
              sql::kInsertRecovery,
              {a.id, id.id, a.via, a.value, std::to_string(i), N(a.created_at), N(a.updated_at)},
              "address", a.via, a.value)) {
        return f;
      }
    }
    OJson methods = OJson::array();
    for (const auto& m : s.authentication_methods) {
      methods.push_back(
          {{"method", m.method}, {"aal", m.aal}, {"completed_at", Nanos(m.completed_at)}});
    }
    if (auto f = run(sql::kInsertSession,
                     {s.id, s.token, s.identity_id, s.active ? "true" : "false", s.aal,
                      methods.dump(), N(s.issued_at), N(s.authenticated_at), N(s.expires_at)},
                     nullptr, "", "")) {
      return f;
    }
    for (size_t i = 0; i < s.devices.size(); ++i) {
      const auto& d = s.devices[i];
      if (auto f = run(sql::kInsertDevice,
                       {d.id, s.id, d.ip_address, d.user_agent, d.location, std::to_string(i)},
                       nullptr, "", "")) {
        return f;
      }
    }
    return std::nullopt;
  });
  if (st.ok() || st.error().code != ErrorCode::kConflict || conflict_kind.empty()) {
    return st;
  }
  ATRIUM_ASSIGN_OR_RETURN(OJson details,
                          impl_->ConflictDetails(conflict_kind, conflict_type, conflict_value));
  return Error::Conflict("an account with the same identifier exists already")
      .WithDetails(std::move(details));
}

Result<std::optional<identity::Identity>> PgStore::Impl::LoadIdentity(Conn& c,
                                                                      const std::string& id) {
  using Out = std::optional<identity::Identity>;
  identity::Identity out;
  {
    PG_TRY(rows, c.Query(sql::kSelectIdentity, {id}));
    if (rows.size() == 0) {
      return Out();
    }
    out.id = rows.Text(0, 0);
    out.schema_id = rows.Text(0, 1);
    out.state = rows.Text(0, 2);
    out.state_changed_at = FromNanos(rows.Text(0, 3));
    out.traits = ParseJson(rows.Text(0, 4));
    out.metadata_public = ParseJson(rows.Text(0, 5));
    out.metadata_admin = ParseJson(rows.Text(0, 6));
    if (!rows.Null(0, 7)) {
      out.organization_id = rows.Text(0, 7);
    }
    out.created_at = FromNanos(rows.Text(0, 8));
    out.updated_at = FromNanos(rows.Text(0, 9));
  }
  std::map<std::string, std::string> type_of;
  {
    PG_TRY(rows, c.Query(sql::kSelectCredentials, {id}));
    for (int i = 0; i < rows.size(); ++i) {
      identity::Credential cred;
      cred.type = rows.Text(i, 1);
      cred.config = ParseJson(rows.Text(i, 2));
      cred.version = static_cast<int>(rows.Int(i, 3));
      type_of[rows.Text(i, 0)] = cred.type;
      out.credentials[cred.type] = std::move(cred);
    }
  }
  {
    PG_TRY(rows, c.Query(sql::kSelectIdentifiers, {id}));
    for (int i = 0; i < rows.size(); ++i) {
      out.credentials[type_of[rows.Text(i, 0)]].identifiers.push_back(rows.Text(i, 1));
    }
  }
  {
    PG_TRY(rows, c.Query(sql::kSelectVerifiable, {id}));
    for (int i = 0; i < rows.size(); ++i) {
      identity::VerifiableAddress a;
      a.id = rows.Text(i, 0);
      a.value = rows.Text(i, 1);
      a.verified = rows.Text(i, 2) == "t";
      a.via = rows.Text(i, 3);
      a.status = rows.Text(i, 4);
      if (!rows.Null(i, 5)) {
        a.verified_at = FromNanos(rows.Text(i, 5));
      }
      a.created_at = FromNanos(rows.Text(i, 6));
      a.updated_at = FromNanos(rows.Text(i, 7));
      out.verifiable_addresses.push_back(std::move(a));
    }
  }
  {
    PG_TRY(rows, c.Query(sql::kSelectRecovery, {id}));
    for (int i = 0; i < rows.size(); ++i) {
      out.recovery_addresses.push_back(
          identity::RecoveryAddress{rows.Text(i, 0), rows.Text(i, 1), rows.Text(i, 2),
                                    FromNanos(rows.Text(i, 3)), FromNanos(rows.Text(i, 4))});
    }
  }
  return Out(std::move(out));
}

Result<std::optional<identity::Identity>> PgStore::GetIdentity(std::string_view id) {
  using Out = std::optional<identity::Identity>;
  return impl_->Read<Out>([&](Conn& c) { return Impl::LoadIdentity(c, std::string(id)); });
}

Result<std::optional<identity::Identity>> PgStore::FindByCredentialIdentifier(
    std::string_view type, std::string_view identifier) {
  using Out = std::optional<identity::Identity>;
  return impl_->Read<Out>([&](Conn& c) -> Result<Out> {
    PG_TRY(rows, c.Query(sql::kOwnerOfIdentifier, {std::string(type), std::string(identifier)}));
    if (rows.size() == 0) {
      return Out();
    }
    return Impl::LoadIdentity(c, rows.Text(0, 0));
  });
}

Result<std::optional<identity::Identity>> PgStore::FindByAddress(std::string_view value) {
  using Out = std::optional<identity::Identity>;
  return impl_->Read<Out>([&](Conn& c) -> Result<Out> {
    PG_TRY(rows, c.Query(sql::kOwnerOfAddress, {std::string(value)}));
    if (rows.size() == 0) {
      return Out();
    }
    return Impl::LoadIdentity(c, rows.Text(0, 0));
  });
}

Result<std::optional<session::Session>> PgStore::GetSessionByToken(std::string_view token) {
  using Out = std::optional<session::Session>;
  return impl_->Read<Out>([&](Conn& c) -> Result<Out> {
    session::Session s;
    {
      PG_TRY(rows, c.Query(sql::kSelectSession, {std::string(token)}));
      if (rows.size() == 0) {
        return Out();
      }
      s.id = rows.Text(0, 0);
      s.token = rows.Text(0, 1);
      s.identity_id = rows.Text(0, 2);
      s.active = rows.Text(0, 3) == "t";
      s.aal = rows.Text(0, 4);
      for (const auto& m : ParseJson(rows.Text(0, 5))) {
        s.authentication_methods.push_back(session::AuthenticationMethod{
            m.value("method", ""), m.value("aal", "aal1"),
            Timestamp(Duration(m.value("completed_at", int64_t{0})))});
      }
      s.issued_at = FromNanos(rows.Text(0, 6));
      s.authenticated_at = FromNanos(rows.Text(0, 7));
      s.expires_at = FromNanos(rows.Text(0, 8));
    }
    {
      PG_TRY(rows, c.Query(sql::kSelectDevices, {s.id}));
      for (int i = 0; i < rows.size(); ++i) {
        session::Device d;
        d.id = rows.Text(i, 0);
        d.ip_address = rows.Text(i, 1);
        if (!rows.Null(i, 2)) {
          d.user_agent = rows.Text(i, 2);
        }
        d.location = rows.Text(i, 3);
        s.devices.push_back(std::move(d));
      }
    }
    ATRIUM_ASSIGN_OR_RETURN(auto identity, Impl::LoadIdentity(c, s.identity_id));
    if (!identity) {
      return Out();
    }
    s.identity = std::move(*identity);
    return Out(std::move(s));
  });
}

}  // namespace atrium::store

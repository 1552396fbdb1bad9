#include "store/postgres/pg_store.h"

#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include "store/contract_test.h"
#include "store/outbox_contract_test.h"
#include "store/plan_test.h"

namespace atrium::store {
namespace {

using contract::StoreContract;

// The contract runs against the server named by ATRIUM_TEST_PG_DSN (tools/test.sh starts one).
const char* Dsn() { return std::getenv("ATRIUM_TEST_PG_DSN"); }

// Runs SQL on a raw libpq connection; "" on success, else the server's message.
std::string Exec(PGconn* c, const std::string& sql) {
  PGresult* r = PQexec(c, sql.c_str());
  const auto status = PQresultStatus(r);
  PQclear(r);
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK ? "" : PQerrorMessage(c);
}

// Each contract test gets a schema of its own on the shared server, dropped afterwards: tests
// that ctest runs beside each other never see each other's rows (a claim of due courier
// messages takes every due row, whoever queued it).
class ScopedSchema {
 public:
  explicit ScopedSchema(std::string schema) : schema_(std::move(schema)) {
    EXPECT_EQ(Run("CREATE SCHEMA " + schema_), "");
  }
  ~ScopedSchema() {
    store.reset();  // close the pool before the schema goes
    Run("DROP SCHEMA " + schema_ + " CASCADE");
  }
  ScopedSchema(const ScopedSchema&) = delete;
  ScopedSchema& operator=(const ScopedSchema&) = delete;

  // The test server's DSN with this schema first on the search path.
  std::string ScopedDsn() const {
    const std::string dsn(atrium::store::Dsn());
    return dsn + (dsn.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
           schema_;
  }
  std::shared_ptr<PgStore> store;

 private:
  static std::string Run(const std::string& sql) {
    const std::string dsn(atrium::store::Dsn());
    PGconn* c = PQconnectdb(dsn.substr(0, dsn.find('?')).c_str());
    std::string error = PQstatus(c) == CONNECTION_OK ? Exec(c, sql) : PQerrorMessage(c);
    PQfinish(c);
    return error;
  }
  std::string schema_;
};

contract::StoreUnderTest PgUnderTest() {
  auto scope = std::make_shared<ScopedSchema>("contract_" + NewUuid().substr(0, 8));
  auto s = PgStore::Open(scope->ScopedDsn(), PgOptions{});
  EXPECT_TRUE(s.ok()) << s.error().reason;
  EXPECT_TRUE((*s)->Migrate().ok());
  scope->store = std::shared_ptr<PgStore>(std::move(s).value());
  PgStore* store = scope->store.get();
  return contract::StoreUnderTest{scope, store, store, store, store, store, store, true};
}

// Without a server the factory is empty and every contract test reports itself skipped.
INSTANTIATE_TEST_SUITE_P(Postgres, StoreContract,
                         ::testing::Values(Dsn() != nullptr ? contract::StoreFactory(PgUnderTest)
                                                            : contract::StoreFactory()),
                         [](const auto&) { return std::string("postgres"); });

// The DSN's own `options` reach the server beside Atrium's statement timeout (they were once
// replaced by it): a search path naming a schema that does not exist leaves migrations nowhere
// to create their tables.
TEST(PgStore, TheDsnsOwnOptionsAreKept) {
  if (Dsn() == nullptr) {
    GTEST_SKIP() << "ATRIUM_TEST_PG_DSN is not set";
  }
  auto s =
      PgStore::Open(std::string(Dsn()) + "&options=-csearch_path%3Dno_such_schema", PgOptions{});
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE((*s)->Migrate().ok());
}

TEST(PgStore, MigratesConcurrentlyAndIdempotently) {
  if (Dsn() == nullptr) {
    GTEST_SKIP() << "ATRIUM_TEST_PG_DSN is not set";
  }
  constexpr int kThreads = 4;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  std::atomic<int> ok{0};
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      auto s = PgStore::Open(Dsn(), PgOptions{});
      if (s.ok() && (*s)->Migrate().ok()) {
        ++ok;
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(ok, 4);
  auto s = PgStore::Open(Dsn(), PgOptions{});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*(*s)->PendingMigrations(), 0);
  EXPECT_TRUE((*s)->Ping().ok());
}

// Runs statements on a raw connection, first asking PostgreSQL how it would run each with
// sequential scans, merge and hash joins made as dear as it can: on almost empty tables it would
// otherwise read a table, or walk a whole index, even where an index finds the few rows that a
// big table's statement touches. Every plan that still reads a whole table is kept in `scans`.
class ExplainingExecutor final : public Executor {
 public:
  explicit ExplainingExecutor(PGconn* c) : c_(c) {
    EXPECT_EQ(Exec(c_,
                   "SET enable_seqscan = off; SET enable_mergejoin = off; "
                   "SET enable_hashjoin = off"),
              "");
  }

  Result<std::vector<Row>> Query(const char* sql, const Params& params) override {
    ATRIUM_RETURN_IF_ERROR(Explain(sql, params));
    return Run(sql, params);
  }
  Result<int64_t> Execute(const char* sql, const Params& params) override {
    ATRIUM_RETURN_IF_ERROR(Explain(sql, params));
    int64_t changed = 0;
    ATRIUM_RETURN_IF_ERROR(Run(sql, params, &changed));
    return changed;
  }

  std::vector<std::string> scans;

 private:
  // A Seq Scan reads a table whole, and so does an index scan without an Index Cond (one that
  // walks a whole index for its order or for a filter).
  Status Explain(const char* sql, const Params& params) {
    ATRIUM_ASSIGN_OR_RETURN(const auto rows, Run(std::string("EXPLAIN ") + sql, params));
    std::vector<std::string> lines;
    for (const Row& row : rows) {
      lines.push_back(*row.at(0));
    }
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const std::string& node = lines[i];
      bool whole = node.find("Seq Scan") != std::string::npos;
      if (node.find("Index Scan using") != std::string::npos ||
          node.find("Index Only Scan using") != std::string::npos) {
        // The node's details follow it, indented deeper, until the next node.
        const auto depth = node.find_first_not_of(" ->");
        bool has_cond = false;
        for (std::size_t j = i + 1; j < lines.size(); ++j) {
          const std::string& detail = lines[j];
          if (detail.find("->") != std::string::npos || detail.find_first_not_of(' ') < depth) {
            break;
          }
          has_cond = has_cond || detail.find("Index Cond:") != std::string::npos;
        }
        whole = !has_cond;
      }
      if (whole) {
        scans.push_back(node + " in: " + sql);
      }
    }
    return OkStatus();
  }

  Result<std::vector<Row>> Run(const std::string& sql, const Params& params,
                               int64_t* changed = nullptr) {
    std::vector<const char*> values;
    for (const auto& v : params) {
      values.push_back(v ? v->c_str() : nullptr);
    }
    PGresult* r = PQexecParams(c_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                               values.data(), nullptr, nullptr, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK) {
      PQclear(r);
      return Error::Unavailable(PQerrorMessage(c_));
    }
    if (changed != nullptr) {
      *changed = std::atoll(PQcmdTuples(r));
    }
    std::vector<Row> rows;
    for (int i = 0; i < PQntuples(r); ++i) {
      Row& row = rows.emplace_back();
      for (int j = 0; j < PQnfields(r); ++j) {
        row.push_back(PQgetisnull(r, i, j) ? Value() : Value(PQgetvalue(r, i, j)));
      }
    }
    PQclear(r);
    return rows;
  }

  PGconn* c_;
};

// Every lookup by a key and every sweep is served by an index (plan_test.h), also after
// migration 15 dropped the indexes that no lookup read.
TEST(PgStore, LookupsAndSweepsReadNoWholeTable) {
  if (Dsn() == nullptr) {
    GTEST_SKIP() << "ATRIUM_TEST_PG_DSN is not set";
  }
  ScopedSchema scope("plans_" + NewUuid().substr(0, 8));
  auto s = PgStore::Open(scope.ScopedDsn(), PgOptions{});
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE((*s)->Migrate().ok());
  PGconn* c = PQconnectdb(scope.ScopedDsn().c_str());
  ASSERT_EQ(PQstatus(c), CONNECTION_OK) << PQerrorMessage(c);
  ExplainingExecutor explaining(c);
  plan::CheckLookupsAndSweeps(**s, explaining);
  PQfinish(c);
}

// Flow tables are left out of PostgreSQL's insert-triggered autovacuum (migration 14); the
// other tables keep the server's defaults.
TEST(PgStore, FlowTablesAreNotVacuumedForInsertsAlone) {
  if (Dsn() == nullptr) {
    GTEST_SKIP() << "ATRIUM_TEST_PG_DSN is not set";
  }
  ScopedSchema scope("vacuum_" + NewUuid().substr(0, 8));
  auto s = PgStore::Open(scope.ScopedDsn(), PgOptions{});
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE((*s)->Migrate().ok());
  PGconn* c = PQconnectdb(scope.ScopedDsn().c_str());
  ASSERT_EQ(PQstatus(c), CONNECTION_OK) << PQerrorMessage(c);
  PGresult* r = PQexec(c,
                       "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = "
                       "c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r' "
                       "AND 'autovacuum_vacuum_insert_threshold=-1' = ANY(c.reloptions) "
                       "ORDER BY 1");
  ASSERT_EQ(PQresultStatus(r), PGRES_TUPLES_OK) << PQerrorMessage(c);
  std::vector<std::string> tables;
  for (int i = 0; i < PQntuples(r); ++i) {
    tables.emplace_back(PQgetvalue(r, i, 0));
  }
  PQclear(r);
  PQfinish(c);
  EXPECT_EQ(tables,
            (std::vector<std::string>{"selfservice_login_flows", "selfservice_registration_flows",
                                      "selfservice_verification_flows"}));
}

// A transaction's writes are pipelined (issue 16): a registration's statements go out together and
// their answers are read at COMMIT. On a connection that has prepared nothing yet, a unique
// violation in the middle makes the server skip everything after it, the prepares of the later
// statements included; the next registration on that connection must prepare them again, and the
// failed one must still name the conflicting value and leave nothing behind.
TEST(PgStore, AFailureInAPipelinedTransactionLeavesTheConnectionUsable) {
  if (Dsn() == nullptr) {
    GTEST_SKIP() << "ATRIUM_TEST_PG_DSN is not set";
  }
  ScopedSchema scope("pipeline_" + NewUuid().substr(0, 8));
  const std::string dsn = scope.ScopedDsn() + "&max_conns=1";
  const std::string taken = "taken-" + NewUuid() + "@example.com";
  {
    auto first = PgStore::Open(dsn, PgOptions{});
    ASSERT_TRUE(first.ok()) << first.error().reason;
    ASSERT_TRUE((*first)->Migrate().ok());
    const auto id = contract::NewIdentity(taken);
    ASSERT_TRUE((*first)->CreateIdentityWithSession(id, contract::NewSession(id)).ok());
  }
  auto s = PgStore::Open(dsn, PgOptions{});  // one fresh connection: nothing prepared on it
  ASSERT_TRUE(s.ok()) << s.error().reason;
  const auto errors_before = (*s)->Pool().errors;
  const auto clash = contract::NewIdentity(taken);
  const auto failed = (*s)->CreateIdentityWithSession(clash, contract::NewSession(clash));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::kConflict) << failed.error().reason;
  EXPECT_EQ(failed.error().details.value("identifier", ""), taken);
  EXPECT_FALSE((*s)->GetIdentity(clash.id)->has_value()) << "nothing half-written";

  const auto next = contract::NewIdentity("next-" + NewUuid() + "@example.com");
  const auto session = contract::NewSession(next);
  const auto created = (*s)->CreateIdentityWithSession(next, session);
  ASSERT_TRUE(created.ok()) << created.error().reason;
  const auto stored = (*s)->GetIdentity(next.id);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((**stored).verifiable_addresses.size(), next.verifiable_addresses.size());
  const auto back = (*s)->GetSessionByTokenDigest(session.token_digest);
  ASSERT_TRUE(back.ok() && back->has_value());
  EXPECT_EQ((**back).identity_id, next.id);
  EXPECT_EQ((*s)->Pool().errors, errors_before) << "a conflict is not a store failure";
}

// Issue 9, item 9: databases written before token digests keep their sessions, and afterwards
// no plain token is left in them.
TEST(PgStore, PlainTokensOfOlderDatabasesBecomeDigests) {
  if (Dsn() == nullptr) {
    GTEST_SKIP() << "ATRIUM_TEST_PG_DSN is not set";
  }
  const std::string dsn(Dsn());
  const std::string name = "atrium_digest_" + NewUuid().substr(0, 8);
  PGconn* admin = PQconnectdb(dsn.substr(0, dsn.find('?')).c_str());
  ASSERT_EQ(PQstatus(admin), CONNECTION_OK);
  ASSERT_EQ(Exec(admin, "CREATE DATABASE " + name), "");
  const std::string db_dsn =
      dsn.substr(0, dsn.rfind('/', dsn.find('?'))) + "/" + name + dsn.substr(dsn.find('?'));
  PGconn* c = PQconnectdb(db_dsn.substr(0, db_dsn.find('?')).c_str());
  ASSERT_EQ(PQstatus(c), CONNECTION_OK);
  ASSERT_EQ(Exec(c, sql::kMigrationsTable), "");
  for (const auto& m : PgMigrations()) {
    if (m.version <= 3) {
      ASSERT_EQ(Exec(c, m.sql), "");
      ASSERT_EQ(Exec(c, "INSERT INTO schema_migrations VALUES (" + std::to_string(m.version) +
                            ", 'x', 0)"),
                "");
    }
  }
  const std::string token = session::NewSessionToken();
  ASSERT_EQ(Exec(c,
                 "INSERT INTO identities VALUES ('i1', 'default', 'active', 0, '{}', NULL, "
                 "NULL, NULL, 0, 0)"),
            "");
  ASSERT_EQ(Exec(c, "INSERT INTO sessions VALUES ('s1', '" + token +
                        "', 'i1', true, 'aal1', '[]', 0, 0, 9000000000000000000)"),
            "");
  PQfinish(c);
  {
    auto s = PgStore::Open(db_dsn, PgOptions{});
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(*(*s)->PendingMigrations(), static_cast<int>(PgMigrations().size()) - 3);
    ASSERT_TRUE((*s)->Migrate().ok());
    const auto found = (*s)->GetSessionByTokenDigest(session::TokenDigest(token));
    ASSERT_TRUE(found.ok() && found->has_value());
    EXPECT_EQ((*found)->id, "s1");
    EXPECT_FALSE((*s)->GetSessionByTokenDigest(token)->has_value());
  }
  EXPECT_EQ(Exec(admin, "DROP DATABASE " + name), "");
  PQfinish(admin);
}

TEST(PgStore, FailsFastWhenTheServerIsUnreachable) {
  PgOptions options;
  options.connect_timeout = std::chrono::seconds(1);
  auto s = PgStore::Open("postgres://postgres@127.0.0.1:1/postgres?sslmode=disable&max_conns=2",
                         options);
  ASSERT_TRUE(s.ok()) << "connections are lazy";
  const auto start = std::chrono::steady_clock::now();
  const auto st = (*s)->Ping();
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_FALSE(PgStore::Open("mysql://x", options).ok());
}

}  // namespace
}  // namespace atrium::store

namespace atrium::store {
namespace {

// Two instances on one database: a revocation on A reaches B's whoami cache through
// LISTEN/NOTIFY, promptly; before B listens, its cache is told the feed is down.
TEST(PgStore, ASessionWriteOnOneInstanceReachesTheOtherThroughNotify) {
  if (Dsn() == nullptr) {
    GTEST_SKIP() << "ATRIUM_TEST_PG_DSN is not set";
  }
  static contract::RecordingChanges on_a;
  static contract::RecordingChanges on_b;
  auto scope = std::make_shared<ScopedSchema>("notify_" + NewUuid().substr(0, 8));
  auto a = PgStore::Open(scope->ScopedDsn(), PgOptions{});
  auto b = PgStore::Open(scope->ScopedDsn(), PgOptions{});
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE((*a)->Migrate().ok());
  (*a)->ReportSessionChanges(on_a);
  (*b)->ReportSessionChanges(on_b);
  EXPECT_TRUE(on_b.Saw("down")) << "nothing is served before the listener listens";
  ASSERT_TRUE(on_b.Saw("up", std::chrono::seconds(5)));

  const auto id = contract::NewIdentity(contract::Unique("ann"));
  const auto s = contract::NewSession(id);
  ASSERT_TRUE((*a)->CreateIdentityWithSession(id, s).ok());
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(*(*a)->RevokeSession(s.id));
  EXPECT_TRUE(on_a.Saw("s:" + s.id)) << "the writer's own cache at once";
  ASSERT_TRUE(on_b.Saw("s:" + s.id, std::chrono::seconds(2)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
  ASSERT_TRUE((*a)->DeleteSessionsOfIdentity(id.id).ok());
  EXPECT_TRUE(on_b.Saw("i:" + id.id, std::chrono::seconds(2)));
  a->reset();
  b->reset();
}

}  // namespace
}  // namespace atrium::store

namespace atrium::store {
namespace {

// The listener's connection dies: the cache is told the feed is down (nothing served), the
// listener reconnects, the feed comes up again and notifications flow again.
TEST(PgStore, TheListenerReportsItsFeedDownAndReconnects) {
  if (Dsn() == nullptr) {
    GTEST_SKIP() << "ATRIUM_TEST_PG_DSN is not set";
  }
  static contract::RecordingChanges on_a;
  static contract::RecordingChanges on_b;
  auto scope = std::make_shared<ScopedSchema>("relisten_" + NewUuid().substr(0, 8));
  // b's connections carry a name of their own: only its listener is cut below, not those of
  // tests running beside this one on the same server.
  const std::string tag = "atrium_relisten_" + NewUuid().substr(0, 8);
  auto a = PgStore::Open(scope->ScopedDsn(), PgOptions{});
  auto b = PgStore::Open(scope->ScopedDsn() + "&application_name=" + tag, PgOptions{});
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE((*a)->Migrate().ok());
  (*a)->ReportSessionChanges(on_a);
  (*b)->ReportSessionChanges(on_b);
  ASSERT_TRUE(on_a.Saw("up", std::chrono::seconds(5)));
  ASSERT_TRUE(on_b.Saw("up", std::chrono::seconds(5)));
  on_b.Clear();

  // b's listening connection goes.
  const std::string dsn(Dsn());
  PGconn* c = PQconnectdb(dsn.substr(0, dsn.find('?')).c_str());
  ASSERT_EQ(PQstatus(c), CONNECTION_OK);
  EXPECT_EQ(Exec(c,
                 "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = "
                 "'LISTEN atrium_sessions' AND application_name = '" +
                     tag + "'"),
            "");
  PQfinish(c);
  EXPECT_TRUE(on_b.Saw("down", std::chrono::seconds(5)));
  ASSERT_TRUE(on_b.Saw("up", std::chrono::seconds(5)));

  const auto id = contract::NewIdentity(contract::Unique("ann"));
  const auto s = contract::NewSession(id);
  ASSERT_TRUE((*a)->CreateIdentityWithSession(id, s).ok());
  ASSERT_TRUE(*(*a)->RevokeSession(s.id));
  EXPECT_TRUE(on_b.Saw("s:" + s.id, std::chrono::seconds(2)));
  a->reset();
  b->reset();
}

// A listener that cannot reach its server keeps the feed down: nothing is served from a cache.
TEST(PgStore, AListenerThatCannotConnectKeepsTheFeedDown) {
  static contract::RecordingChanges changes;
  auto s = PgStore::Open("postgres://postgres@127.0.0.1:1/none?connect_timeout=1", PgOptions{});
  ASSERT_TRUE(s.ok());
  (*s)->ReportSessionChanges(changes);
  EXPECT_TRUE(changes.Saw("down"));
  EXPECT_FALSE(changes.Saw("up", std::chrono::milliseconds(500)));
  s->reset();
}

// Atrium's parameters are taken out, its defaults added, and the DSN's own values win.
TEST(PgStore, TheConnectionStringKeepsTheDsnsOwnValuesAndAddsAtriumsDefaults) {
  PgOptions options;
  const std::string plain = PgStore::ConnectionString(
      "postgres://u@h:5432/db?sslmode=disable&max_conns=7&statement_timeout=250", options);
  EXPECT_EQ(options.pool_size, 7);
  EXPECT_EQ(options.statement_timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(plain,
            "postgres://u@h:5432/db?sslmode=disable&"
            "options=-c%20statement_timeout%3D250%20-c%20client_min_messages%3Dwarning&"
            "connect_timeout=2&application_name=atrium&gssencmode=disable");

  PgOptions defaults;
  const std::string own = PgStore::ConnectionString(
      "postgres://u@h/"
      "db?gssencmode=prefer&application_name=mine&connect_timeout=9&options=-c%20x%3D1",
      defaults);
  EXPECT_EQ(
      own,
      "postgres://u@h/db?gssencmode=prefer&application_name=mine&connect_timeout=9&"
      "options=-c%20x%3D1%20-c%20statement_timeout%3D5000%20-c%20client_min_messages%3Dwarning");
}

}  // namespace
}  // namespace atrium::store

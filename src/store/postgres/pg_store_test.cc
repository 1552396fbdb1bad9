#include "store/postgres/pg_store.h"

#include <cstdlib>

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include "store/contract_test.h"
#include "store/outbox_contract_test.h"

namespace atrium::store {
namespace {

using contract::StoreContract;

// The contract runs against the server named by ATRIUM_TEST_PG_DSN (tools/test.sh starts one).
const char* Dsn() { return std::getenv("ATRIUM_TEST_PG_DSN"); }

contract::StoreUnderTest PgUnderTest() {
  auto s = PgStore::Open(Dsn(), PgOptions{});
  EXPECT_TRUE(s.ok()) << s.error().reason;
  EXPECT_TRUE((*s)->Migrate().ok());
  std::shared_ptr<PgStore> store(std::move(s).value());
  return contract::StoreUnderTest{store,       store.get(), store.get(), store.get(),
                                  store.get(), store.get(), store.get()};
}

// Without a server the factory is empty and every contract test reports itself skipped.
INSTANTIATE_TEST_SUITE_P(Postgres, StoreContract,
                         ::testing::Values(Dsn() != nullptr ? contract::StoreFactory(PgUnderTest)
                                                            : contract::StoreFactory()),
                         [](const auto&) { return std::string("postgres"); });

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

// Runs SQL on a raw libpq connection; "" on success, else the server's message.
std::string Exec(PGconn* c, const std::string& sql) {
  PGresult* r = PQexec(c, sql.c_str());
  const auto status = PQresultStatus(r);
  PQclear(r);
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK ? "" : PQerrorMessage(c);
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

#include "store/postgres/pg_store.h"

#include <cstdlib>

#include <gtest/gtest.h>

#include "store/contract_test.h"

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
  return contract::StoreUnderTest{store,       store.get(), store.get(),
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
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i) {
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

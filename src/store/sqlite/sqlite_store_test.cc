#include "store/sqlite/sqlite_store.h"

#include <cstdio>
#include <filesystem>

#include <gtest/gtest.h>

#include "store/contract_test.h"

namespace atrium::store {
namespace {

using contract::StoreContract;

std::string TempDb() { return ::testing::TempDir() + "atrium-store-" + NewUuid() + ".db"; }

contract::StoreUnderTest Wrap(std::shared_ptr<SqliteStore> s) {
  return contract::StoreUnderTest{s, s.get(), s.get(), s.get(), s.get(), s.get()};
}

contract::StoreUnderTest FileStore() {
  auto s = SqliteStore::Open("sqlite://" + TempDb() + "?_fk=true", 4);
  EXPECT_TRUE(s.ok()) << s.error().reason;
  EXPECT_TRUE((*s)->Migrate().ok());
  return Wrap(std::shared_ptr<SqliteStore>(std::move(s).value()));
}

contract::StoreUnderTest MemoryStore() {
  auto s = SqliteStore::Open("memory", 4);
  EXPECT_TRUE(s.ok()) << s.error().reason;
  EXPECT_TRUE((*s)->Migrate().ok());
  return Wrap(std::shared_ptr<SqliteStore>(std::move(s).value()));
}

INSTANTIATE_TEST_SUITE_P(SqliteFile, StoreContract, ::testing::Values(FileStore),
                         [](const auto&) { return std::string("sqlite"); });
INSTANTIATE_TEST_SUITE_P(SqliteMemory, StoreContract, ::testing::Values(MemoryStore),
                         [](const auto&) { return std::string("sqlite"); });

TEST(SqliteStore, MigrationsAreVersionedAndIdempotent) {
  const std::string path = TempDb();
  auto s = SqliteStore::Open("sqlite://" + path, 2);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*(*s)->PendingMigrations(), 3);
  ASSERT_TRUE((*s)->Migrate().ok());
  EXPECT_EQ(*(*s)->PendingMigrations(), 0);
  ASSERT_TRUE((*s)->Migrate().ok());
  EXPECT_TRUE((*s)->Ping().ok());
  std::filesystem::remove(path);
}

TEST(SqliteStore, SecretsArePersistedOnce) {
  const std::string path = TempDb();
  std::string first;
  {
    auto s = SqliteStore::Open("sqlite://" + path, 1);
    ASSERT_TRUE(s.ok() && (*s)->Migrate().ok());
    first = *(*s)->GetOrCreateSecret("cookie", [] { return std::string("one"); });
    EXPECT_EQ(*(*s)->GetOrCreateSecret("cookie", [] { return std::string("two"); }), "one");
  }
  auto reopened = SqliteStore::Open("sqlite://" + path, 1);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(*(*reopened)->GetOrCreateSecret("cookie", [] { return std::string("three"); }), first);
  std::filesystem::remove(path);
}

TEST(SqliteStore, RefusesForeignDsns) {
  EXPECT_FALSE(SqliteStore::Open("postgres://x", 1).ok());
  EXPECT_FALSE(SqliteStore::Open("sqlite://", 1).ok());
  EXPECT_FALSE(SqliteStore::Open("sqlite:///nonexistent-dir/x/y.db", 1).ok());
}

}  // namespace
}  // namespace atrium::store

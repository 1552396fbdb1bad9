#include "store/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "store/contract_test.h"
#include "store/outbox_contract_test.h"
#include "store/plan_test.h"
#include "store/sqlite/migrations.h"

namespace atrium::store {
namespace {

using contract::StoreContract;

// A fresh database path, removed with its journal files when the test binary exits.
std::string TempDb() {
  struct Removed {
    std::mutex mu;
    std::vector<std::string> paths;
    ~Removed() {
      for (const auto& path : paths) {
        for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
          std::error_code ignored;
          std::filesystem::remove(path + suffix, ignored);
        }
      }
    }
  };
  static Removed removed;
  std::string path = ::testing::TempDir() + "atrium-store-" + NewUuid() + ".db";
  const std::lock_guard lock(removed.mu);
  removed.paths.push_back(path);
  return path;
}

// Row counts read through a second, raw connection (not the store's pool).
int64_t CountRows(const std::string& path, const std::string& table) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  const std::string q = "SELECT COUNT(*) FROM " + table;
  EXPECT_EQ(sqlite3_prepare_v2(db, q.c_str(), -1, &stmt, nullptr), SQLITE_OK) << q;
  int64_t n = -1;
  if (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW) {
    n = sqlite3_column_int64(stmt, 0);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return n;
}

bool TableExists(const std::string& path, const std::string& table) {
  return CountRows(path, "sqlite_master WHERE type = 'table' AND name = '" + table + "'") == 1;
}

void Exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr),
            SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sql;
  sqlite3_close(db);
}

const char* const kRegistrationTables[] = {"identities",
                                           "identity_credentials",
                                           "identity_credential_identifiers",
                                           "identity_verifiable_addresses",
                                           "identity_recovery_addresses",
                                           "sessions",
                                           "session_devices"};

contract::StoreUnderTest Wrap(const std::shared_ptr<SqliteStore>& s) {
  return contract::StoreUnderTest{s, s.get(), s.get(), s.get(), s.get(), s.get(), s.get()};
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

// whoami reads a session with one statement: an executor that counts what it is asked.
class CountingExecutor final : public Executor {
 public:
  explicit CountingExecutor(std::vector<Row> rows) : rows_(std::move(rows)) {}
  Result<std::vector<Row>> Query(const char* /*sql*/, const Params& /*params*/) override {
    ++statements;
    return rows_;
  }
  Result<int64_t> Execute(const char* /*sql*/, const Params& /*params*/) override {
    ++statements;
    return int64_t{0};
  }
  int statements = 0;

 private:
  std::vector<Row> rows_;
};

TEST(SqliteStore, ASessionLookupIsOneStatement) {
  // kind, position, then the payload: the session with its identity, two devices, an address.
  Row head(21);
  head[0] = "0";
  head[1] = "0";
  head[2] = "sid";
  head[4] = "iid";
  head[5] = "1";
  head[11] = "iid";
  head[13] = "active";
  Row device(21);
  device[0] = "1";
  device[1] = "0";
  device[2] = "dev1";
  Row device2 = device;
  device2[1] = "1";
  device2[2] = "dev2";
  Row address(21);
  address[0] = "2";
  address[1] = "0";
  address[2] = "addr";
  CountingExecutor db({head, device, device2, address});
  const auto found = LoadSessionByTokenDigest(db, "digest");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ(db.statements, 1);
  EXPECT_EQ((*found)->id, "sid");
  EXPECT_EQ((*found)->identity.id, "iid");
  EXPECT_EQ((*found)->identity.state, "active");
  ASSERT_EQ((*found)->devices.size(), 2u);
  EXPECT_EQ((*found)->devices[1].id, "dev2");
  ASSERT_EQ((*found)->identity.verifiable_addresses.size(), 1u);
  CountingExecutor by_id({head});
  ASSERT_TRUE(LoadSession(by_id, "sid").ok());
  EXPECT_EQ(by_id.statements, 1);
  CountingExecutor none({});
  EXPECT_FALSE(LoadSessionByTokenDigest(none, "digest")->has_value());
  EXPECT_EQ(none.statements, 1);
}

TEST(SqliteStore, MigrationsAreVersionedAndIdempotent) {
  const std::string path = TempDb();
  auto s = SqliteStore::Open("sqlite://" + path, 2);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*(*s)->PendingMigrations(), static_cast<int>(sqlite::Migrations().size()));
  EXPECT_FALSE(TableExists(path, "schema_migrations")) << "counting pending writes nothing";
  ASSERT_TRUE((*s)->Migrate().ok());
  EXPECT_EQ(*(*s)->PendingMigrations(), 0);
  ASSERT_TRUE((*s)->Migrate().ok());
  EXPECT_EQ(CountRows(path, "schema_migrations"),
            static_cast<int64_t>(sqlite::Migrations().size()));
  EXPECT_TRUE((*s)->Ping().ok());
  // A version missing from the table counts as pending.
  Exec(path, "DELETE FROM schema_migrations WHERE version = 3");
  EXPECT_EQ(*(*s)->PendingMigrations(), 1);
  std::filesystem::remove(path);
}

// Rows written before flows were stored split keep the whole flow in `data` and no answer: they
// are decoded, and fetched through the decoded flow.
TEST(SqliteStore, FlowsOfOlderVersionsAreStillRead) {
  const std::string path = TempDb();
  auto s = SqliteStore::Open("sqlite://" + path, 2);
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE((*s)->Migrate().ok());
  registration::Flow f = contract::ApiFlow("0b9d2a7e-5f7c-4c7e-9a8e-2f4f1c0d3b6a");
  f.request_url = "http://127.0.0.1/self-service/registration/api";
  f.internal_context = {{"k", "v"}};
  std::string data = f.ToStorageJson().dump();
  std::string quoted;
  for (char c : data) {
    quoted += c == '\'' ? std::string("''") : std::string(1, c);
  }
  Exec(path,
       "INSERT INTO selfservice_registration_flows (id, type, expires_at, data, created_at, "
       "updated_at) VALUES ('" +
           f.id + "', 'api', 2000000000, '" + quoted + "', 0, 0)");
  auto answer = (*s)->GetFlowAnswer(f.id);
  ASSERT_TRUE(answer.ok() && answer->has_value());
  EXPECT_TRUE((*answer)->api);
  EXPECT_EQ((*answer)->body, "") << "no stored answer: the flow is decoded instead";
  auto got = (*s)->GetFlow(f.id);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->ToStorageJson(), f.ToStorageJson());
  std::filesystem::remove(path);
}

// The I/O threads read flows without waiting (no idle connection or a lock held elsewhere: no
// answer); otherwise they read what the ordinary read reads.
TEST(SqliteStore, AReadThatMustNotWaitAnswersLikeTheOrdinaryRead) {
  const std::string path = TempDb();
  auto s = SqliteStore::Open("sqlite://" + path, 1);
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE((*s)->Migrate().ok());
  registration::Flow f = contract::ApiFlow("6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f");
  ASSERT_TRUE((*s)->CreateFlow(f).ok());
  auto now = (*s)->GetFlowAnswerNow(f.id);
  ASSERT_TRUE(now.has_value() && now->ok() && now->value().has_value());
  EXPECT_EQ(now->value()->body, (*(*s)->GetFlowAnswer(f.id))->body);
  now = (*s)->GetFlowAnswerNow("00000000-0000-4000-8000-000000000000");
  ASSERT_TRUE(now.has_value() && now->ok());
  EXPECT_FALSE(now->value().has_value());
  std::filesystem::remove(path);
}

// Flows written later (for the I/O threads) join the same group commits as ordinary writes: each
// is told its own outcome once, after its COMMIT; a failing one fails alone; closing the store
// first commits what is still queued.
TEST(SqliteStore, FlowsWrittenLaterAreCommittedThenAnsweredOnce) {
  const std::string path = TempDb();
  constexpr int kLater = 200;
  std::atomic<int> ok{0};
  std::atomic<int> failed{0};
  std::vector<std::string> ids;
  {
    auto s = SqliteStore::Open("sqlite://" + path, 4);
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE((*s)->Migrate().ok());
    const auto flow_of = [](int i) {
      char id[40];
      std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", i);
      return contract::ApiFlow(id);
    };
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = t; i < kLater; i += 4) {
          registration::Flow f = flow_of(i);
          flow::StoredDocument doc = f.Stored();
          ASSERT_TRUE((*s)->CreateFlowLater(std::move(f), std::move(doc), [&](Status st) {
            (st.ok() ? ok : failed).fetch_add(1);
          }));
          if (i % 10 == 0) {  // ordinary writes in between, and one that fails (same id)
            ASSERT_TRUE((*s)->CreateFlow(flow_of(1000 + i)).ok());
          }
        }
      });
    }
    for (auto& t : threads) {
      t.join();
    }
    registration::Flow twice = flow_of(0);
    flow::StoredDocument doc = twice.Stored();
    ASSERT_TRUE((*s)->CreateFlowLater(std::move(twice), std::move(doc),
                                      [&](Status st) { (st.ok() ? ok : failed).fetch_add(1); }));
  }  // closing the store waits for what is queued
  EXPECT_EQ(ok.load(), kLater);
  EXPECT_EQ(failed.load(), 1);
  EXPECT_EQ(CountRows(path, "selfservice_registration_flows"), kLater + kLater / 10);
  std::filesystem::remove(path);
}

// Issue 9, item 9: databases written before token digests keep their sessions, and afterwards
// no plain token is left in them.
TEST(SqliteStore, PlainTokensOfOlderDatabasesBecomeDigests) {
  const std::string path = TempDb();
  Exec(path, sql::kMigrationsTable);
  for (const auto& m : sqlite::Migrations()) {
    if (m.version <= 3) {
      Exec(path, m.sql);
      Exec(path,
           "INSERT INTO schema_migrations VALUES (" + std::to_string(m.version) + ", 'x', 0)");
    }
  }
  const std::string token = session::NewSessionToken();
  Exec(path,
       "INSERT INTO identities VALUES ('i1', 'default', 'active', 0, '{}', NULL, NULL, NULL, 0, "
       "0)");
  Exec(path, "INSERT INTO sessions VALUES ('s1', '" + token +
                 "', 'i1', 1, 'aal1', '[]', 0, 0, 9000000000000000000)");
  auto s = SqliteStore::Open("sqlite://" + path, 1);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*(*s)->PendingMigrations(), static_cast<int>(sqlite::Migrations().size()) - 3);
  ASSERT_TRUE((*s)->Migrate().ok());
  const auto found = (*s)->GetSessionByTokenDigest(session::TokenDigest(token));
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->id, "s1");
  EXPECT_EQ(CountRows(path, "sessions WHERE token_digest LIKE 'ory_st_%'"), 0);
  EXPECT_EQ(CountRows(path, "sessions WHERE token_digest = '" + session::TokenDigest(token) + "'"),
            1);
  std::filesystem::remove(path);
}

// Runs statements on a raw connection, first asking SQLite how it would run each: every plan
// step that reads a whole table is kept in `scans`.
class ExplainingExecutor final : public Executor {
 public:
  explicit ExplainingExecutor(sqlite3* db) : db_(db) {}

  Result<std::vector<Row>> Query(const char* sql, const Params& params) override {
    Explain(sql);
    return Run(sql, params);
  }
  Result<int64_t> Execute(const char* sql, const Params& params) override {
    Explain(sql);
    ATRIUM_RETURN_IF_ERROR(Run(sql, params));
    return static_cast<int64_t>(sqlite3_changes(db_));
  }

  std::vector<std::string> scans;

 private:
  // "SCAN x" reads x whole, unless x names a subquery's result (a CO-ROUTINE or MATERIALIZE
  // step of the same plan); an AUTOMATIC index is built by reading a table whole. SQLite before
  // 3.36 wrote "SCAN TABLE x".
  void Explain(const char* sql) {
    const std::string explain = std::string("EXPLAIN QUERY PLAN ") + sql;
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db_, explain.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
    std::vector<std::string> steps;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      steps.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3)));
    }
    sqlite3_finalize(stmt);
    std::set<std::string> results;
    for (const std::string& step : steps) {
      for (const char* label : {"CO-ROUTINE ", "MATERIALIZE "}) {
        if (step.starts_with(label)) {
          results.insert(step.substr(std::string_view(label).size()));
        }
      }
    }
    for (std::string step : steps) {
      if (step.find("AUTOMATIC") != std::string::npos) {
        scans.push_back(step + " in: " + sql);
        continue;
      }
      if (!step.starts_with("SCAN ") || step == "SCAN CONSTANT ROW") {
        continue;
      }
      step.erase(0, step.starts_with("SCAN TABLE ") ? 11 : 5);
      if (!results.contains(step.substr(0, step.find(' ')))) {
        scans.push_back("SCAN " + step + " in: " + sql);
      }
    }
  }

  Result<std::vector<Row>> Run(const char* sql, const Params& params) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) != SQLITE_OK) {
      return Error::Unavailable(sqlite3_errmsg(db_));
    }
    const int declared = sqlite3_bind_parameter_count(stmt);
    for (int i = 0; i < declared && i < static_cast<int>(params.size()); ++i) {
      const auto& v = params[static_cast<size_t>(i)];
      v ? sqlite3_bind_text(stmt, i + 1, v->data(), static_cast<int>(v->size()), SQLITE_TRANSIENT)
        : sqlite3_bind_null(stmt, i + 1);
    }
    std::vector<Row> rows;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      Row& row = rows.emplace_back();
      for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
        row.push_back(text == nullptr ? Value() : Value(text));
      }
    }
    sqlite3_finalize(stmt);
    return rows;
  }

  sqlite3* db_;
};

// Every lookup by a key and every sweep is served by an index (plan_test.h): until migration 15,
// loading an identity read every identity's credential identifiers, and a duplicate address's
// conflict details read every address; until migration 16, sweeps read all sessions and errors.
TEST(SqliteStore, LookupsAndSweepsReadNoWholeTable) {
  const std::string path = TempDb();
  auto s = SqliteStore::Open("sqlite://" + path, 1);
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE((*s)->Migrate().ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  ExplainingExecutor explaining(db);
  plan::CheckLookupsAndSweeps(**s, explaining);
  sqlite3_close(db);
}

TEST(SqliteStore, FailedRegistrationsLeaveNoRowsBehind) {
  const std::string path = TempDb();
  auto opened = SqliteStore::Open("sqlite://" + path, 2);
  ASSERT_TRUE(opened.ok());
  auto& s = **opened;
  ASSERT_TRUE(s.Migrate().ok());
  const auto first = contract::NewIdentity("first@example.com");
  const auto s1 = contract::NewSession(first);
  ASSERT_TRUE(s.CreateIdentityWithSession(first, s1).ok());
  for (const char* table : kRegistrationTables) {
    EXPECT_EQ(CountRows(path, table), 1) << table;
  }

  // The session insert (the last step but one) fails: not a Conflict, and nothing remains.
  const auto second = contract::NewIdentity("second@example.com");
  auto s2 = contract::NewSession(second);
  s2.token_digest = s1.token_digest;
  const auto st = s.CreateIdentityWithSession(second, s2);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kUnavailable) << st.error().reason;

  // A taken identifier: Conflict, and nothing remains either.
  const auto third = contract::NewIdentity("first@example.com");
  const auto conflict = s.CreateIdentityWithSession(third, contract::NewSession(third));
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.error().code, ErrorCode::kConflict);
  EXPECT_EQ(conflict.error().details.value("type", ""), "password");
  EXPECT_EQ(conflict.error().details.value("identifier", ""), "first@example.com");

  // A taken recovery address only.
  auto fourth = contract::NewIdentity("fourth@example.com");
  fourth.recovery_addresses[0].value = "first@example.com";
  const auto address = s.CreateIdentityWithSession(fourth, contract::NewSession(fourth));
  ASSERT_FALSE(address.ok());
  EXPECT_EQ(address.error().code, ErrorCode::kConflict);
  EXPECT_EQ(address.error().details.value("type", ""), "email");
  EXPECT_EQ(address.error().details.value("identifier", ""), "first@example.com");

  for (const char* table : kRegistrationTables) {
    EXPECT_EQ(CountRows(path, table), 1) << table;
  }
  std::filesystem::remove(path);
}

// Concurrent writers are committed in groups (one transaction, a savepoint each): a write that
// fails inside a group leaves none of its rows behind and costs the others nothing.
TEST(SqliteStore, GroupCommitKeepsEveryWriteAllOrNothing) {
  const std::string path = TempDb();
  auto opened = SqliteStore::Open("sqlite://" + path, 4);
  ASSERT_TRUE(opened.ok());
  auto& s = **opened;
  ASSERT_TRUE(s.Migrate().ok());
  const auto taken = contract::NewIdentity("taken@example.com");
  const auto taken_session = contract::NewSession(taken);
  ASSERT_TRUE(s.CreateIdentityWithSession(taken, taken_session).ok());

  constexpr int kThreads = 8;
  constexpr int kEach = 30;
  std::atomic<int> created{0};
  std::atomic<int> refused{0};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto id = contract::NewIdentity("group-" + std::to_string(t) + "-" + std::to_string(i) +
                                        "@example.com");
        auto session = contract::NewSession(id);
        const int kind = (t + i) % 5;
        if (kind == 1) {
          id = contract::NewIdentity("taken@example.com");  // identifier taken: Conflict
          session = contract::NewSession(id);
        } else if (kind == 3) {
          session.token_digest = taken_session.token_digest;  // fails after most rows are written
        }
        const Status st = s.CreateIdentityWithSession(id, session);
        const bool should_fail = kind == 1 || kind == 3;
        if (st.ok() == should_fail) {
          ++wrong;
          ADD_FAILURE() << "write " << t << "/" << i << ": "
                        << (st.ok() ? "ok" : st.error().reason);
        }
        (st.ok() ? created : refused)++;
        // A successful write is readable at once, from any connection.
        if (st.ok() && !(s.GetIdentity(id.id).ok() && s.GetIdentity(id.id)->has_value())) {
          ++wrong;
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(created + refused, kThreads * kEach);
  EXPECT_EQ(refused, kThreads * kEach * 2 / 5);
  for (const char* table : kRegistrationTables) {
    EXPECT_EQ(CountRows(path, table), created + 1) << table;
  }
  std::filesystem::remove(path);
}

// Automatic checkpoints are off (they would run inside a request's COMMIT); a background thread
// moves the write-ahead log into the database file instead. Without it, 8 MiB of writes would
// stay in the log (the writers' own fallback starts at 64 MiB) and the file would stay small.
TEST(SqliteStore, ABackgroundThreadCheckpointsTheLog) {
  const std::string path = TempDb();
  auto opened = SqliteStore::Open("sqlite://" + path, 2);
  ASSERT_TRUE(opened.ok());
  auto& s = **opened;
  ASSERT_TRUE(s.Migrate().ok());
  const auto before = std::filesystem::file_size(path);
  const Json big = {{"padding", std::string(2000, 'x')}};
  for (int i = 0; i < 4000; ++i) {
    ASSERT_TRUE(
        s.CreateError(flow::ErrorContainer{NewUuid(), big, contract::T(0), contract::T(0)}).ok());
  }
  auto grown = std::filesystem::file_size(path);
  for (int i = 0; i < 100 && grown < before + (4 << 20); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    grown = std::filesystem::file_size(path);
  }
  EXPECT_GE(grown, before + (4 << 20)) << "the log was not checkpointed into the database file";
  std::filesystem::remove(path);
}

TEST(SqliteStore, TimestampsKeepNanoseconds) {
  auto s = SqliteStore::Open("sqlite::memory:", 1);
  ASSERT_TRUE(s.ok() && (*s)->Migrate().ok());
  const flow::ErrorContainer e{NewUuid(), Json::object(),
                               contract::T(0) + std::chrono::nanoseconds(123),
                               contract::T(0) + std::chrono::nanoseconds(456)};
  ASSERT_TRUE((*s)->CreateError(e).ok());
  const auto got = (*s)->GetError(e.id);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->created_at, e.created_at);
  EXPECT_EQ((*got)->updated_at, e.updated_at);
}

TEST(SqliteStore, MemoryDatabasesArePrivatePerStore) {
  auto a = SqliteStore::Open("memory", 2);
  auto b = SqliteStore::Open("sqlite::memory:", 2);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE((*a)->Migrate().ok());
  EXPECT_EQ(*(*b)->PendingMigrations(), static_cast<int>(sqlite::Migrations().size()));
  EXPECT_EQ(*(*a)->PendingMigrations(), 0);
}

TEST(SqliteStore, APoolOfOneServesManyThreads) {
  auto s = SqliteStore::Open("sqlite://" + TempDb(), 1);
  ASSERT_TRUE(s.ok() && (*s)->Migrate().ok());
  std::atomic<int> failures{0};
  constexpr int kThreads = 4;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        const auto secret = (*s)->GetOrCreateSecret("shared", [t] { return std::to_string(t); });
        const auto id = contract::NewIdentity("pool-" + NewUuid() + "@example.com");
        if (!secret.ok() || !(*s)->Ping().ok() ||
            !(*s)->CreateIdentityWithSession(id, contract::NewSession(id)).ok() ||
            !(*s)->GetIdentity(id.id).ok()) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(failures, 0);
}

// Files of `path` this process holds open: one per SQLite connection to it.
int OpenHandles(const std::string& path) {
  int n = 0;
  for (const auto& fd : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    if (std::filesystem::read_symlink(fd.path(), ec) == path) {
      ++n;
    }
  }
  return n;
}

// An idle store keeps one pool connection (and the checkpointer's); the pool opens more as
// concurrent requests need them, never more than its size.
TEST(SqliteStore, ThePoolOpensConnectionsAsTheyAreNeeded) {
  const std::string path = std::filesystem::absolute(TempDb()).string();
  auto s = SqliteStore::Open("sqlite://" + path, 3);
  ASSERT_TRUE(s.ok() && (*s)->Migrate().ok());
  EXPECT_EQ(OpenHandles(path), 2);
  EXPECT_EQ((*s)->Pool().size, 3);
  EXPECT_EQ((*s)->Pool().in_use, 0);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        failures += (*s)->Ping().ok() ? 0 : 1;
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(failures, 0);
  EXPECT_GT(OpenHandles(path), 2) << "eight threads at once were served by one connection";
  EXPECT_LE(OpenHandles(path), 4) << "more connections than the pool's size";
  EXPECT_EQ((*s)->Pool().in_use, 0);
  s->reset();
  EXPECT_EQ(OpenHandles(path), 0);
  std::filesystem::remove(path);
}

// Two stores (two pools, as two server processes would have) writing one file.
TEST(SqliteStore, TwoStoresOnOneFileSerializeRegistrations) {
  const std::string path = TempDb();
  auto a = SqliteStore::Open("sqlite://" + path, 3);
  ASSERT_TRUE(a.ok() && (*a)->Migrate().ok());
  auto b = SqliteStore::Open("sqlite://" + path, 3);
  ASSERT_TRUE(b.ok() && (*b)->Migrate().ok());
  std::atomic<int> created{0};
  std::atomic<int> conflicts{0};
  std::atomic<int> other{0};
  constexpr int kThreads = 6;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      SqliteStore& store = t % 2 == 0 ? **a : **b;
      for (int i = 0; i < 10; ++i) {
        const auto id = contract::NewIdentity("two-" + std::to_string(i) + "@example.com");
        const auto st = store.CreateIdentityWithSession(id, contract::NewSession(id));
        if (st.ok()) {
          ++created;
        } else if (st.error().code == ErrorCode::kConflict) {
          ++conflicts;
        } else {
          ++other;
          ADD_FAILURE() << st.error().reason;
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(created, 10);
  EXPECT_EQ(conflicts, 50);
  EXPECT_EQ(other, 0);
  EXPECT_EQ(CountRows(path, "identities"), 10);
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

#include "cleanup/sweeper.h"

#include <gtest/gtest.h>

#include "store/contract_test.h"
#include "store/sqlite/sqlite_store.h"

namespace atrium::cleanup {
namespace {

using store::contract::T;

class SweeperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::SqliteStore::Open("memory", 1);
    ASSERT_TRUE(opened.ok());
    db_ = std::move(opened).value();
    ASSERT_TRUE(db_->Migrate().ok());
    options_.batch_size = 2;
    options_.sleep_tables = Duration::zero();
  }

  std::string AddFlow(Timestamp expires_at) {
    registration::Flow f;
    f.id = NewUuid();
    f.issued_at = expires_at - std::chrono::hours(1);
    f.expires_at = expires_at;
    EXPECT_TRUE(db_->CreateFlow(f).ok());
    return f.id;
  }

  std::string AddSession(Timestamp expires_at) {
    const auto id = store::contract::NewIdentity(store::contract::Unique("s"));
    auto s = store::contract::NewSession(id);
    s.expires_at = expires_at;
    EXPECT_TRUE(db_->CreateIdentityWithSession(id, s).ok());
    return s.token_digest;
  }

  std::string AddError(Timestamp created_at) {
    flow::ErrorContainer e{NewUuid(), Json::object(), created_at, created_at};
    EXPECT_TRUE(db_->CreateError(e).ok());
    return e.id;
  }

  std::unique_ptr<store::SqliteStore> db_;
  config::Cleanup options_;
  ManualClock clock_{T(1'000'000'000)};  // "now" is far after every fixed T(...) below
};

TEST_F(SweeperTest, DeletesOnlyWhatIsStaleInBatches) {
  const Timestamp now = clock_.Now();
  constexpr int kExpiredFlows = 5;
  std::vector<std::string> expired_flows;
  expired_flows.reserve(kExpiredFlows);
  for (int i = 0; i < kExpiredFlows; ++i) {
    expired_flows.push_back(AddFlow(now - std::chrono::minutes(i + 1)));
  }
  const std::string live_flow = AddFlow(now + std::chrono::minutes(5));
  const std::string expired_session = AddSession(now - std::chrono::seconds(1));
  const std::string live_session = AddSession(now + std::chrono::hours(1));
  const std::string old_error = AddError(now - std::chrono::hours(25));
  const std::string new_error = AddError(now - std::chrono::hours(1));

  ASSERT_TRUE(db_->RecordFailure("ip:stale", now - std::chrono::hours(2),
                                 now - std::chrono::hours(3), now - std::chrono::seconds(1))
                  .ok());
  ASSERT_TRUE(
      db_->RecordFailure("ip:live", now, now - std::chrono::hours(1), now + std::chrono::hours(1))
          .ok());

  Sweeper sweeper(*db_, options_, clock_);
  const auto counts = sweeper.RunOnce();
  ASSERT_TRUE(counts.ok()) << counts.error().reason;
  EXPECT_EQ(counts->flows, 5) << "five rows over three batches of two";
  EXPECT_EQ(counts->sessions, 1);
  EXPECT_EQ(counts->errors, 1);
  EXPECT_EQ(counts->login_attempts, 1);
  EXPECT_FALSE(db_->GetAttempts("ip:stale")->has_value());
  EXPECT_TRUE(db_->GetAttempts("ip:live")->has_value());
  for (const auto& id : expired_flows) {
    EXPECT_FALSE(db_->GetFlow(id)->has_value());
  }
  EXPECT_TRUE(db_->GetFlow(live_flow)->has_value());
  EXPECT_FALSE(db_->GetSessionByTokenDigest(expired_session)->has_value());
  EXPECT_TRUE(db_->GetSessionByTokenDigest(live_session)->has_value());
  EXPECT_FALSE(db_->GetError(old_error)->has_value());
  EXPECT_TRUE(db_->GetError(new_error)->has_value());

  const auto again = sweeper.RunOnce();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->flows + again->sessions + again->errors, 0);
}

TEST_F(SweeperTest, OlderThanKeepsRecentlyExpiredRows) {
  options_.older_than = std::chrono::hours(1);
  const Timestamp now = clock_.Now();
  const std::string recent = AddFlow(now - std::chrono::minutes(30));
  const std::string old = AddFlow(now - std::chrono::hours(2));
  Sweeper sweeper(*db_, options_, clock_);
  ASSERT_TRUE(sweeper.RunOnce().ok());
  EXPECT_TRUE(db_->GetFlow(recent)->has_value());
  EXPECT_FALSE(db_->GetFlow(old)->has_value());
}

TEST_F(SweeperTest, TheBackgroundThreadSweepsAndStops) {
  options_.interval = std::chrono::milliseconds(10);
  const std::string stale = AddFlow(clock_.Now() - std::chrono::minutes(1));
  Sweeper sweeper(*db_, options_, clock_);
  sweeper.Start();
  for (int i = 0; i < 500 && db_->GetFlow(stale)->has_value(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_FALSE(db_->GetFlow(stale)->has_value());
  sweeper.Stop();
  const std::string later = AddFlow(clock_.Now() - std::chrono::minutes(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(db_->GetFlow(later)->has_value()) << "no sweeps after Stop()";
}

}  // namespace
}  // namespace atrium::cleanup

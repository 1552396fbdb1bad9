#include "session/management.h"

#include <gtest/gtest.h>

#include "base/ids.h"
#include "base/time.h"
#include "registration/testing/fakes.h"
#include "session/cookie.h"
#include "session/manager.h"

namespace atrium::session {
namespace {

using registration::testing::MemoryStore;

const Timestamp kStart = *ParseRfc3339("2026-01-01T00:00:00Z");

class ManagementTest : public ::testing::Test {
 protected:
  ManagementTest() : clock_(kStart) {}

  // A session of `identity_id`, issued `minutes` after kStart, valid for a day from kStart.
  Session Add(const std::string& identity_id, int minutes) {
    Session s;
    s.id = ids_.NewUuid();
    s.token = NewSessionToken();
    s.token_digest = TokenDigest(s.token);
    s.identity_id = identity_id;
    s.identity.id = identity_id;
    s.identity.schema_id = "default";
    s.issued_at = kStart + std::chrono::minutes(minutes);
    s.authenticated_at = s.issued_at;
    s.expires_at = kStart + std::chrono::hours(24);
    EXPECT_TRUE(store_.CreateSession(s).ok());
    return s;
  }

  Management Make(ManagementOptions options = {}) { return Management(options, store_, clock_); }

  static std::vector<std::string> Ids(const std::vector<Session>& sessions) {
    std::vector<std::string> out;
    for (const auto& s : sessions) {
      out.push_back(s.id);
    }
    return out;
  }

  ManualClock clock_;
  SequentialIds ids_;
  MemoryStore store_;
};

TEST_F(ManagementTest, ListsTheCallersOtherActiveSessionsNewestFirst) {
  const Session current = Add("ann", 0);
  const Session older = Add("ann", 1);
  const Session newer = Add("ann", 2);
  const Session revoked = Add("ann", 3);
  ASSERT_TRUE(store_.RevokeSession(revoked.id).ok());
  Session expired = Add("ann", 4);
  ASSERT_TRUE(store_.SetSessionExpiry(expired.id, kStart + std::chrono::minutes(30)).ok());
  Add("bob", 5);
  clock_.Advance(std::chrono::hours(1));

  const auto listed = Make().ListOthers(current, PageRequest{});
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(Ids(listed->sessions), (std::vector<std::string>{newer.id, older.id}));
  EXPECT_EQ(listed->total, 2);
}

// Kratos asks its store for page n counted from 1 while its Link headers count from 0
// (Quirk 15); Atrium's pages count from 0 everywhere and every session is on exactly one page.
TEST_F(ManagementTest, PagesCountFromZeroAndReachEverySession) {
  const Session current = Add("ann", 0);
  std::vector<std::string> expected;  // newest first
  for (int minutes = 5; minutes >= 1; --minutes) {
    expected.push_back(Add("ann", minutes).id);
  }
  std::vector<std::string> seen;
  for (int64_t page = 0; page < 4; ++page) {
    const auto listed = Make().ListOthers(current, PageRequest{page, 2});
    ASSERT_TRUE(listed.ok());
    EXPECT_EQ(listed->total, 5);
    EXPECT_EQ(listed->sessions.size(), page < 2 ? 2u : page == 2 ? 1u : 0u) << "page " << page;
    for (const auto& id : Ids(listed->sessions)) {
      seen.push_back(id);
    }
  }
  EXPECT_EQ(seen, expected);
}

TEST_F(ManagementTest, RevokingTheOthersKeepsTheCallerAndCountsRowsMatched) {
  const Session current = Add("ann", 0);
  Add("ann", 1);
  const Session already = Add("ann", 2);
  ASSERT_TRUE(store_.RevokeSession(already.id).ok());
  const Session bob = Add("bob", 3);

  const auto count = Make().RevokeOthers(current);
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 2) << "the already revoked one counts too (Kratos, Quirk 23)";
  EXPECT_TRUE((*store_.GetSession(current.id))->active);
  EXPECT_TRUE((*store_.GetSession(bob.id))->active);
}

TEST_F(ManagementTest, RevokingOneOwnSessionRefusesTheCurrentAndIgnoresOthersSessions) {
  const Session current = Add("ann", 0);
  const Session other = Add("ann", 1);
  const Session bob = Add("bob", 2);
  const Management m = Make();

  const Status refused = m.RevokeOwn(current, current.id);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(refused.error().message, "cannot revoke current session");
  EXPECT_TRUE((*store_.GetSession(current.id))->active);

  EXPECT_TRUE(m.RevokeOwn(current, other.id).ok());
  EXPECT_FALSE((*store_.GetSession(other.id))->active);

  EXPECT_TRUE(m.RevokeOwn(current, bob.id).ok()) << "no error, as in Kratos";
  EXPECT_TRUE((*store_.GetSession(bob.id))->active) << "but another identity's stays";
  EXPECT_TRUE(m.RevokeOwn(current, ids_.NewUuid()).ok());
}

TEST_F(ManagementTest, TheAdminListPagesByKeysetUntilTheLastPage) {
  std::vector<std::string> expected;
  for (int i = 0; i < 5; ++i) {
    expected.insert(expected.begin(), Add(i % 2 == 0 ? "ann" : "bob", i).id);
  }
  // Two sessions issued at the same instant are ordered by id.
  Session twin = Add("ann", 4);
  expected.insert(expected.begin() + (twin.id > expected[0] ? 1 : 0), twin.id);

  const Management m = Make();
  std::vector<std::string> seen;
  SessionCursor after = FirstCursor();
  for (int round = 0; round < 10; ++round) {
    const auto page = m.List(ActiveFilter::kAny, after, 2, false);
    ASSERT_TRUE(page.ok());
    EXPECT_EQ(page->size, 2);
    for (const auto& s : page->sessions) {
      seen.push_back(s.id);
      EXPECT_TRUE(s.identity.id.empty()) << "the identity only when asked for";
    }
    if (!page->next) {
      break;
    }
    after = *page->next;
  }
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(m.List(ActiveFilter::kAny, FirstCursor(), 0, true)->size, kDefaultPageSize);
  EXPECT_EQ(m.List(ActiveFilter::kAny, FirstCursor(), 5000, true)->size, kMaxPageSize);
  EXPECT_EQ(m.List(ActiveFilter::kAny, FirstCursor(), 10, true)->sessions[0].identity.id, "ann");
}

TEST_F(ManagementTest, TheActiveFilterSplitsRevokedAndExpiredFromTheRest) {
  const Session live = Add("ann", 0);
  const Session revoked = Add("ann", 1);
  ASSERT_TRUE(store_.RevokeSession(revoked.id).ok());
  const Session expired = Add("ann", 2);
  ASSERT_TRUE(store_.SetSessionExpiry(expired.id, kStart + std::chrono::minutes(10)).ok());
  clock_.Advance(std::chrono::hours(1));
  const Management m = Make();

  const auto active = m.List(ActiveFilter::kActive, FirstCursor(), 10, false);
  EXPECT_EQ(Ids(active->sessions), (std::vector<std::string>{live.id}));
  const auto inactive = m.ListOfIdentity("ann", ActiveFilter::kInactive, PageRequest{});
  EXPECT_EQ(Ids(inactive->sessions), (std::vector<std::string>{expired.id, revoked.id}));
  EXPECT_EQ(inactive->total, 2);
  EXPECT_EQ(m.ListOfIdentity("ann", ActiveFilter::kAny, PageRequest{})->total, 3);
  EXPECT_EQ(m.ListOfIdentity("nobody", ActiveFilter::kAny, PageRequest{})->total, 0);
}

TEST_F(ManagementTest, GetAndRevokeAnswerNotFoundForUnknownSessions) {
  const Session s = Add("ann", 0);
  const Management m = Make();
  const auto missing = m.Get(ids_.NewUuid());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().message, "Unable to locate the resource");
  EXPECT_EQ(m.Revoke(ids_.NewUuid()).error().code, ErrorCode::kNotFound);

  ASSERT_TRUE(m.Revoke(s.id).ok());
  const auto revoked = m.Get(s.id);
  ASSERT_TRUE(revoked.ok()) << "the row stays";
  EXPECT_FALSE(revoked->IsActive(clock_.Now()));
  EXPECT_TRUE(m.Revoke(s.id).ok()) << "revoking twice is fine (rows matched, not changed)";
}

TEST_F(ManagementTest, ExtendMovesTheExpiryOnlyWithinTheWindow) {
  const Session s = Add("ann", 0);  // expires kStart + 24h
  clock_.Advance(std::chrono::hours(1));

  // By default the window is the lifespan: every extend extends.
  const auto extended = Make({std::chrono::hours(24), std::nullopt}).Extend(s.id);
  ASSERT_TRUE(extended.ok());
  EXPECT_EQ(extended->expires_at, clock_.Now() + std::chrono::hours(24));
  EXPECT_EQ((*store_.GetSession(s.id))->expires_at, extended->expires_at);

  // Expiring in 24h, a window of 2h: unchanged, and still a success.
  const Management narrow({std::chrono::hours(24), std::chrono::hours(2)}, store_, clock_);
  const auto unchanged = narrow.Extend(s.id);
  ASSERT_TRUE(unchanged.ok());
  EXPECT_EQ(unchanged->expires_at, extended->expires_at);

  clock_.Advance(std::chrono::hours(23));  // now it expires in 1h
  const auto late = narrow.Extend(s.id);
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(late->expires_at, clock_.Now() + std::chrono::hours(24));
  EXPECT_EQ(narrow.Extend(ids_.NewUuid()).error().code, ErrorCode::kNotFound);
}

TEST_F(ManagementTest, DeletingAnIdentitysSessionsRemovesTheRows) {
  Add("ann", 0);
  Add("ann", 1);
  const Session bob = Add("bob", 2);
  const Management m = Make();
  ASSERT_TRUE(m.DeleteOfIdentity("ann").ok());
  EXPECT_EQ(store_.Sessions().size(), 1u);
  EXPECT_EQ(store_.Sessions()[0].id, bob.id);
  const Status again = m.DeleteOfIdentity("ann");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
}

TEST_F(ManagementTest, WhoamiRefusesARevokedSessionAtOnce) {
  const CookieCodec cookies({"0123456789abcdef0123456789abcdef"});
  const Manager manager(ManagerOptions{}, store_, cookies, ids_, clock_);
  const Session s = Add("ann", 0);
  Credentials presented;
  presented.session_token_header = s.token;
  ASSERT_TRUE(manager.WhoAmI(presented).ok());

  ASSERT_TRUE(Make().Revoke(s.id).ok());
  const auto after = manager.WhoAmI(presented);
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(after.error().reason, "No valid session credentials found in the request.");
  EXPECT_TRUE(after.error().id.empty()) << "no session_inactive id (Quirk 11)";
}

}  // namespace
}  // namespace atrium::session

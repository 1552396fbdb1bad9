#include "session/cache.h"

#include <gtest/gtest.h>

#include "base/ids.h"
#include "base/time.h"
#include "registration/testing/fakes.h"
#include "session/cookie.h"
#include "session/manager.h"

namespace atrium::session {
namespace {

using registration::testing::MemoryStore;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

const Timestamp kStart = *ParseRfc3339("2026-01-01T00:00:00Z");

std::shared_ptr<const CachedSession> Entry(const std::string& id, const std::string& identity_id,
                                           Timestamp expires_at) {
  auto e = std::make_shared<CachedSession>();
  e->session.id = id;
  e->session.identity_id = identity_id;
  e->session.expires_at = expires_at;
  e->body = "{\"id\":\"" + id + "\"}\n";
  return e;
}

class SessionCacheTest : public ::testing::Test {
 protected:
  SessionCacheTest() : clock_(kStart), cache_(100, seconds(60), clock_) {}

  void Put(const std::string& digest, const std::string& id, const std::string& identity_id) {
    cache_.Put(digest, Entry(id, identity_id, kStart + hours(1)), cache_.Generation());
  }

  ManualClock clock_;
  SessionCache cache_;
};

TEST_F(SessionCacheTest, ServesTheSameSerializedEntryUntilSomethingChanges) {
  Put("d1", "s1", "ann");
  const auto first = cache_.Get("d1");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->body, "{\"id\":\"s1\"}\n");
  EXPECT_EQ(cache_.Get("d1").get(), first.get()) << "the JSON is not rebuilt on a hit";
  EXPECT_EQ(cache_.Get("unknown"), nullptr);
}

TEST_F(SessionCacheTest, NeverServesAnExpiredSession) {
  cache_.Put("d1", Entry("s1", "ann", kStart + seconds(10)), cache_.Generation());
  clock_.Advance(seconds(9));
  EXPECT_NE(cache_.Get("d1"), nullptr);
  clock_.Advance(seconds(1));  // expires_at reached: well inside the TTL, still not served
  EXPECT_EQ(cache_.Get("d1"), nullptr);
}

TEST_F(SessionCacheTest, TheTtlBoundsEveryEntry) {
  SessionCache cache(100, seconds(1), clock_);
  cache.Put("d1", Entry("s1", "ann", kStart + hours(1)), cache.Generation());
  clock_.Advance(milliseconds(999));
  EXPECT_NE(cache.Get("d1"), nullptr);
  clock_.Advance(milliseconds(1));
  EXPECT_EQ(cache.Get("d1"), nullptr);
}

TEST_F(SessionCacheTest, ARevokedSessionGoesAtOnceAndOnlyIt) {
  Put("d1", "s1", "ann");
  Put("d2", "s2", "ann");
  cache_.SessionChanged("s1");
  EXPECT_EQ(cache_.Get("d1"), nullptr);
  EXPECT_NE(cache_.Get("d2"), nullptr);
}

TEST_F(SessionCacheTest, AChangedOrDisabledIdentityTakesAllItsSessions) {
  Put("d1", "s1", "ann");
  Put("d2", "s2", "ann");
  Put("d3", "s3", "bob");
  cache_.IdentityChanged("ann");
  EXPECT_EQ(cache_.Get("d1"), nullptr);
  EXPECT_EQ(cache_.Get("d2"), nullptr);
  EXPECT_NE(cache_.Get("d3"), nullptr);
  cache_.EverythingChanged();
  EXPECT_EQ(cache_.Get("d3"), nullptr);
}

TEST_F(SessionCacheTest, AReadThatPredatesAnInvalidationIsNotCached) {
  const uint64_t before_read = cache_.Generation();
  cache_.SessionChanged("s1");  // a revoke commits while the read is in flight
  cache_.Put("d1", Entry("s1", "ann", kStart + hours(1)), before_read);
  EXPECT_EQ(cache_.Get("d1"), nullptr);
}

TEST_F(SessionCacheTest, NothingIsServedOrCachedWhileTheFeedIsDown) {
  Put("d1", "s1", "ann");
  cache_.SetFeedUp(false);
  EXPECT_EQ(cache_.Get("d1"), nullptr);
  Put("d2", "s2", "ann");
  cache_.SetFeedUp(true);
  EXPECT_EQ(cache_.Get("d1"), nullptr) << "changes may have been missed meanwhile";
  EXPECT_EQ(cache_.Get("d2"), nullptr);
  Put("d1", "s1", "ann");
  EXPECT_NE(cache_.Get("d1"), nullptr);
}

TEST_F(SessionCacheTest, HoldsAtMostItsCapacity) {
  SessionCache cache(2, seconds(60), clock_);
  for (const std::string n : {"1", "2", "3"}) {
    cache.Put("d" + n, Entry("s" + n, "ann", kStart + hours(1)), cache.Generation());
  }
  EXPECT_EQ(cache.size(), 2U);
  EXPECT_EQ(cache.Get("d1"), nullptr) << "the least recently used entry went";
  EXPECT_NE(cache.Get("d3"), nullptr);
}

class WhoAmICacheTest : public ::testing::Test {
 protected:
  WhoAmICacheTest()
      : clock_(kStart),
        cache_(100, seconds(60), clock_),
        cookies_({"0123456789abcdef0123456789abcdef"}),
        manager_(ManagerOptions{}, store_, cookies_, ids_, clock_, &cache_) {}

  Session Add(const std::string& identity_id) {
    Session s;
    s.id = ids_.NewUuid();
    s.token = NewSessionToken();
    s.token_digest = TokenDigest(s.token);
    s.identity_id = identity_id;
    s.identity.id = identity_id;
    s.identity.state = "active";
    s.identity.schema_id = "default";
    s.issued_at = kStart;
    s.authenticated_at = kStart;
    s.expires_at = kStart + hours(1);
    EXPECT_TRUE(store_.CreateSession(s).ok());
    return s;
  }

  static Credentials Presenting(const Session& s) {
    Credentials c;
    c.session_token_header = s.token;
    return c;
  }

  void ExpectNoSession(const Session& s) {
    const auto answer = manager_.WhoAmI(Presenting(s));
    ASSERT_FALSE(answer.ok());
    EXPECT_EQ(answer.error().code, ErrorCode::kUnauthenticated);
  }

  ManualClock clock_;
  SequentialIds ids_;
  MemoryStore store_;  // reports nothing: the tests play the store's part by hand
  SessionCache cache_;
  CookieCodec cookies_;
  Manager manager_;
};

TEST_F(WhoAmICacheTest, ServesFromTheCacheUntilTheStoreReportsTheRevocation) {
  const Session s = Add("ann");
  const auto first = manager_.WhoAmI(Presenting(s));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->identity_id(), "ann");
  const Json body = *ParseJson(first->body());
  EXPECT_EQ(body["id"], s.id);
  EXPECT_EQ(body["active"], true);
  EXPECT_EQ(first->body().back(), '\n');

  ASSERT_TRUE(store_.RevokeSession(s.id).ok());  // a write this fake store does not report
  const auto cached = manager_.WhoAmI(Presenting(s));
  ASSERT_TRUE(cached.ok()) << "served from the cache: the store was not asked";
  EXPECT_EQ(&cached->body(), &first->body()) << "the same serialized JSON";

  cache_.SessionChanged(s.id);  // what the real stores report after the revocation commits
  ExpectNoSession(s);
}

TEST_F(WhoAmICacheTest, ADisabledIdentityIsRefusedOnceReported) {
  const Session s = Add("ann");
  ASSERT_TRUE(manager_.WhoAmI(Presenting(s)).ok());
  ASSERT_TRUE(store_.DeleteSessionsOfIdentity("ann").ok());
  cache_.IdentityChanged("ann");
  ExpectNoSession(s);
}

TEST_F(WhoAmICacheTest, AnExpiredSessionIsRefusedAtOnce) {
  const Session s = Add("ann");
  ASSERT_TRUE(manager_.WhoAmI(Presenting(s)).ok());
  clock_.Advance(hours(1));
  ExpectNoSession(s);
}

TEST_F(WhoAmICacheTest, InactiveSessionsAreNeverCached) {
  const Session s = Add("ann");
  ASSERT_TRUE(store_.RevokeSession(s.id).ok());
  ExpectNoSession(s);
  EXPECT_EQ(cache_.size(), 0U);
}

}  // namespace
}  // namespace atrium::session

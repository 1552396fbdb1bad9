#include "session/session.h"

#include <gtest/gtest.h>

#include "base/time.h"
#include "session/cookie.h"

namespace atrium::session {
namespace {

TEST(Session, TokensHaveTheKratosShape) {
  const std::string t = NewSessionToken();
  ASSERT_EQ(t.size(), 39u);
  EXPECT_TRUE(t.starts_with("ory_st_"));
  EXPECT_NE(t, NewSessionToken());
}

TEST(Session, TokenLookupOrderMatchesKratos) {
  EXPECT_EQ(TokenFromRequest("a", "b", "Bearer c"), "a");
  EXPECT_EQ(TokenFromRequest(std::nullopt, "b", "Bearer c"), "b");
  EXPECT_EQ(TokenFromRequest(std::nullopt, std::nullopt, "bEaReR c"), "c");
  EXPECT_EQ(TokenFromRequest(std::nullopt, std::nullopt, "Bearer c d"), std::nullopt);
  EXPECT_EQ(TokenFromRequest(std::nullopt, std::nullopt, std::nullopt), std::nullopt);
}

TEST(CookieCodec, RoundTripsAndRejectsTamperingAndExpiry) {
  const CookieCodec codec({"0123456789abcdef0123456789abcdef"});
  const Timestamp now = *ParseRfc3339("2026-01-01T00:00:00Z");
  const std::string v = codec.Encode("ory_st_x", now + std::chrono::hours(1));
  EXPECT_EQ(codec.Decode(v, now), "ory_st_x");
  EXPECT_EQ(codec.Decode(v, now + std::chrono::hours(2)), std::nullopt);
  std::string tampered = v;
  tampered[5] = tampered[5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(codec.Decode(tampered, now), std::nullopt);
  EXPECT_EQ(codec.Decode("garbage", now), std::nullopt);
  const CookieCodec other({"another-secret-of-32-characters!"});
  EXPECT_EQ(other.Decode(v, now), std::nullopt);
}

TEST(Session, IsInactiveOnceExpiredOrIdentityDisabled) {
  Session s;
  const Timestamp now = *ParseRfc3339("2026-01-01T00:00:00Z");
  s.expires_at = now + std::chrono::hours(1);
  EXPECT_TRUE(s.IsActive(now));
  EXPECT_FALSE(s.IsActive(now + std::chrono::hours(2)));
  s.identity.state = "inactive";
  EXPECT_FALSE(s.IsActive(now));
}

}  // namespace
}  // namespace atrium::session

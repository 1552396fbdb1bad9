#include <gtest/gtest.h>

#include "base/strings.h"
#include "flow/csrf.h"
#include "flow/errors.h"
#include "flow/return_to.h"

namespace atrium::flow {
namespace {

TEST(Csrf, CookieNameHashesTheBaseUrl) {
  EXPECT_EQ(CsrfCookieName("http://foo.com/bar"),
            "csrf_token_01c86631efd1537ee34a98e75884a6e21dd8e2d9e944934bca21204106bfd32f");
}

TEST(Csrf, MaskedTokensMatchTheirCookieOnly) {
  const std::string cookie = NewCsrfToken();
  ASSERT_TRUE(IsValidCsrfCookie(cookie));
  const std::string masked = MaskCsrfToken(cookie);
  EXPECT_EQ(masked.size(), 88u);
  EXPECT_NE(masked, MaskCsrfToken(cookie));
  EXPECT_TRUE(CsrfTokensMatch(cookie, masked));
  EXPECT_TRUE(CsrfTokensMatch(cookie, cookie));
  EXPECT_FALSE(CsrfTokensMatch(NewCsrfToken(), masked));
  EXPECT_FALSE(CsrfTokensMatch(cookie, "not base64!"));
  EXPECT_FALSE(IsValidCsrfCookie("c2hvcnQ="));
}

TEST(Csrf, TokenNotSentVariantHasNoRejectReason) {
  const Error e = CsrfError(CsrfViolation::kTokenNotSent, false);
  EXPECT_EQ(e.id, "security_csrf_violation");
  EXPECT_FALSE(e.details.contains("reject_reason"));
  EXPECT_TRUE(CsrfError(CsrfViolation::kMismatch, true).details.contains("reject_reason"));
}

TEST(ReturnTo, AllowsListedHostsAndPathPrefixes) {
  const ReturnToPolicy p(
      {"https://app.example.com/welcome", "https://*.example.org/", "*", "https://*.com/"},
      "http://127.0.0.1:4433/");
  EXPECT_EQ(p.Resolve("", "https://app.example.com/").value(), "https://app.example.com/");
  EXPECT_EQ(p.Resolve("https://APP.example.com/welcome/x?y=1", "").value(),
            "https://app.example.com/welcome/x?y=1");
  EXPECT_TRUE(p.Resolve("https://a.example.org/anything", "").ok());
  EXPECT_EQ(p.Resolve("/welcome", "https://app.example.com/").value(),
            "https://app.example.com/welcome");
  const auto bad = p.Resolve("https://not-allowed", "");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().id, "self_service_flow_return_to_forbidden");
  EXPECT_EQ(bad.error().reason, "Requested return_to URL \"https://not-allowed\" is not allowed.");
  EXPECT_FALSE(p.Resolve("https://evil.com/", "").ok());
  EXPECT_TRUE(p.Resolve("http://127.0.0.1:4433/self-service/x", "").ok());
  EXPECT_TRUE(p.IsSelfServiceUrl("http://127.0.0.1:4433/self-service/login/browser"));
  EXPECT_FALSE(p.IsSelfServiceUrl("https://app.example.com/welcome"));
}

TEST(ReturnTo, ReadsQueryParameters) {
  EXPECT_EQ(QueryParam("http://x/y?return_to=https%3A%2F%2Fa.b%2Fc&z=1", "return_to"),
            "https://a.b/c");
  EXPECT_EQ(QueryParam("http://x/y", "return_to"), "");
}

TEST(Errors, ExpiredOnSubmitCarriesReplacementFlow) {
  const Timestamp expired{};
  const Error e = ExpiredOnSubmit(expired, expired + std::chrono::seconds(90), "abc");
  EXPECT_EQ(e.reason, "The self-service flow expired 1.50 minutes ago, initialize a new one.");
  EXPECT_EQ(e.extra["use_flow_id"], "abc");
}

}  // namespace
}  // namespace atrium::flow

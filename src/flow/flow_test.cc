#include <gtest/gtest.h>

#include "base/strings.h"
#include "flow/csrf.h"
#include "flow/errors.h"
#include "flow/request.h"
#include "flow/return_to.h"

namespace atrium::flow {
namespace {

CsrfGuard Guard() { return CsrfGuard(CsrfOptions{"http://foo.com/bar", "/", "", false, "Lax"}); }

TEST(Csrf, CookieNameHashesTheBaseUrlExactlyAsConfigured) {
  EXPECT_EQ(CsrfGuard::CookieName("http://foo.com/bar"),
            "csrf_token_01c86631efd1537ee34a98e75884a6e21dd8e2d9e944934bca21204106bfd32f");
  EXPECT_NE(CsrfGuard::CookieName("http://foo.com/bar/"),
            CsrfGuard::CookieName("http://foo.com/bar"))
      << "no slash is added before hashing (Kratos hashes the configured string)";
  EXPECT_EQ(Guard().cookie_name(), CsrfGuard::CookieName("http://foo.com/bar"));
}

TEST(Csrf, IssuesOnActiveRoutesOnlyAndMasksFreshlyEachTime) {
  const CsrfGuard guard = Guard();
  const CsrfState none = guard.Read(std::nullopt, false, false);
  EXPECT_FALSE(none.issued);
  EXPECT_TRUE(none.masked.empty());
  const CsrfState issued = guard.Read(std::nullopt, false, true);
  ASSERT_TRUE(issued.issued);
  EXPECT_EQ(issued.masked.size(), 88u);
  const CsrfState kept = guard.Read(*issued.issued, true, true);
  EXPECT_FALSE(kept.issued) << "a valid cookie is never replaced";
  EXPECT_EQ(kept.cookie, *issued.issued);
  EXPECT_NE(kept.masked, guard.Read(*issued.issued, true, true).masked);
  EXPECT_TRUE(guard.Read("c2hvcnQ=", true, false).cookie.empty()) << "a malformed cookie";
}

TEST(Csrf, VerifiesSubmissionsWithTheFourViolations) {
  const CsrfGuard guard = Guard();
  const std::string cookie = *guard.Read(std::nullopt, false, true).issued;
  const CsrfState state = guard.Read(cookie, true, false);
  EXPECT_TRUE(guard.VerifySubmission(state, state.masked, false, false).ok());
  EXPECT_TRUE(guard.VerifySubmission(state, cookie, false, false).ok()) << "unmasked works too";
  const auto reason = [&](const Status& s) {
    return s.ok() ? std::string("ok") : s.error().details.value("reject_reason", "(none)");
  };
  EXPECT_EQ(
      reason(guard.VerifySubmission(guard.Read(std::nullopt, false, false), "x", false, false)),
      "The HTTP Cookie Header is empty or not set.");
  EXPECT_EQ(
      reason(guard.VerifySubmission(guard.Read(std::nullopt, true, false), "x", false, false)),
      "The HTTP Cookie Header was set but did not include the anti-CSRF cookie.");
  EXPECT_EQ(reason(guard.VerifySubmission(state, "", false, false)), "(none)")
      << "token not sent has no reject reason";
  const std::string other = *guard.Read(std::nullopt, false, true).issued;
  const Status mismatch =
      guard.VerifySubmission(state, guard.Read(other, true, false).masked, false, true);
  EXPECT_NE(reason(mismatch).find("do not match"), std::string::npos);
  EXPECT_EQ(mismatch.error().id, "security_csrf_violation");
  EXPECT_EQ(mismatch.error().code, ErrorCode::kForbidden);
  EXPECT_NE(mismatch.error().details.value("hint", "").find("AJAX"), std::string::npos);
  EXPECT_FALSE(guard.VerifySubmission(state, "", true, false).ok())
      << "JSON without a token is a mismatch, not a pass";
  EXPECT_FALSE(guard.VerifySubmission(state, "not base64!", false, false).ok());
}

TEST(Csrf, CookiesAreHttpOnlyAndLaxWithoutTls) {
  const SetCookie c = Guard().Cookie("v");
  EXPECT_EQ(c.name, Guard().cookie_name());
  EXPECT_TRUE(c.http_only);
  EXPECT_FALSE(c.secure);
  EXPECT_EQ(c.same_site, "Lax");
  EXPECT_EQ(c.max_age, 31536000);
  const CsrfGuard strict(CsrfOptions{"https://x/", "/", "x", true, "Strict"});
  EXPECT_EQ(strict.Cookie("v").same_site, "Strict");
  EXPECT_TRUE(strict.Cookie("v").secure);
  EXPECT_NE(strict.RotatedCookie().value, strict.RotatedCookie().value);
}

TEST(ApiFlows, RefuseBrowsers) {
  Request r;
  EXPECT_TRUE(VerifyApiFlowRequest(r).ok());
  r.has_non_cloudflare_cookie = true;
  EXPECT_FALSE(VerifyApiFlowRequest(r).ok());
  r.has_non_cloudflare_cookie = false;
  r.has_origin = true;
  EXPECT_FALSE(VerifyApiFlowRequest(r).ok());
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

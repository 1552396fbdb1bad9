#include "http/http.h"

#include <gtest/gtest.h>

namespace atrium::http {
namespace {

const std::vector<std::string> kJsonRequestOffers = {"text/html", "text/*", "*/*",
                                                     "application/json"};

std::string Negotiate(std::optional<std::string_view> accept) {
  return NegotiateContentType(accept, kJsonRequestOffers, "text/html");
}

TEST(NegotiateContentType, FollowsGddoIncludingItsQuirks) {
  EXPECT_EQ(Negotiate(std::nullopt), "text/html");
  EXPECT_EQ(Negotiate("application/json"), "application/json");
  EXPECT_EQ(Negotiate("*/*"), "text/html");
  EXPECT_EQ(Negotiate("application/json, text/plain, */*"), "application/json");
  EXPECT_EQ(Negotiate("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            "text/html");
  // A parameter other than q stops parsing of the line: application/json is dropped.
  EXPECT_EQ(Negotiate("text/plain, application/json;charset=utf-8"), "text/html");
  EXPECT_EQ(Negotiate("application/json, text/html;level=1"), "application/json");
  EXPECT_EQ(Negotiate("application/json;q=0"), "text/html");
  EXPECT_EQ(NegotiateContentType("text/html;q=0.5, application/json",
                                 {"text/html", "application/json"}, "text/html"),
            "application/json");
}

TEST(MediaType, DropsParametersAndLowercases) {
  EXPECT_EQ(MediaType("Application/JSON; charset=utf-8"), "application/json");
  EXPECT_EQ(MediaType(" multipart/form-data;boundary=x"), "multipart/form-data");
  EXPECT_EQ(MediaType(""), "");
}

TEST(ParseUrlEncoded, DecodesLikeGo) {
  const auto r = ParseUrlEncoded("a=1&b=x+y%21&a=2&&c&traits.email=a%40b.c");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r,
            (Pairs{{"a", "1"}, {"b", "x y!"}, {"a", "2"}, {"c", ""}, {"traits.email", "a@b.c"}}));
  EXPECT_FALSE(ParseUrlEncoded("a=%zz").ok());
  EXPECT_FALSE(ParseUrlEncoded("a;b=1").ok());
}

TEST(ParseMultipart, ReadsNamedParts) {
  const std::string body =
      "--XyZ\r\nContent-Disposition: form-data; name=\"method\"\r\n\r\npassword\r\n"
      "--XyZ\r\nContent-Disposition: form-data; name=\"traits.email\"\r\n"
      "Content-Type: text/plain\r\n\r\na@b.c\r\n--XyZ--\r\n";
  const auto r = ParseMultipart(body, "multipart/form-data; boundary=XyZ");
  ASSERT_TRUE(r.ok()) << r.error().reason;
  EXPECT_EQ(*r, (Pairs{{"method", "password"}, {"traits.email", "a@b.c"}}));
  EXPECT_FALSE(ParseMultipart(body, "multipart/form-data").ok());
  EXPECT_FALSE(ParseMultipart("garbage", "multipart/form-data; boundary=XyZ").ok());
  EXPECT_FALSE(ParseMultipart("--XyZ\r\nno headers end", "multipart/form-data; boundary=XyZ").ok());
}

TEST(Request, ReadsHeadersQueryAndCookies) {
  Request r;
  r.raw_query = "flow=abc&return_to=http%3A%2F%2Fx%2F&bad=%zz";
  r.headers = {{"content-type", "text/plain"}, {"Cookie", "a=1; b = 2"}, {"cookie", "c=3"}};
  EXPECT_EQ(r.Header("Content-Type"), "text/plain");
  EXPECT_EQ(r.Header("X-Nope"), std::nullopt);
  EXPECT_EQ(r.Query("return_to"), "http://x/");
  EXPECT_EQ(r.Query("bad"), std::nullopt);
  EXPECT_EQ(r.Cookies(), (Pairs{{"a", "1"}, {"b", "2"}, {"c", "3"}}));
  EXPECT_EQ(r.Cookie("c"), "3");
}

TEST(Response, SetHeaderReplacesAndAddHeaderAppends) {
  Response r;
  r.SetHeader("X-A", "1");
  r.SetHeader("x-a", "2");
  r.AddHeader("Set-Cookie", "a");
  r.AddHeader("Set-Cookie", "b");
  EXPECT_EQ(r.headers.size(), 3u);
  EXPECT_EQ(r.Header("X-A"), "2");
}

TEST(Router, MatchesExactThenPrefixAndReportsWrongMethods) {
  Router router;
  router.Add("GET", "/a", [](const Request&) { return Response{201, {}, ""}; });
  router.Add("*", "/any", [](const Request&) { return Response{202, {}, ""}; });
  router.AddPrefix("GET", "/p/", [](const Request&) { return Response{203, {}, ""}; });
  Request req;
  EXPECT_EQ((*router.Find("GET", "/a").handler)(req).status, 201);
  EXPECT_EQ((*router.Find("HEAD", "/a").handler)(req).status, 201);
  EXPECT_EQ(router.Find("POST", "/a").handler, nullptr);
  EXPECT_EQ((*router.Find("DELETE", "/any").handler)(req).status, 202);
  EXPECT_EQ((*router.Find("GET", "/p/x").handler)(req).status, 203);
  EXPECT_EQ((*router.Find("GET", "/nope").handler)(req).status, 404);
  // The matched pattern (a bounded label for metrics and logs), also for a wrong method.
  EXPECT_EQ(router.Find("GET", "/a").pattern, "/a");
  EXPECT_EQ(router.Find("POST", "/a").pattern, "/a");
  EXPECT_EQ(router.Find("GET", "/p/x/y").pattern, "/p/*");
  EXPECT_EQ(router.Find("GET", "/nope").pattern, "");
}

// Exact routes are indexed wherever they were added: one added after a prefix route is found
// too, before any prefix, and a route's fast path comes with its match.
TEST(Router, FindsExactRoutesAddedAfterPrefixesAndTheirFastPaths) {
  Router router;
  router.AddPrefix("GET", "/p/", [](const Request&) { return Response{203, {}, ""}; });
  router.Add("GET", "/late", [](const Request&) { return Response{204, {}, ""}; });
  router.Add(
      "GET", "/p/exact",
      [](const Request&) {
        return Response{205, {}, ""};
      },
      Execution::kOffload,
      [](const Request&) {
        return std::optional<Response>(Response{206, {}, ""});
      });
  Request req;
  EXPECT_EQ((*router.Find("GET", "/late").handler)(req).status, 204);
  const Router::Match exact = router.Find("GET", "/p/exact");
  EXPECT_EQ((*exact.handler)(req).status, 205);
  ASSERT_NE(exact.fast, nullptr);
  EXPECT_EQ((*exact.fast)(req)->status, 206);
  EXPECT_EQ(router.Find("GET", "/late").fast, nullptr);
  EXPECT_EQ((*router.Find("GET", "/p/other").handler)(req).status, 203);
}

TEST(FormatSetCookie, WritesGoStyleAttributes) {
  EXPECT_EQ(FormatSetCookie({"n", "v", "/", "", 31536000, true, false, "Lax"}),
            "n=v; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax");
  EXPECT_EQ(FormatSetCookie({"n", "v", "/", "example.com", std::nullopt, true, true, ""}),
            "n=v; Path=/; Domain=example.com; HttpOnly; Secure");
  const std::string with_expiry = FormatSetCookie({"n", "v", "", "", 60, false, false, "", true});
  EXPECT_TRUE(with_expiry.starts_with("n=v; Expires=")) << with_expiry;
  EXPECT_TRUE(with_expiry.ends_with(" GMT; Max-Age=60")) << with_expiry;
  EXPECT_EQ(FormatSetCookie({"n", "", "", "", 0, false, false, ""}),
            "n=; Expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0");
}

}  // namespace
}  // namespace atrium::http

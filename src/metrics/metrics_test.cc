#include <array>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "http/http.h"
#include "metrics/http_metrics.h"
#include "metrics/logging.h"
#include "metrics/registry.h"

namespace atrium::metrics {
namespace {

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(Registry, RendersCountersWithHelpTypeAndLabels) {
  Registry r;
  auto& requests = r.AddCounter("requests_total", "number of\nrequests \\ all", {"code", "path"});
  requests.With({"200", "/a"}).Inc();
  requests.With({"200", "/a"}).Inc(2);
  requests.With({"404", "/b"}).Inc();
  EXPECT_EQ(r.Render(),
            "# HELP requests_total number of\\nrequests \\\\ all\n"
            "# TYPE requests_total counter\n"
            "requests_total{code=\"200\",path=\"/a\"} 3\n"
            "requests_total{code=\"404\",path=\"/b\"} 1\n");
}

TEST(Registry, EscapesLabelValues) {
  Registry r;
  r.AddCounter("c", "h", {"v"}).With({"a\"b\\c\nd"}).Inc();
  EXPECT_TRUE(Contains(r.Render(), "c{v=\"a\\\"b\\\\c\\nd\"} 1\n")) << r.Render();
  EXPECT_EQ(EscapeLabelValue("plain"), "plain");
}

TEST(Registry, HistogramBucketsAreCumulativeWithSumAndCount) {
  Registry r;
  const std::array<double, 3> bounds = {0.25, 1, 10};
  auto& h = r.AddHistogram("latency_seconds", "h", {"route"}, bounds).With({"/x"});
  h.Observe(0.125);
  h.Observe(0.25);  // on the bound: le is inclusive
  h.Observe(0.5);
  h.Observe(20);
  EXPECT_EQ(r.Render(),
            "# HELP latency_seconds h\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{route=\"/x\",le=\"0.25\"} 2\n"
            "latency_seconds_bucket{route=\"/x\",le=\"1\"} 3\n"
            "latency_seconds_bucket{route=\"/x\",le=\"10\"} 3\n"
            "latency_seconds_bucket{route=\"/x\",le=\"+Inf\"} 4\n"
            "latency_seconds_sum{route=\"/x\"} 20.875\n"
            "latency_seconds_count{route=\"/x\"} 4\n");
}

TEST(Registry, CallbackGaugesAreReadAtScrapeTime) {
  Registry r;
  double depth = 1;
  r.AddGauge("queue_depth", "h", [&] { return depth; });
  r.AddCallback("pool", "h", "gauge", [] {
    return std::vector<Sample>{{{{"state", "in_use"}}, 2}, {{{"state", "idle"}}, 3}};
  });
  EXPECT_TRUE(Contains(r.Render(), "queue_depth 1\n"));
  depth = 7.5;
  const std::string text = r.Render();
  EXPECT_TRUE(Contains(text, "queue_depth 7.5\n"));
  EXPECT_TRUE(Contains(text, "pool{state=\"in_use\"} 2\npool{state=\"idle\"} 3\n"));
}

TEST(Registry, FormatsSpecialValuesAsGoDoes) {
  EXPECT_EQ(FormatValue(1.0 / 0.0), "+Inf");
  EXPECT_EQ(FormatValue(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(FormatValue(0.0 / 0.0), "NaN");
  EXPECT_EQ(FormatValue(0.005), "0.005");
  EXPECT_EQ(FormatValue(42), "42");
}

TEST(Registry, DuplicateNamesAbort) {
  Registry r;
  r.AddGauge("g", "h", [] { return 0.0; });
  EXPECT_DEATH(r.AddGauge("g", "h", [] { return 0.0; }), "unique");
}

TEST(Registry, ConcurrentIncrementsAndObservationsAreAllCounted) {
  Registry r;
  auto& counters = r.AddCounter("c", "h", {"t"});
  const std::array<double, 2> bounds = {1, 2};
  auto& histograms = r.AddHistogram("h", "h", {}, bounds);
  constexpr int kThreads = 8;
  constexpr int kEach = 20000;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        counters.With({t % 2 == 0 ? "even" : "odd"}).Inc();
        histograms.With({}).Observe(1.5);
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(counters.With({"even"}).Value() + counters.With({"odd"}).Value(),
            static_cast<std::uint64_t>(kThreads * kEach));
  const auto s = histograms.With({}).Read();
  EXPECT_EQ(s.count, static_cast<std::uint64_t>(kThreads * kEach));
  EXPECT_EQ(s.cumulative[0], 0U);
  EXPECT_EQ(s.cumulative[1], s.count);
  EXPECT_DOUBLE_EQ(s.sum, 1.5 * kThreads * kEach);
}

TEST(Registry, ProcessMetricsArePresentAndPlausible) {
  Registry r;
  AddProcessMetrics(r);
  const std::string text = r.Render();
  for (const char* name : {"process_cpu_seconds_total ", "process_open_fds ", "process_max_fds ",
                           "process_virtual_memory_bytes ", "process_resident_memory_bytes ",
                           "process_start_time_seconds "}) {
    EXPECT_TRUE(Contains(text, std::string("\n") + name)) << name << "\n" << text;
  }
  EXPECT_FALSE(Contains(text, "process_resident_memory_bytes 0\n"));
  EXPECT_FALSE(Contains(text, "process_open_fds 0\n"));
}

http::Request GetRequest(std::string path, std::string query = "") {
  http::Request req;
  req.method = "GET";
  req.path = std::move(path);
  req.raw_query = std::move(query);
  req.remote_address = "127.0.0.1";
  return req;
}

TEST(HttpMetrics, CountsPerRoutePatternMethodAndStatusAndSetsTheRequestId) {
  Registry r;
  HttpMetrics m(r, nullptr);
  const http::Request req = GetRequest("/schemas/abc");
  http::Response res;
  m.Observe({&req, "/schemas/*", "127.0.0.1", 200, std::chrono::milliseconds(3)}, res);
  http::Response res2;
  m.Observe({&req, "/schemas/*", "127.0.0.1", 200, std::chrono::milliseconds(30)}, res2);
  http::Response res3;
  m.Observe({&req, "", "127.0.0.1", 404, std::chrono::milliseconds(1)}, res3);
  http::Response res4;
  m.Observe({nullptr, "", "127.0.0.1", 400, std::chrono::milliseconds(1)}, res4);
  const std::string text = r.Render();
  EXPECT_TRUE(Contains(
      text, "http_requests_total{code=\"200\",method=\"GET\",endpoint=\"/schemas/*\"} 2\n"))
      << text;
  EXPECT_TRUE(
      Contains(text, "http_requests_total{code=\"404\",method=\"GET\",endpoint=\"unknown\"} 1\n"));
  EXPECT_TRUE(Contains(
      text, "http_requests_total{code=\"400\",method=\"other\",endpoint=\"unknown\"} 1\n"));
  EXPECT_TRUE(Contains(text,
                       "http_requests_duration_seconds_bucket{code=\"200\",method=\"GET\","
                       "endpoint=\"/schemas/*\",le=\"0.005\"} 1\n"));
  EXPECT_TRUE(Contains(text,
                       "http_requests_duration_seconds_bucket{code=\"200\",method=\"GET\","
                       "endpoint=\"/schemas/*\",le=\"0.05\"} 2\n"));
  EXPECT_FALSE(Contains(text, "abc"));  // raw paths never become labels
  ASSERT_TRUE(res.Header("X-Request-Id"));
  EXPECT_EQ(res.Header("X-Request-Id")->size(), 32U);
  EXPECT_NE(*res.Header("X-Request-Id"), *res2.Header("X-Request-Id"));
}

TEST(HttpMetrics, KeepsTheClientsRequestIdWhenSane) {
  Registry r;
  HttpMetrics m(r, nullptr);
  http::Request req = GetRequest("/x");
  req.headers.emplace_back("x-request-id", "abc-123");
  http::Response res;
  m.Observe({&req, "/x", "", 200, {}}, res);
  EXPECT_EQ(res.Header("X-Request-Id").value_or(""), "abc-123");
  http::Request bad = GetRequest("/x");
  bad.headers.emplace_back("X-Request-Id", "has space\"");
  http::Response res2;
  m.Observe({&bad, "/x", "", 200, {}}, res2);
  EXPECT_EQ(res2.Header("X-Request-Id")->size(), 32U);
}

TEST(HttpMetrics, UnknownMethodsShareOneLabel) {
  EXPECT_EQ(MethodLabel("GET"), "GET");
  EXPECT_EQ(MethodLabel("BREW"), "other");
  EXPECT_EQ(MethodLabel("get"), "other");
}

TEST(Logging, EscapesJsonIncludingControlsAndInvalidUtf8) {
  std::string out;
  AppendJsonEscaped(out, std::string("a\"b\\c\n\t\x01\x7f") + "\xc3\xa9" + "\xff" + "\xe2\x82" +
                             "\xed\xa0\x80" + "\xf0\x9f\x98\x80");
  EXPECT_EQ(out,
            "a\\\"b\\\\c\\n\\t\\u0001\\u007f\xc3\xa9\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd"
            "\xf0\x9f\x98\x80");
}

TEST(Logging, RedactsQueryValuesExceptIdentifiers) {
  EXPECT_EQ(RedactQuery("flow=abc&token=s3cret&code=123456&return_to=https%3A%2F%2Fx&flag", "R"),
            "flow=abc&token=R&code=R&return_to=R&flag");
  EXPECT_EQ(RedactQuery("", "R"), "");
  // Empty pieces are kept (found by fuzz_logs): the logged query has the input's shape.
  EXPECT_EQ(RedactQuery("&a=1&&flow=f&", "R"), "&a=R&&flow=f&");
  EXPECT_EQ(RedactQuery("page_size=10&page_token=t&id=1", "R"), "page_size=10&page_token=t&id=1");
}

}  // namespace
}  // namespace atrium::metrics

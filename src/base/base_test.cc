#include <pthread.h>

#include <atomic>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "base/ip.h"
#include "base/lazy.h"
#include "base/log.h"
#include "base/random.h"
#include "base/result.h"
#include "base/strings.h"
#include "base/threads.h"
#include "base/time.h"

namespace atrium {
namespace {

Result<int> Half(int v) {
  if (v % 2 != 0) {
    return Error::InvalidArgument("odd");
  }
  return v / 2;
}

Result<int> Quarter(int v) {
  ATRIUM_ASSIGN_OR_RETURN(const int half, Half(v));
  ATRIUM_ASSIGN_OR_RETURN(const int quarter, Half(half));
  return quarter;
}

TEST(Result, PropagatesTheFirstError) {
  EXPECT_EQ(Quarter(8).value(), 2);
  const auto r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().reason, "odd");
}

TEST(Time, FormatsLikeGoRfc3339Nano) {
  const auto t = ParseRfc3339("2026-08-01T11:34:56.789012Z");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(FormatRfc3339(*t), "2026-08-01T11:34:56.789012Z");
  EXPECT_EQ(FormatRfc3339(Timestamp{}), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(*ParseRfc3339("2024-02-29T23:59:59.5+01:00")), "2024-02-29T22:59:59.5Z");
  EXPECT_FALSE(ParseRfc3339("2026-13-01T00:00:00Z").has_value());
  EXPECT_FALSE(ParseRfc3339("yesterday").has_value());
}

TEST(Time, ParsesGoDurations) {
  EXPECT_EQ(ParseGoDuration("1h"), std::chrono::hours(1));
  EXPECT_EQ(ParseGoDuration("1h30m"), std::chrono::minutes(90));
  EXPECT_EQ(ParseGoDuration("250ms"), std::chrono::milliseconds(250));
  EXPECT_EQ(ParseGoDuration("0"), Duration(0));
  EXPECT_FALSE(ParseGoDuration("1 hour").has_value());
  EXPECT_FALSE(ParseGoDuration("").has_value());
}

TEST(Random, UuidsAreCanonicalV4) {
  const std::string a = NewUuid();
  EXPECT_TRUE(IsUuid(a));
  EXPECT_EQ(a[14], '4');
  EXPECT_NE(a, NewUuid());
  EXPECT_FALSE(IsUuid("not-a-uuid"));
  EXPECT_EQ(RandomAlphanumeric(32).size(), 32u);
}

TEST(Random, KernelBytesHaveTheLengthAskedForAndDiffer) {
  EXPECT_EQ(KernelRandomBytes(0), "");
  const std::string a = KernelRandomBytes(300);
  const std::string b = KernelRandomBytes(300);
  EXPECT_EQ(a.size(), 300u);
  EXPECT_NE(a, b);
}

TEST(Lazy, MakesTheValueOnceAtTheFirstGetWhicheverThreadAsks) {
  std::atomic<int> made{0};
  const Lazy<std::string> lazy([&made] {
    ++made;
    return std::string("value");
  });
  EXPECT_EQ(made.load(), 0);  // nothing at construction
  std::vector<std::thread> threads;
  std::vector<const std::string*> seen(8);
  for (size_t i = 0; i < seen.size(); ++i) {
    threads.emplace_back([&, i] { seen[i] = &lazy.Get(); });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(made.load(), 1);
  for (const auto* v : seen) {
    EXPECT_EQ(v, &lazy.Get());
  }
  EXPECT_EQ(lazy.Get(), "value");
}

// Counts how often {fmt} formats it: a line below the level must not be formatted at all.
struct Counted {
  int* formatted;
};

}  // namespace
}  // namespace atrium

template <>
struct fmt::formatter<atrium::Counted> : fmt::formatter<std::string_view> {
  auto format(const atrium::Counted& c, fmt::format_context& ctx) const {
    ++*c.formatted;
    return fmt::formatter<std::string_view>::format("counted", ctx);
  }
};

namespace atrium {
namespace {

TEST(Threads, NamesTheCallingThreadKeepingAtMostFifteenCharacters) {
  std::string short_name;
  std::string long_name;
  std::thread([&] {
    char buffer[32] = {};
    NameThisThread("atrium-hash");
    pthread_getname_np(pthread_self(), buffer, sizeof buffer);
    short_name = buffer;
    NameThisThread("a-name-longer-than-fifteen");
    pthread_getname_np(pthread_self(), buffer, sizeof buffer);
    long_name = buffer;
  }).join();
  EXPECT_EQ(short_name, "atrium-hash");
  EXPECT_EQ(long_name, "a-name-longer-t");
}

TEST(Log, WritesThroughTheDefaultLoggerAndFormatsOnlyLinesAtItsLevel) {
  std::ostringstream out;
  auto logger = std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  logger->set_pattern("%l %v");
  logger->set_level(spdlog::level::warn);
  const auto previous = spdlog::default_logger();
  spdlog::set_default_logger(logger);
  int formatted = 0;
  LogInfo("hidden {}", Counted{&formatted});
  LogDebug("hidden {}", Counted{&formatted});
  LogWarning("shown {} {}", Counted{&formatted}, 7);
  LogError("failed: {}", "why");
  spdlog::set_default_logger(previous);
  EXPECT_EQ(formatted, 1);
  EXPECT_EQ(out.str(), "warning shown counted 7\nerror failed: why\n");
  EXPECT_FALSE(LogEnabled(LogLevel::kDebug));  // the default logger's level is info
}

TEST(Random, ParsesUuidsLikeGofrs) {
  const std::string canonical = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
  for (const char* form :
       {"6ba7b810-9dad-11d1-80b4-00c04fd430c8", "6BA7B810-9DAD-11D1-80B4-00C04FD430C8",
        "{6ba7b810-9dad-11d1-80b4-00c04fd430c8}", "6ba7b8109dad11d180b400c04fd430c8",
        "{6ba7b8109dad11d180b400c04fd430c8}", "urn:uuid:6ba7b810-9dad-11d1-80b4-00c04fd430c8"}) {
    const auto parsed = ParseUuid(form);
    ASSERT_TRUE(parsed.ok()) << form;
    EXPECT_EQ(*parsed, canonical) << form;
  }
  const auto message = [](std::string_view s) { return ParseUuid(s).error().message; };
  EXPECT_EQ(message("BADUUID"), "uuid: incorrect UUID length 7 in string \"BADUUID\"");
  EXPECT_EQ(message("whoami"), "uuid: incorrect UUID length 6 in string \"whoami\"");
  EXPECT_EQ(message("6ba7b810x9dad-11d1-80b4-00c04fd430c8"),
            "uuid: incorrect UUID format in string \"6ba7b810x9dad-11d1-80b4-00c04fd430c8\"");
  EXPECT_EQ(message("6ba7b810-9dad-11d1-80b4-00c04fd430cg"), "uuid: invalid UUID format");
  EXPECT_EQ(message("urn:uuix:6ba7b810-9dad-11d1-80b4-00c04fd430c8"),
            "uuid: incorrect UUID format in string \"urn:uuix:\"");
  EXPECT_EQ(ParseUuid("").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ParseUuid("x").error().reason, "") << "the text is the message, as Kratos answers";
}

TEST(Strings, Base64RoundTrips) {
  EXPECT_EQ(Base64Encode("default"), "ZGVmYXVsdA==");
  EXPECT_EQ(Base64UrlEncode("default"), "ZGVmYXVsdA");
  EXPECT_EQ(Base64Decode("ZGVmYXVsdA==").value(), "default");
  EXPECT_EQ(Base64UrlDecode("ZGVmYXVsdA").value(), "default");
  EXPECT_FALSE(Base64Decode("ZGVmYXVsdA").has_value());
  EXPECT_FALSE(Base64Decode("!!!!").has_value());
}

TEST(Strings, DecodesPercentEscapes) {
  EXPECT_EQ(PercentDecode("a%40b+c", true).value(), "a@b c");
  EXPECT_FALSE(PercentDecode("%4", true).has_value());
  EXPECT_FALSE(PercentDecode("%zz", true).has_value());
}

TEST(Strings, ValidatesUtf8) {
  EXPECT_TRUE(IsValidUtf8("h\xC3\xA9llo"));
  EXPECT_FALSE(IsValidUtf8("\xC3"));
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));  // surrogate
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));      // overlong
}

TEST(Strings, QuotesLikeGo) { EXPECT_EQ(GoQuote("https://x\"y"), "\"https://x\\\"y\""); }

TEST(IpRanges, MatchesAddressesAndCidrRangesOfBothFamilies) {
  const auto r = IpRanges::Parse({"10.0.0.0/8", "192.168.1.7", "fd00::/8", "::1"});
  ASSERT_TRUE(r.ok()) << r.error().reason;
  EXPECT_TRUE(r->Contains("10.200.3.4"));
  EXPECT_FALSE(r->Contains("11.0.0.1"));
  EXPECT_TRUE(r->Contains("192.168.1.7"));
  EXPECT_FALSE(r->Contains("192.168.1.8"));
  EXPECT_TRUE(r->Contains("fd12::1"));
  EXPECT_FALSE(r->Contains("fe80::1"));
  EXPECT_TRUE(r->Contains("::1"));
  EXPECT_FALSE(r->Contains("127.0.0.1"));
  EXPECT_FALSE(r->Contains("not an address"));
  EXPECT_FALSE(IpRanges().Contains("10.0.0.1"));
  const auto odd = IpRanges::Parse({"10.1.0.0/15"});
  ASSERT_TRUE(odd.ok());
  EXPECT_TRUE(odd->Contains("10.0.255.255"));
  EXPECT_TRUE(odd->Contains("10.1.0.1"));
  EXPECT_FALSE(odd->Contains("10.2.0.1"));
  for (const char* bad : {"10.0.0.0/33", "x", "10.0.0.0/", "::/129", "10.0.0.0/8x"}) {
    EXPECT_FALSE(IpRanges::Parse({bad}).ok()) << bad;
  }
}

}  // namespace
}  // namespace atrium

#include "base/json.h"

#include <gtest/gtest.h>

namespace atrium {
namespace {

std::string Nested(char open, char close, size_t depth, std::string_view inner = "") {
  return std::string(depth, open) + std::string(inner) + std::string(depth, close);
}

TEST(ParseJson, ReadsADocumentKeepingKeyOrder) {
  const auto j = ParseJson(R"({"b":1,"a":[true,null,"x",1.5,-2]})");
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(DumpJson(*j), R"({"b":1,"a":[true,null,"x",1.5,-2]})");
}

TEST(ParseJson, RefusesNestingBeyondTheLimitWithoutRecursing) {
  // A million levels would overflow the stack of any recursive parser or destructor.
  for (const char* pair : {"[]", "{}"}) {
    const std::string text = pair[0] == '[' ? Nested('[', ']', 1'000'000) : [] {
      std::string s;
      for (int i = 0; i < 1'000'000; ++i) {
        s += "{\"a\":";
      }
      return s + "1" + std::string(1'000'000, '}');
    }();
    Json out;
    JsonError error;
    EXPECT_FALSE(ParseJson(text, JsonLimits{.max_bytes = 64u << 20}, out, error));
    EXPECT_EQ(error.fault, JsonFault::kTooDeep);
    EXPECT_NE(error.reason.find("64 levels"), std::string::npos) << error.reason;
  }
}

TEST(ParseJson, AcceptsExactlyTheDepthLimit) {
  EXPECT_TRUE(ParseJson(Nested('[', ']', 64)).ok());
  EXPECT_FALSE(ParseJson(Nested('[', ']', 65)).ok());
  EXPECT_TRUE(ParseJson(Nested('[', ']', 3), JsonLimits{.max_depth = 3}).ok());
  EXPECT_FALSE(ParseJson(Nested('[', ']', 4), JsonLimits{.max_depth = 3}).ok());
}

TEST(ParseJson, RefusesDocumentsOverTheSizeLimit) {
  Json out;
  JsonError error;
  EXPECT_FALSE(ParseJson(std::string(101, ' ') + "1", JsonLimits{.max_bytes = 100}, out, error));
  EXPECT_EQ(error.fault, JsonFault::kTooLarge);
}

TEST(ParseJson, RefusesMalformedTextAndInvalidUtf8) {
  for (const char* text : {"", "{", "{\"a\":}", "[1,]", "nul", "\"\xff\"", "1 2", "{\"a\":1}x"}) {
    Json out;
    JsonError error;
    EXPECT_FALSE(ParseJson(text, JsonLimits{}, out, error)) << text;
    EXPECT_EQ(error.fault, JsonFault::kSyntax) << text;
  }
}

TEST(ParseFirstJsonValue, IgnoresWhatFollowsTheFirstValue) {
  Json out;
  JsonError error;
  ASSERT_TRUE(ParseFirstJsonValue("5 garbage", JsonLimits{}, out, error));
  EXPECT_EQ(out, 5);
  ASSERT_TRUE(ParseFirstJsonValue(R"({"a":1}{"b":2})", JsonLimits{}, out, error));
  EXPECT_EQ(DumpJson(out), R"({"a":1})");
  EXPECT_FALSE(ParseFirstJsonValue(Nested('[', ']', 65), JsonLimits{}, out, error));
  EXPECT_EQ(error.fault, JsonFault::kTooDeep);
}

TEST(DumpJson, NeverThrowsOnInvalidUtf8) {
  const Json j = std::string("a\xff");
  EXPECT_EQ(DumpJson(j), "\"a\xEF\xBF\xBD\"");
}

TEST(SortedKeys, SortsEveryLevel) {
  const auto j = ParseJson(R"({"b":{"y":1,"x":2},"a":[{"d":1,"c":2}]})");
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(DumpJson(SortedKeys(*j)), R"({"a":[{"c":2,"d":1}],"b":{"x":2,"y":1}})");
}

TEST(JsonTypeName, NamesTypesAsKratosDoes) {
  EXPECT_EQ(JsonTypeName(Json::object()), "Object");
  EXPECT_EQ(JsonTypeName(Json::array()), "Array");
  EXPECT_EQ(JsonTypeName(Json("x")), "String");
  EXPECT_EQ(JsonTypeName(Json(1.5)), "Number");
  EXPECT_EQ(JsonTypeName(Json(true)), "Boolean");
  EXPECT_EQ(JsonTypeName(Json()), "Null");
}

}  // namespace
}  // namespace atrium

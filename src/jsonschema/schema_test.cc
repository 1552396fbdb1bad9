#include "jsonschema/schema.h"

#include <gtest/gtest.h>

namespace atrium::jsonschema {
namespace {

using Json = nlohmann::json;

std::shared_ptr<const Schema> Compile(const char* text) {
  auto s = Schema::Compile(Json::parse(text));
  EXPECT_TRUE(s.ok()) << s.error().reason;
  return s.ok() ? *s : nullptr;
}

TEST(Schema, ReportsEveryErrorWithPointerKeywordAndParams) {
  const auto s = Compile(R"({
    "type": "object",
    "properties": {
      "traits": {
        "type": "object",
        "properties": {
          "email": {"type": "string", "format": "email"},
          "name": {"type": "string", "minLength": 3, "pattern": "^[A-Z]"},
          "age": {"type": "integer", "minimum": 18}
        },
        "required": ["email", "phone"]
      }
    }
  })");
  const auto errors = s->Validate(Json::parse(R"({"traits": {"name": "al", "age": 20.5}})"));
  ASSERT_EQ(errors.size(), 5u);
  EXPECT_EQ(errors[0].instance_pointer, "/traits");
  EXPECT_EQ(errors[0].keyword, "required");
  EXPECT_EQ(errors[0].params["property"], "email");
  EXPECT_EQ(errors[0].message, R"(missing properties: "email")");
  EXPECT_EQ(errors[1].params["property"], "phone");
  // Properties are checked in name order.
  EXPECT_EQ(errors[2].instance_pointer, "/traits/age");
  EXPECT_EQ(errors[2].message, "expected integer, but got number");
  EXPECT_EQ(errors[3].instance_pointer, "/traits/name");
  EXPECT_EQ(errors[3].message, "length must be >= 3, but got 2");
  EXPECT_EQ(errors[4].message, R"(does not match pattern "^[A-Z]")");
}

TEST(Schema, ResolvesLocalReferencesIncludingRecursion) {
  const auto s = Compile(R"({
    "definitions": {"node": {"type": "object", "properties": {"next": {"$ref": "#/definitions/node"},
                                                             "v": {"type": "number"}}}},
    "$ref": "#/definitions/node"
  })");
  EXPECT_TRUE(s->Validate(Json::parse(R"({"next": {"next": {"v": 1}}})")).empty());
  const auto errors = s->Validate(Json::parse(R"({"next": {"next": {"v": "x"}}})"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].instance_pointer, "/next/next/v");
}

TEST(Schema, RefusesRemoteReferencesAndBadKeywords) {
  EXPECT_FALSE(Schema::Compile(Json::parse(R"({"$ref": "http://example.com/x.json"})")).ok());
  EXPECT_FALSE(Schema::Compile(Json::parse(R"({"pattern": "("})")).ok());
  EXPECT_FALSE(Schema::Compile(Json::parse(R"({"minLength": -1})")).ok());
  EXPECT_FALSE(Schema::Compile(Json::parse(R"({"$ref": "#/definitions/missing"})")).ok());
}

TEST(Schema, SurvivesDeepInstancesAndSchemas) {
  Json deep = Json::array();
  for (int i = 0; i < 10000; ++i) {
    deep = Json::array({std::move(deep)});
  }
  const auto s = Compile(R"({"items": {"$ref": "#"}})");
  const auto errors = s->Validate(deep);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].keyword, "depth");
  std::string nested;
  for (int i = 0; i < 300; ++i) {
    nested += R"({"not":)";
  }
  nested += "{}";
  for (int i = 0; i < 300; ++i) {
    nested += "}";
  }
  EXPECT_FALSE(Schema::Compile(Json::parse(nested)).ok());
}

TEST(Schema, VisitsTheKratosExtensionOfValidValues) {
  const auto s = Compile(R"({
    "properties": {"traits": {"properties": {
      "email": {"type": "string", "format": "email", "ory.sh/kratos": {"credentials": {"password": {"identifier": true}}}},
      "backup": {"type": "string", "format": "email", "ory.sh/kratos": {"recovery": {"via": "email"}}}
    }}}
  })");
  std::vector<std::string> visited;
  const ExtensionVisitor visitor = [&](const std::string& ptr, const Json& ext, const Json& value) {
    visited.push_back(ptr + "=" + value.get<std::string>() + ":" + ext.begin().key());
  };
  s->Validate(Json::parse(R"({"traits": {"email": "a@b.co", "backup": "nope"}})"), &visitor);
  EXPECT_EQ(visited, std::vector<std::string>{"/traits/email=a@b.co:credentials"});
}

TEST(ListPaths, FollowsDocumentOrderReferencesAndBranches) {
  const auto doc = nlohmann::ordered_json::parse(R"({
    "definitions": {"name": {"type": "object", "properties": {"last": {"type": "string"}, "first": {"type": "string"}}}},
    "properties": {"traits": {"type": "object", "required": ["email"], "properties": {
      "email": {"type": "string", "format": "email", "title": "E-Mail"},
      "name": {"$ref": "#/definitions/name"},
      "tags": {"type": "array", "items": {"type": "string"}},
      "plan": {"type": "string", "enum": ["a", "b"]}
    }, "allOf": [{"properties": {"age": {"type": "integer"}}}]}}
  })");
  const auto paths = ListPaths(doc);
  std::vector<std::string> names;
  for (const auto& p : paths) {
    names.push_back(p.name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"traits", "traits.email", "traits.name",
                                             "traits.name.last", "traits.name.first", "traits.tags",
                                             "traits.plan", "traits.age"}));
  EXPECT_TRUE(paths[1].required);
  EXPECT_EQ(paths[1].title, "E-Mail");
  EXPECT_EQ(paths[5].item_type, "string");
  EXPECT_EQ(paths[6].enum_values, Json::array({"a", "b"}));
  EXPECT_EQ(DocumentOrderLeafKeys(doc),
            (std::vector<std::string>{"traits.email", "traits.name.last", "traits.name.first",
                                      "traits.tags", "traits.plan", "traits.age"}));
}

TEST(ToUiMessage, MapsKeywordsToKratosMessages) {
  const auto s = Compile(R"({"properties": {
    "e": {"type": "string", "format": "email"}, "t": {"type": "string", "format": "tel"},
    "u": {"type": "string", "format": "uri"}, "m": {"type": "string", "minLength": 8},
    "x": {"type": "string", "maxLength": 2}, "n": {"minimum": 5}, "k": {"type": "string"},
    "l": {"maxItems": 1}, "c": {"enum": ["a", "b"]}}, "required": ["r"]})");
  const auto errors = s->Validate(Json::parse(
      R"({"e": "x", "t": "1", "u": "y", "m": "abc", "x": "abc", "n": 3, "k": 1, "l": [1, 2], "c": "z"})"));
  std::map<std::string, std::string> got;
  for (const auto& e : errors) {
    const auto m = ToUiMessage(e);
    got[e.instance_pointer] = std::to_string(m.id) + " " + m.text + " " + m.context.dump();
  }
  EXPECT_EQ(got[""], R"(4000002 Property r is missing. {"property":"r"})");
  EXPECT_EQ(got["/e"], R"(4000040 Enter a valid email address {"value":"x"})");
  EXPECT_EQ(got["/t"], R"(4000041 Enter a valid phone number {"value":"1"})");
  EXPECT_EQ(got["/u"], R"(4000001 "y" is not valid "uri" {"reason":"\"y\" is not valid \"uri\""})");
  EXPECT_EQ(got["/m"],
            R"(4000003 length must be >= 8, but got 3 {"actual_length":3,"min_length":8})");
  EXPECT_EQ(got["/x"],
            R"(4000017 length must be <= 2, but got 3 {"actual_length":3,"max_length":2})");
  EXPECT_EQ(got["/n"], R"(4000018 must be >= 5 but found 3 {"actual":3,"minimum":5})");
  EXPECT_EQ(
      got["/k"],
      R"(4000026 expected string, but got number {"actual_type":"number","allowed_types":["string"]})");
  EXPECT_EQ(
      got["/l"],
      R"(4000023 maximum 1 items allowed, but found 2 items {"actual_items":2,"max_items":1})");
  EXPECT_EQ(
      got["/c"],
      R"(4000001 value must be one of "a", "b" {"reason":"value must be one of \"a\", \"b\""})");
}

}  // namespace
}  // namespace atrium::jsonschema

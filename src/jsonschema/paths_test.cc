#include "jsonschema/paths.h"

#include <gtest/gtest.h>

namespace atrium::jsonschema {
namespace {

TEST(ListPaths, FollowsDocumentOrderReferencesAndBranches) {
  const auto doc = Json::parse(R"({
    "definitions": {"name": {"type": "object", "properties": {"last": {"type": "string"}, "first": {"type": "string"}}}},
    "type": "object",
    "properties": {"traits": {"type": "object", "required": ["email"], "properties": {
      "email": {"type": "string", "format": "email", "title": "E-Mail",
                "ory.sh/kratos": {"credentials": {"password": {"identifier": true}}}},
      "name": {"$ref": "#/definitions/name"},
      "tags": {"type": "array", "items": {"type": "string"}},
      "plan": {"type": ["string", "null"], "enum": ["a", "b"], "pattern": "^[ab]$"}
    }, "allOf": [{"properties": {"age": {"type": "integer"}, "email": {"type": "number"}}}]}}
  })");
  const auto paths = ListPaths(doc);
  std::vector<std::string> names;
  names.reserve(paths.size());
  for (const auto& p : paths) {
    names.push_back(p.name + ":" + p.type);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"traits:object", "traits.email:string",
                                             "traits.name:object", "traits.name.last:string",
                                             "traits.name.first:string", "traits.tags:array",
                                             "traits.plan:string", "traits.age:integer"}));
  EXPECT_FALSE(paths[0].required);
  EXPECT_TRUE(paths[1].required);
  EXPECT_EQ(paths[1].title, "E-Mail");
  EXPECT_EQ(paths[1].format, "email");
  EXPECT_EQ(paths[1].extension,
            Json::parse(R"({"credentials": {"password": {"identifier": true}}})"));
  EXPECT_TRUE(paths[2].extension.is_null());
  EXPECT_EQ(paths[5].item_type, "string");
  EXPECT_EQ(paths[6].enum_values, Json::array({"a", "b"}));
  EXPECT_EQ(paths[6].pattern, "^[ab]$");
  EXPECT_TRUE(paths[5].enum_values.is_null());
}

TEST(DocumentOrderLeafKeys, FollowsKratosKeyPositions) {
  const auto doc = Json::parse(R"({
    "definitions": {"name": {"type": "object", "properties": {"first": {"type": "string"}}}},
    "type": "object",
    "properties": {"traits": {"type": "object", "properties": {
      "email": {"type": "string"},
      "name": {"$ref": "#/definitions/name"},
      "address": {"type": "object", "properties": {"zip": {"type": "string"}, "city": {}}},
      "a.b": {"type": "string"},
      "mixed": {"type": ["object", "null"], "properties": {"x": {}}}
    }, "allOf": [{"properties": {"age": {"type": "integer"}}}]}}
  })");
  EXPECT_EQ(DocumentOrderLeafKeys(doc),
            (std::vector<std::string>{"traits.email", "traits.name", "traits.address.zip",
                                      "traits.address.city", "traits.a\\.b", "traits.mixed"}));
  EXPECT_TRUE(DocumentOrderLeafKeys(Json::parse(R"({"type": "object"})")).empty());
}
}  // namespace
}  // namespace atrium::jsonschema

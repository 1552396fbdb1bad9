#include "jsonschema/compiled_schema.h"

#include <gtest/gtest.h>

namespace atrium::jsonschema {
namespace {

std::shared_ptr<const CompiledSchema> Compile(const char* text) {
  auto s = CompiledSchema::Compile(Json::parse(text));
  EXPECT_TRUE(s.ok()) << s.error().reason;
  return s.ok() ? *s : nullptr;
}

std::vector<ValidationError> Errors(const char* schema, const char* instance) {
  const auto s = Compile(schema);
  return s ? s->Validate(Json::parse(instance)) : std::vector<ValidationError>{};
}

// The single error of validating `instance` against `schema`.
ValidationError OneError(const char* schema, const char* instance) {
  const auto errors = Errors(schema, instance);
  EXPECT_EQ(errors.size(), 1u) << schema << " / " << instance;
  return errors.empty() ? ValidationError{} : errors.front();
}

bool Valid(const char* schema, const char* instance) { return Errors(schema, instance).empty(); }

TEST(CompiledSchema, ReportsEveryErrorInDocumentOrderWithPointerKeywordAndParams) {
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
  EXPECT_EQ(errors[0].params, Json({{"property", "email"}}));
  EXPECT_EQ(errors[0].message, R"(missing properties: "email")");
  EXPECT_EQ(errors[1].params, Json({{"property", "phone"}}));
  EXPECT_EQ(errors[1].message, R"(missing properties: "phone")");
  // Properties follow the schema's document order (name before age).
  EXPECT_EQ(errors[2].instance_pointer, "/traits/name");
  EXPECT_EQ(errors[2].keyword, "minLength");
  EXPECT_EQ(errors[2].message, "length must be >= 3, but got 2");
  EXPECT_EQ(errors[2].params, Json({{"limit", 3}, {"actual", 2}}));
  EXPECT_EQ(errors[3].keyword, "pattern");
  EXPECT_EQ(errors[3].message, R"(does not match pattern "^[A-Z]")");
  EXPECT_EQ(errors[3].params, Json({{"pattern", "^[A-Z]"}}));
  // A type mismatch is the only error for its value (minimum is not checked), as in Kratos.
  EXPECT_EQ(errors[4].instance_pointer, "/traits/age");
  EXPECT_EQ(errors[4].keyword, "type");
  EXPECT_EQ(errors[4].message, "expected integer, but got number");
  EXPECT_EQ(errors[4].params, Json({{"expected", "integer"}, {"actual", "number"}}));
}

TEST(CompiledSchema, MessagesAndParamsUseKratosWording) {
  auto e = OneError(R"({"maxLength": 5})", R"("abcdefg")");
  EXPECT_EQ(e.message, "length must be <= 5, but got 7");
  EXPECT_EQ(e.params, Json({{"limit", 5}, {"actual", 7}}));
  e = OneError(R"({"minLength": 2})", R"("é")");  // code points, not bytes
  EXPECT_EQ(e.message, "length must be >= 2, but got 1");
  e = OneError(R"({"format": "email"})", R"("foo")");
  EXPECT_EQ(e.message, R"("foo" is not valid "email")");
  EXPECT_EQ(e.params, Json({{"format", "email"}, {"value", "foo"}}));
  e = OneError(R"({"type": "string"})", "1");
  EXPECT_EQ(e.message, "expected string, but got number");
  e = OneError(R"({"type": ["string", "null"]})", "true");
  EXPECT_EQ(e.message, "expected string or null, but got boolean");
  EXPECT_EQ(e.params, Json({{"expected", {"string", "null"}}, {"actual", "boolean"}}));
  e = OneError(R"({"enum": ["a", "b"]})", R"("c")");
  EXPECT_EQ(e.message, R"(value must be one of "a", "b")");
  EXPECT_EQ(e.params, Json({{"allowed", {"a", "b"}}}));
  EXPECT_EQ(OneError(R"({"enum": [1, true, null]})", "2").message,
            R"(value must be one of "1", true, <nil>)");
  EXPECT_EQ(OneError(R"({"enum": ["only"]})", "2").message, R"(value must be "only")");
  EXPECT_EQ(OneError(R"({"enum": [{"a": 1}]})", "2").message, "enum failed");
  EXPECT_EQ(OneError(R"({"const": "x"})", R"("y")").message, R"(value must be "x")");
  EXPECT_EQ(OneError(R"({"const": [1]})", "[2]").message, "const failed");
  e = OneError(R"({"minimum": 5})", "3");
  EXPECT_EQ(e.message, "must be >= 5 but found 3");
  EXPECT_EQ(e.params, Json({{"limit", 5}, {"actual", 3}}));
  EXPECT_EQ(OneError(R"({"maximum": 5})", "7").message, "must be <= 5 but found 7");
  EXPECT_EQ(OneError(R"({"exclusiveMinimum": 1.5})", "1.5").message, "must be > 1.5 but found 1.5");
  EXPECT_EQ(OneError(R"({"exclusiveMaximum": 1000000})", "2000000").message,
            "must be < 1e+06 but found 2000000");
  EXPECT_EQ(OneError(R"({"multipleOf": 3})", "7").message, "7 not multipleOf 3");
  e = OneError(R"({"minItems": 2})", "[1]");
  EXPECT_EQ(e.message, "minimum 2 items allowed, but found 1 items");
  EXPECT_EQ(e.params, Json({{"limit", 2}, {"actual", 1}}));
  EXPECT_EQ(OneError(R"({"maxItems": 2})", "[1, 2, 3]").message,
            "maximum 2 items allowed, but found 3 items");
  e = OneError(R"({"uniqueItems": true})", "[1, 2, 1.0]");
  EXPECT_EQ(e.message, "items at index 0 and 2 are equal");
  EXPECT_EQ(e.params, Json({{"index_a", 0}, {"index_b", 2}}));
  e = OneError(R"({"properties": {"a": {}}, "additionalProperties": false})",
               R"({"a": 1, "x": 2, "y": 3})");
  EXPECT_EQ(e.message, R"(additionalProperties "x", "y" not allowed)");
  EXPECT_EQ(e.instance_pointer, "");
  EXPECT_EQ(OneError(R"({"items": [{}], "additionalItems": false})", "[1, 2]").message,
            "only 1 items are allowed, but found 2 items");
  EXPECT_EQ(OneError(R"({"dependencies": {"a": ["b"]}})", R"({"a": 1})").message,
            R"(property "b" is required, if "a" property exists)");
  EXPECT_EQ(OneError(R"({"minProperties": 2})", R"({"a": 1})").message,
            "minimum 2 properties allowed, but found 1 properties");
  EXPECT_EQ(OneError(R"({"contains": {"const": 1}})", "[2]").message, "contains failed");
  EXPECT_EQ(OneError(R"({"not": {}})", "1").message, "not failed");
  EXPECT_EQ(OneError(R"({"oneOf": [{}, {}]})", "1").message,
            "valid against schemas at indexes 0 and 1");
}

TEST(CompiledSchema, PointersEscapeAndCompositeErrorsFlatten) {
  auto e = OneError(R"({"properties": {"a/b~c": {"type": "string"}}})", R"({"a/b~c": 1})");
  EXPECT_EQ(e.instance_pointer, "/a~1b~0c");
  e = OneError(R"({"items": {"type": "string"}})", R"(["a", 1])");
  EXPECT_EQ(e.instance_pointer, "/1");
  // anyOf: the causes of every failed branch, not a wrapper error.
  const auto errors = Errors(R"({"anyOf": [{"type": "string"}, {"minimum": 5}]})", "3");
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].keyword, "type");
  EXPECT_EQ(errors[1].keyword, "minimum");
  EXPECT_EQ(
      OneError(
          R"({"allOf": [{"$ref": "#/definitions/s"}], "definitions": {"s": {"maxLength": 1}}})",
          R"("ab")")
          .keyword,
      "maxLength");
}

TEST(CompiledSchema, TreatsIntegralNumbersAsIntegers) {
  EXPECT_TRUE(Valid(R"({"type": "integer"})", "1.0"));
  EXPECT_TRUE(Valid(R"({"type": "integer"})", "-7"));
  EXPECT_FALSE(Valid(R"({"type": "integer"})", "1.5"));
  EXPECT_TRUE(Valid(R"({"type": "number"})", "1"));
  EXPECT_TRUE(Valid(R"({"const": 1})", "1.0"));
  EXPECT_TRUE(Valid(R"({"multipleOf": 0.01})", "19.99"));
}

TEST(CompiledSchema, ValidatesFormats) {
  const auto ok = [](const char* format, const char* value) {
    return Valid((std::string(R"({"format": ")") + format + "\"}").c_str(),
                 Json(value).dump().c_str());
  };
  EXPECT_TRUE(ok("email", "foo@example.com"));
  EXPECT_TRUE(ok("email", "first.last+tag@sub.example.co"));
  EXPECT_TRUE(ok("email", "user@localhost"));
  EXPECT_TRUE(ok("email", R"("quoted local"@example.com)"));
  EXPECT_TRUE(ok("email", "jöran@example.com"));
  EXPECT_FALSE(ok("email", "foo"));
  EXPECT_FALSE(ok("email", "@example.com"));
  EXPECT_FALSE(ok("email", "foo@"));
  EXPECT_FALSE(ok("email", "foo@bar..com"));
  EXPECT_FALSE(ok("email", "a..b@example.com"));
  EXPECT_FALSE(ok("email", "a b@example.com"));
  EXPECT_FALSE(ok("email", "foo@exa_mple.com"));
  EXPECT_FALSE(ok("email", "foo@example.com "));
  EXPECT_FALSE(ok("email", "Foo <foo@example.com>"));
  EXPECT_TRUE(ok("uri", "https://example.com/a?b=c#d"));
  EXPECT_TRUE(ok("uri", "mailto:a@b.c"));
  EXPECT_FALSE(ok("uri", "/relative/path"));
  EXPECT_FALSE(ok("uri", "example.com"));
  EXPECT_TRUE(ok("date", "2024-02-29"));
  EXPECT_FALSE(ok("date", "2023-02-29"));
  EXPECT_FALSE(ok("date", "2023-1-01"));
  EXPECT_TRUE(ok("date-time", "2024-01-02T03:04:05Z"));
  EXPECT_TRUE(ok("date-time", "2024-01-02T03:04:05.123+02:00"));
  EXPECT_FALSE(ok("date-time", "2024-01-02 03:04:05"));
  EXPECT_FALSE(ok("date-time", "2024-01-02T25:04:05Z"));
  EXPECT_TRUE(ok("tel", "+49 151 234-5678"));
  EXPECT_TRUE(ok("tel", "+4915112345678"));
  EXPECT_FALSE(ok("tel", "12345"));
  EXPECT_FALSE(ok("tel", "+49abc1234567"));
  EXPECT_TRUE(ok("regex", "^[a-z]+$"));
  EXPECT_FALSE(ok("regex", "(unclosed"));
  EXPECT_TRUE(ok("ipv4", "192.168.0.1"));
  EXPECT_FALSE(ok("ipv4", "256.1.1.1"));
  EXPECT_TRUE(ok("ipv6", "::1"));
  EXPECT_TRUE(ok("ipv6", "2001:db8::8a2e:370:7334"));
  EXPECT_FALSE(ok("ipv6", "2001:db8:::1"));
  EXPECT_TRUE(ok("hostname", "www.example.com"));
  EXPECT_FALSE(ok("hostname", "-bad.example.com"));
  EXPECT_TRUE(ok("uuid", "123e4567-e89b-12d3-a456-426614174000"));
  EXPECT_FALSE(ok("uuid", "123e4567e89b12d3a456426614174000"));
  EXPECT_TRUE(ok("no-validate", "anything at all"));
  EXPECT_TRUE(ok("some-unknown-format", "anything"));
  // Formats apply to strings only.
  EXPECT_TRUE(Valid(R"({"format": "email"})", "42"));
}

TEST(CompiledSchema, ResolvesLocalReferencesIncludingRecursion) {
  const auto s = Compile(R"({
    "definitions": {"node": {"type": "object", "properties": {"next": {"$ref": "#/definitions/node"},
                                                             "v": {"type": "number"}}}},
    "$ref": "#/definitions/node"
  })");
  EXPECT_TRUE(s->Validate(Json::parse(R"({"next": {"next": {"v": 1}}})")).empty());
  const auto errors = s->Validate(Json::parse(R"({"next": {"next": {"v": "x"}}})"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].instance_pointer, "/next/next/v");
  // $defs, escaped pointers, percent-escapes, "#" and $id anchors.
  EXPECT_FALSE(Valid(R"({"$defs": {"a/b": {"type": "string"}}, "$ref": "#/$defs/a~1b"})", "1"));
  EXPECT_FALSE(
      Valid(R"({"definitions": {"a%b": {"type": "string"}}, "$ref": "#/definitions/a%25b"})", "1"));
  EXPECT_FALSE(Valid(R"({"properties": {"x": {"$ref": "#"}}, "type": "object"})", R"({"x": 1})"));
  EXPECT_FALSE(
      Valid(R"({"definitions": {"s": {"$id": "#str", "type": "string"}}, "$ref": "#str"})", "1"));
  // Siblings of $ref are ignored (draft-07).
  EXPECT_TRUE(
      Valid(R"({"definitions": {"any": {}}, "$ref": "#/definitions/any", "type": "string"})", "1"));
  // Boolean schemas.
  EXPECT_TRUE(Valid("true", "1"));
  EXPECT_FALSE(Valid("false", "1"));
}

TEST(CompiledSchema, RefusesRemoteReferencesAndBadKeywords) {
  EXPECT_FALSE(
      CompiledSchema::Compile(Json::parse(R"({"$ref": "http://example.com/x.json"})")).ok());
  EXPECT_FALSE(CompiledSchema::Compile(Json::parse(R"({"$ref": "other.json#/a"})")).ok());
  EXPECT_FALSE(CompiledSchema::Compile(Json::parse(R"({"pattern": "("})")).ok());
  EXPECT_FALSE(CompiledSchema::Compile(Json::parse(R"({"patternProperties": {"(": {}}})")).ok());
  EXPECT_FALSE(CompiledSchema::Compile(Json::parse(R"({"minLength": -1})")).ok());
  EXPECT_FALSE(CompiledSchema::Compile(Json::parse(R"({"type": 5})")).ok());
  EXPECT_FALSE(CompiledSchema::Compile(Json::parse(R"({"properties": {"a": 5}})")).ok());
  EXPECT_FALSE(CompiledSchema::Compile(Json::parse(R"({"$ref": "#/definitions/missing"})")).ok());
  const auto bad =
      CompiledSchema::Compile(Json::parse(R"({"properties": {"a": {"maxLength": "x"}}})"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().reason.find("/properties/a/maxLength"), std::string::npos)
      << bad.error().reason;
}

// A value `levels` deep, built in code: [[[...]]] or {"a": {"a": ...}}. ParseJson refuses such
// documents beyond 64 levels, but the validator must not rely on the parser for its bound.
Json Nested(int levels, bool objects) {
  Json value = objects ? Json::object() : Json::array();
  for (int i = 0; i < levels; ++i) {
    Json outer = objects ? Json::object() : Json::array();
    if (objects) {
      outer["a"] = std::move(value);
    } else {
      outer.push_back(std::move(value));
    }
    value = std::move(outer);
  }
  return value;
}

// The pointer of the value `levels` below the root of Nested(): "/0/0/..." or "/a/a/...".
std::string NestedPointer(int levels, bool objects) {
  std::string pointer;
  for (int i = 0; i < levels; ++i) {
    pointer += objects ? "/a" : "/0";
  }
  return pointer;
}

TEST(CompiledSchema, StopsWithADepthErrorOnA10000DeepInstanceBuiltInCode) {
  const Json deep_array = Nested(10000, false);
  const Json deep_object = Nested(10000, true);
  struct Case {
    const char* schema;
    const Json& instance;
    bool objects;
  };
  for (const auto& c : {Case{R"({"items": {"$ref": "#"}})", deep_array, false},
                        Case{R"({"allOf": [{"items": {"$ref": "#"}}]})", deep_array, false},
                        Case{R"({"additionalProperties": {"$ref": "#"}})", deep_object, true},
                        Case{R"({"properties": {"a": {"$ref": "#"}}})", deep_object, true}}) {
    const auto errors = Compile(c.schema)->Validate(c.instance);
    ASSERT_EQ(errors.size(), 1u) << c.schema;
    EXPECT_EQ(errors[0].keyword, "depth") << c.schema;
    EXPECT_EQ(errors[0].message, "the document is nested deeper than 256 levels");
    EXPECT_EQ(errors[0].instance_pointer, NestedPointer(257, c.objects)) << c.schema;
  }
  EXPECT_TRUE(Compile(R"({"type": "array"})")->Validate(deep_array).empty());  // no recursion
  // Keywords that compare whole values stop at the same depth instead of recursing further.
  Json twins = Json::array();
  twins.push_back(Nested(10000, false));
  twins.push_back(Nested(10000, false));
  const auto errors = Compile(R"({"uniqueItems": true})")->Validate(twins);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].keyword, "depth");
  EXPECT_EQ(errors[0].instance_pointer, "");
}

TEST(CompiledSchema, RefusesSchemasNestedDeeperThan256Levels) {
  std::string nested;
  for (int i = 0; i < 300; ++i) {
    nested += R"({"not":)";
  }
  nested += "{}";
  for (int i = 0; i < 300; ++i) {
    nested += "}";
  }
  EXPECT_FALSE(CompiledSchema::Compile(Json::parse(nested)).ok());
}

// A schema that reaches itself through $ref without consuming any of the instance would recurse
// forever: whichever keyword closes the loop, validation ends with one "$ref" error.
TEST(CompiledSchema, StopsRefLoopsThatConsumeNoInstance) {
  struct Case {
    const char* schema;
    const char* pointer;  // where the loop turns
  };
  for (const auto& c : {
           Case{R"({"$ref": "#"})", ""},
           Case{R"({"definitions": {"a": {"$ref": "#/definitions/b"},
                                    "b": {"$ref": "#/definitions/a"}},
                    "$ref": "#/definitions/a"})",
                ""},
           Case{R"({"allOf": [{"$ref": "#"}]})", ""},
           Case{R"({"anyOf": [{"type": "string"}, {"$ref": "#"}]})", ""},
           Case{R"({"oneOf": [{"$ref": "#"}]})", ""},
           Case{R"({"not": {"$ref": "#"}})", ""},
           Case{R"({"if": {"$ref": "#"}, "then": {}})", ""},
           Case{R"({"dependencies": {"a": {"$ref": "#"}}})", ""},
           Case{R"({"properties": {"a": {"$ref": "#/definitions/x"}},
                    "definitions": {"x": {"not": {"$ref": "#/definitions/x"}}}})",
                "/a"},
       }) {
    std::vector<std::string> visited;
    const ExtensionVisitor visitor = [&](const std::string& ptr, const Json&, const Json&) {
      visited.push_back(ptr);
    };
    const auto errors = Compile(c.schema)->Validate(Json::parse(R"({"a": {"a": 1}})"), &visitor);
    ASSERT_EQ(errors.size(), 1u) << c.schema;
    EXPECT_EQ(errors[0].keyword, "$ref") << c.schema;
    EXPECT_EQ(errors[0].message, "$ref recursion limit exceeded") << c.schema;
    EXPECT_EQ(errors[0].instance_pointer, c.pointer) << c.schema;
    EXPECT_TRUE(visited.empty()) << c.schema;
  }
}

// propertyNames checks each key as a string value; the visitor sees that string.
TEST(CompiledSchema, VisitsTheExtensionOfPropertyNamesWithTheKey) {
  const auto s =
      Compile(R"({"propertyNames": {"type": "string", "ory.sh/kratos": {"key": true}}})");
  std::vector<std::string> visited;
  const ExtensionVisitor visitor = [&](const std::string& ptr, const Json&, const Json& value) {
    visited.push_back(ptr + "=" + value.get<std::string>());
  };
  EXPECT_TRUE(s->Validate(Json::parse(R"({"b": 1, "a": 2})"), &visitor).empty());
  EXPECT_EQ(visited, (std::vector<std::string>{"=a", "=b"}));
}

TEST(CompiledSchema, VisitsTheKratosExtensionOfValidValuesInDocumentOrder) {
  const auto s = Compile(R"({
    "definitions": {"mail": {"type": "string", "format": "email",
                             "ory.sh/kratos": {"verification": {"via": "email"}}}},
    "type": "object",
    "properties": {"traits": {"type": "object", "ory.sh/kratos": {"root": true}, "properties": {
      "email": {"type": "string", "format": "email", "ory.sh/kratos": {"credentials": {"password": {"identifier": true}}}},
      "backup": {"type": "string", "format": "email", "ory.sh/kratos": {"recovery": {"via": "email"}}},
      "other": {"$ref": "#/definitions/mail"},
      "list": {"type": "array", "items": {"$ref": "#/definitions/mail"}},
      "combined": {"allOf": [{"$ref": "#/definitions/mail"}]}
    }}}
  })");
  std::vector<std::string> visited;
  const ExtensionVisitor visitor = [&](const std::string& ptr, const Json& ext, const Json& value) {
    visited.push_back(ptr + "=" + (value.is_string() ? value.get<std::string>() : "{}") + ":" +
                      ext.begin().key());
  };
  const auto errors =
      s->Validate(Json::parse(R"({"traits": {"email": "a@b.co", "backup": "nope", "other": "o@b.co",
                                 "list": ["l@b.co", "bad"], "combined": "c@b.co"}})"),
                  &visitor);
  EXPECT_EQ(errors.size(), 2u);
  EXPECT_EQ(visited,
            (std::vector<std::string>{
                "/traits/email=a@b.co:credentials", "/traits/other=o@b.co:verification",
                "/traits/list/0=l@b.co:verification", "/traits/combined=c@b.co:verification"}));
  visited.clear();
  EXPECT_TRUE(s->Validate(Json::parse(R"({"traits": {"email": "a@b.co"}})"), &visitor).empty());
  EXPECT_EQ(visited,
            (std::vector<std::string>{"/traits={}:root", "/traits/email=a@b.co:credentials"}));
}

TEST(CompiledSchema, DoesNotVisitExtensionsOfFailedBranches) {
  const auto s = Compile(R"({"anyOf": [
      {"type": "string", "maxLength": 1, "ory.sh/kratos": {"branch": 0}},
      {"type": "string", "ory.sh/kratos": {"branch": 1}}]})");
  std::vector<int> branches;
  const ExtensionVisitor visitor = [&](const std::string&, const Json& ext, const Json&) {
    branches.push_back(ext["branch"].get<int>());
  };
  EXPECT_TRUE(s->Validate(Json("long"), &visitor).empty());
  EXPECT_EQ(branches, std::vector<int>{1});
}
}  // namespace
}  // namespace atrium::jsonschema

#include "jsonschema/messages.h"

#include <gtest/gtest.h>

#include "jsonschema/compiled_schema.h"

namespace atrium::jsonschema {
namespace {

// The single error of validating `instance` against `schema`.
ValidationError OneError(const char* schema, const char* instance) {
  const auto compiled = CompiledSchema::Compile(Json::parse(schema));
  EXPECT_TRUE(compiled.ok()) << schema;
  const auto errors =
      compiled.ok() ? (*compiled)->Validate(Json::parse(instance)) : std::vector<ValidationError>{};
  EXPECT_EQ(errors.size(), 1u) << schema << " / " << instance;
  return errors.empty() ? ValidationError{} : errors.front();
}

std::string Ui(const ValidationError& e) {
  const auto m = ToUiMessage(e);
  EXPECT_EQ(m.type, text::MessageType::kError);
  return std::to_string(m.id) + " " + m.text + " " + m.context.dump();
}

TEST(ToUiMessage, MapsEveryKeywordToItsKratosMessage) {
  const auto ui = [](const char* schema, const char* instance) {
    return Ui(OneError(schema, instance));
  };
  EXPECT_EQ(ui(R"({"required": ["r"]})", "{}"),
            R"(4000002 Property r is missing. {"property":"r"})");
  EXPECT_EQ(ui(R"({"minLength": 8})", R"("abc")"),
            R"(4000003 length must be >= 8, but got 3 {"actual_length":3,"min_length":8})");
  EXPECT_EQ(ui(R"({"maxLength": 2})", R"("abc")"),
            R"(4000017 length must be <= 2, but got 3 {"actual_length":3,"max_length":2})");
  EXPECT_EQ(ui(R"({"pattern": "^a\"b"})", R"("x")"),
            R"(4000004 does not match pattern "^a\"b" {"pattern":"^a\"b"})");
  EXPECT_EQ(ui(R"({"minimum": 5})", "3"),
            R"(4000018 must be >= 5 but found 3 {"actual":3,"minimum":5})");
  EXPECT_EQ(ui(R"({"exclusiveMinimum": 5})", "5.0"),
            R"(4000019 must be > 5 but found 5 {"actual":5,"minimum":5})");
  EXPECT_EQ(ui(R"({"maximum": 1.5})", "2.25"),
            R"(4000020 must be <= 1.5 but found 2.25 {"actual":2.25,"maximum":1.5})");
  EXPECT_EQ(ui(R"({"exclusiveMaximum": 5})", "1000000"),
            R"(4000021 must be < 5 but found 1e+06 {"actual":1000000,"maximum":5})");
  EXPECT_EQ(ui(R"({"multipleOf": 3})", "7"), R"(4000022 7 not multipleOf 3 {"actual":7,"base":3})");
  EXPECT_EQ(
      ui(R"({"maxItems": 1})", "[1, 2]"),
      R"(4000023 maximum 1 items allowed, but found 2 items {"actual_items":2,"max_items":1})");
  EXPECT_EQ(
      ui(R"({"minItems": 3})", "[1, 2]"),
      R"(4000024 minimum 3 items allowed, but found 2 items {"actual_items":2,"min_items":3})");
  EXPECT_EQ(ui(R"({"uniqueItems": true})", "[1, 2, 1]"),
            R"(4000025 items at index 0 and 2 are equal {"index_a":0,"index_b":2})");
  EXPECT_EQ(
      ui(R"({"type": "string"})", "1"),
      R"(4000026 expected string, but got number {"actual_type":"number","allowed_types":["string"]})");
  EXPECT_EQ(
      ui(R"({"type": ["string", "null"]})", "{}"),
      R"(4000026 expected string or null, but got object {"actual_type":"object","allowed_types":["string","null"]})");
  EXPECT_EQ(ui(R"({"const": "x"})", R"("y")"),
            R"(4000029 must be equal to constant "x" {"expected":"\"x\""})");
  EXPECT_EQ(ui(R"({"const": {"a": 1}})", "{}"), "4000030 const failed null");
  EXPECT_EQ(ui(R"({"format": "email"})", R"("x")"),
            R"(4000040 Enter a valid email address {"value":"x"})");
  EXPECT_EQ(ui(R"({"format": "tel"})", R"("1")"),
            R"(4000041 Enter a valid phone number {"value":"1"})");
  EXPECT_EQ(ui(R"({"format": "uri"})", R"("y")"),
            R"(4000001 "y" is not valid "uri" {"reason":"\"y\" is not valid \"uri\""})");
  EXPECT_EQ(
      ui(R"({"enum": ["a", "b"]})", R"("z")"),
      R"(4000001 value must be one of "a", "b" {"reason":"value must be one of \"a\", \"b\""})");
  EXPECT_EQ(
      ui(R"({"additionalProperties": false})", R"({"x": 1})"),
      R"(4000001 additionalProperties "x" not allowed {"reason":"additionalProperties \"x\" not allowed"})");
  // Errors built by other modules (e.g. the identity validator) map the same way.
  ValidationError e{"/traits/email",
                    "format",
                    R"("a" is not valid "email")",
                    {{"format", "email"}, {"value", "a"}}};
  EXPECT_EQ(ToUiMessage(e).id, 4000040);
  EXPECT_EQ(ToUiMessage(ValidationError{"", "required", "", Json()}).id, 4000002);
}
}  // namespace
}  // namespace atrium::jsonschema

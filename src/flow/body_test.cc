#include "flow/body.h"

#include <gtest/gtest.h>

#include "base/strings.h"
#include "identity/schema_registry.h"

namespace atrium::flow {
namespace {

constexpr char kSchema[] = R"({
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "properties": {
    "traits": {
      "type": "object",
      "properties": {
        "email": {"type": "string", "format": "email"},
        "age": {"type": "integer"},
        "newsletter": {"type": "boolean"},
        "tags": {"type": "array", "items": {"type": "string"}}
      },
      "required": ["email"]
    }
  }
})";

class BodyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto registry = identity::SchemaRegistry::Load(
        {{"default", "base64://" + Base64Encode(kSchema), false}}, "default");
    ASSERT_TRUE(registry.ok()) << registry.error().reason;
    registry_ = std::move(registry).value();
    auto schema = BodySchema::Build(registry_->Default(),
                                    {{"csrf_token", {{"type", "string"}}},
                                     {"password", {{"type", "string"}, {"minLength", 1}}},
                                     {"method", {{"type", "string"}}},
                                     {"transient_payload", {{"type", "object"}}}},
                                    nullptr);
    ASSERT_TRUE(schema.ok()) << schema.error().reason;
    schema_ = std::move(schema).value();
  }

  Body Form(std::vector<std::pair<std::string, std::string>> fields) {
    Body b;
    b.format = Body::Format::kForm;
    b.form = std::move(fields);
    return b;
  }
  Body Json(const char* text) {
    Body b;
    b.format = Body::Format::kJson;
    b.json = Json::parse(text);
    return b;
  }

  std::unique_ptr<identity::SchemaRegistry> registry_;
  std::shared_ptr<const BodySchema> schema_;
};

TEST_F(BodyTest, FormValuesAreConvertedByTheirSchemaType) {
  const auto doc = schema_->Decode(Form({{"traits.email", "a@b.c"},
                                         {"traits.age", "42"},
                                         {"traits.newsletter", "false"},
                                         {"traits.newsletter", "true"},
                                         {"traits.tags", "x"},
                                         {"traits.tags", "y"},
                                         {"password", "secret"},
                                         {"unknown", "dropped"}}));
  EXPECT_EQ(doc["traits"]["email"], "a@b.c");
  EXPECT_EQ(doc["traits"]["age"], 42);
  EXPECT_EQ(doc["traits"]["newsletter"], true);  // the last value wins for booleans
  EXPECT_EQ(doc["traits"]["tags"], Json::array({"x", "y"}));
  EXPECT_EQ(doc["password"], "secret");
  EXPECT_FALSE(doc.contains("unknown"));
  EXPECT_EQ(doc["transient_payload"], Json::object());
}

TEST_F(BodyTest, EmptyStringsAreOmittedSoRequiredFires) {
  const auto doc = schema_->Decode(Form({{"traits.email", ""}, {"traits.age", "x"}}));
  EXPECT_FALSE(doc["traits"].contains("email"));
  EXPECT_EQ(doc["traits"]["age"], "x");  // unparsable numbers stay strings -> type error later
  const auto errors = schema_->Validate(doc);
  ASSERT_EQ(errors.size(), 2u);
}

TEST_F(BodyTest, NestedAndFlatJsonAreEquivalent) {
  const auto nested = schema_->Decode(Json(R"({"traits":{"email":"a@b.c"},"password":"p"})"));
  const auto flat = schema_->Decode(Json(R"({"traits.email":"a@b.c","password":"p"})"));
  EXPECT_EQ(nested, flat);
  EXPECT_TRUE(schema_->Validate(nested).empty());
}

TEST_F(BodyTest, TransientPayloadIsRawJson) {
  const auto doc = schema_->Decode(Form({{"transient_payload", R"({"a":1})"}}));
  EXPECT_EQ(doc["transient_payload"]["a"], 1);
  const auto bad = schema_->Decode(Form({{"transient_payload", "42"}}));
  EXPECT_EQ(bad["transient_payload"], 42);
  EXPECT_FALSE(schema_->Validate(bad).empty());
}

TEST_F(BodyTest, PeekFieldReadsTopLevelFieldsOnly) {
  EXPECT_EQ(PeekField(Form({{"method", "password"}}), "method"), "password");
  EXPECT_EQ(PeekField(Json(R"({"method":"profile"})"), "method"), "profile");
  EXPECT_EQ(PeekField(Json(R"({"method":3})"), "method"), "");
}

}  // namespace
}  // namespace atrium::flow

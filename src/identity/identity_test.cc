#include "identity/identity.h"

#include <gtest/gtest.h>

#include "base/strings.h"
#include "base/time.h"
#include "httpclient/client.h"
#include "httpclient/test_server.h"
#include "identity/normalize.h"
#include "identity/schema_registry.h"
#include "identity/validator.h"

namespace atrium::identity {
namespace {

constexpr char kSchema[] = R"({
  "$id": "https://example.com/person.schema.json",
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "properties": {
    "traits": {
      "type": "object",
      "properties": {
        "email": {"type": "string", "format": "email", "title": "E-Mail",
                  "ory.sh/kratos": {"credentials": {"password": {"identifier": true}},
                                    "verification": {"via": "email"},
                                    "recovery": {"via": "email"}}},
        "name": {"type": "string", "title": "Name"}
      },
      "required": ["email"]
    }
  }
})";

std::unique_ptr<SchemaRegistry> Registry() {
  config::IdentitySchemaRef ref{"default", "base64://" + Base64Encode(kSchema), false};
  auto r = SchemaRegistry::Load({ref}, "default");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().reason);
  return std::move(r).value();
}

TEST(Normalize, LowercasesAndTrimsIdentifiers) {
  EXPECT_EQ(NormalizeIdentifierGracefully("  Foo@Example.COM "), "foo@example.com");
  EXPECT_EQ(NormalizeIdentifierGracefully("+49 151 234-5678"), "+491512345678");
  EXPECT_EQ(NormalizePhoneE164("0151"), std::nullopt);
}

TEST(SchemaRegistry, LoadsBase64SchemasAndRejectsUnknownDefault) {
  auto registry = Registry();
  ASSERT_NE(registry, nullptr);
  EXPECT_EQ(registry->Default().leaf_keys,
            (std::vector<std::string>{"traits.email", "traits.name"}));
  config::IdentitySchemaRef ref{"x", "base64://" + Base64Encode(kSchema), false};
  EXPECT_FALSE(SchemaRegistry::Load({ref}, "default").ok());
  EXPECT_FALSE(SchemaRegistry::Load({{"x", "ftp://nope", false}}, "x").ok());
}

TEST(SchemaRegistry, FetchesHttpSchemasThroughTheClient) {
  ASSERT_TRUE(httpclient::GlobalInit().ok());
  using httpclient::testing::TestRequest;
  using httpclient::testing::TestResponse;
  httpclient::testing::TestServer server(
      httpclient::testing::Behaviour::kAnswer, 0, [](const TestRequest& req) {
        if (req.target == "/old") {
          return TestResponse{301, "Location: /person.schema.json\r\n", "", false};
        }
        if (req.target == "/person.schema.json") {
          return TestResponse{200, "Content-Type: application/schema+json\r\n", kSchema, false};
        }
        return TestResponse{404, "", "not here", false};
      });
  const auto client = httpclient::NewClient();
  for (const char* path : {"/person.schema.json", "/old"}) {
    auto r = SchemaRegistry::Load({{"default", server.Url(path), false}}, "default", client.get());
    ASSERT_TRUE(r.ok()) << r.error().reason;
    EXPECT_EQ((*r)->Default().leaf_keys, (std::vector<std::string>{"traits.email", "traits.name"}));
  }
  const auto missing =
      SchemaRegistry::Load({{"default", server.Url("/nope"), false}}, "default", client.get());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().reason.find("HTTP status 404"), std::string::npos);
  EXPECT_FALSE(
      SchemaRegistry::Load({{"default", server.Url("/person.schema.json"), false}}, "default").ok())
      << "no client, no network";
}

TEST(ValidateTraits, ExtractsIdentifiersAndAddresses) {
  auto registry = Registry();
  Identity id;
  id.traits = {{"email", " Ann@Example.com"}, {"name", "Ann"}};
  const auto v = ValidateTraits(registry->Default(), id);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v.extracted.password_identifiers, std::vector<std::string>{"ann@example.com"});
  ASSERT_EQ(id.verifiable_addresses.size(), 1u);
  EXPECT_EQ(id.verifiable_addresses[0].value, "ann@example.com");
  EXPECT_EQ(id.verifiable_addresses[0].status, "pending");
  ASSERT_EQ(id.recovery_addresses.size(), 1u);
}

TEST(ValidateTraits, ReportsMissingRequiredTrait) {
  auto registry = Registry();
  Identity id;
  id.traits = {{"name", "Ann"}};
  const auto v = ValidateTraits(registry->Default(), id);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.errors[0].keyword, "required");
}

TEST(ValidateTraits, CodeAddressesAreNormalizedDeduplicatedAndSorted) {
  constexpr char kCodeSchema[] = R"({
    "type": "object",
    "properties": {"traits": {"type": "object", "properties": {
      "work": {"type": "string", "ory.sh/kratos": {"credentials": {"code": {"identifier": true, "via": "email"}}}},
      "home": {"type": "string", "ory.sh/kratos": {"credentials": {"code": {"identifier": true, "via": "email"}}}},
      "phone": {"type": "string", "ory.sh/kratos": {"credentials": {"code": {"identifier": true, "via": "sms"}}}},
      "handle": {"type": "string", "format": "no-validate",
                 "ory.sh/kratos": {"credentials": {"code": {"identifier": true, "via": "email"}}}}
    }}}
  })";
  config::IdentitySchemaRef ref{"code", "base64://" + Base64Encode(kCodeSchema), false};
  auto registry = SchemaRegistry::Load({ref}, "code");
  ASSERT_TRUE(registry.ok()) << registry.error().reason;
  Identity id;
  id.traits = {{"work", " Zed@Example.com "},
               {"home", "ann@example.com"},
               {"phone", "+49 151 2345678"},
               {"handle", " Someone "}};
  const auto v = ValidateTraits((*registry)->Default(), id);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v.extracted.code_addresses, (std::vector<CodeAddress>{{"sms", "+491512345678"},
                                                                  {"email", "ann@example.com"},
                                                                  {"email", "someone"},
                                                                  {"email", "zed@example.com"}}))
      << "a trait with another format is normalized gracefully, not refused";

  id.traits = {{"work", "ann@example.com"}, {"home", "ANN@example.com"}};
  EXPECT_EQ(ValidateTraits((*registry)->Default(), id).extracted.code_addresses,
            (std::vector<CodeAddress>{{"email", "ann@example.com"}}));

  id.traits = {{"work", "not an address"}, {"phone", "0151"}};
  const auto bad = ValidateTraits((*registry)->Default(), id);
  ASSERT_EQ(bad.errors.size(), 2u) << "an address that does not normalize is refused";
  EXPECT_EQ(bad.errors[0].instance_pointer, "/traits/work");
  EXPECT_EQ(bad.errors[1].instance_pointer, "/traits/phone");
}

TEST(Identity, PublicJsonHasKratosKeysInOrder) {
  Identity id;
  id.id = "3d1f6f8e-2c43-4b0b-9a62-5a8f4a6c9b10";
  id.schema_id = "default";
  const auto j = id.ToPublicJson("http://127.0.0.1:4433/");
  EXPECT_EQ(j["schema_url"], "http://127.0.0.1:4433/schemas/ZGVmYXVsdA");
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) {
    keys.push_back(k);
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"id", "schema_id", "schema_url", "state",
                                            "state_changed_at", "traits", "metadata_public",
                                            "created_at", "updated_at", "organization_id"}));
}

}  // namespace
}  // namespace atrium::identity

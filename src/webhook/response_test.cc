#include "webhook/response.h"

#include <gtest/gtest.h>

namespace atrium::webhook {
namespace {

TEST(ParseVetoTest, FieldAndGlobalMessagesInKratosFormat) {
  auto veto = ParseVeto(R"({"messages":[
    {"instance_ptr":"#/traits/email","messages":[
      {"id":123,"text":"e-mail refused","type":"error","context":{"value":"x"}}]},
    {"instance_ptr":"#/","messages":[{"id":7,"text":"just so you know","type":"validation"}]}]})");
  ASSERT_TRUE(veto.ok()) << veto.error().reason;
  ASSERT_EQ(veto->size(), 2U);
  EXPECT_EQ((*veto)[0].node, "traits.email");
  EXPECT_EQ((*veto)[0].message.id, 123);
  EXPECT_EQ((*veto)[0].message.text, "e-mail refused");
  EXPECT_EQ((*veto)[0].message.type, text::MessageType::kError);
  EXPECT_EQ((*veto)[0].message.context, Json({{"value", "x"}}));
  EXPECT_EQ((*veto)[1].node, "");
  EXPECT_EQ((*veto)[1].message.type, text::MessageType::kInfo);  // not "error": info
  EXPECT_TRUE((*veto)[1].message.context.is_null());
}

TEST(ParseVetoTest, NestedPointersBecomeDottedNodes) {
  auto veto = ParseVeto(
      R"({"messages":[{"instance_ptr":"#/traits/name/first","messages":[{"id":1,"text":"t","type":"error"}]}]})");
  ASSERT_TRUE(veto.ok());
  EXPECT_EQ((*veto)[0].node, "traits.name.first");
}

TEST(ParseVetoTest, WhatIsNotAPointerBecomesAGlobalMessage) {
  // Found by fuzz_webhook: "##/traits/email" and "/#rtaits/email" kept a '#' in the node name.
  for (const char* ptr :
       {"##/traits/email", "/#rtaits/email", "#//#/traits", "traits/email", "#", ""}) {
    auto veto = ParseVeto(std::string(R"({"messages":[{"instance_ptr":")") + ptr +
                          R"(","messages":[{"id":1,"text":"t","type":"error"}]}]})");
    ASSERT_TRUE(veto.ok()) << ptr;
    ASSERT_EQ(veto->size(), 1u);
    EXPECT_EQ((*veto)[0].node, "") << ptr;
  }
}

TEST(ParseVetoTest, RefusesWhatIsNotTheFormat) {
  for (const char* body :
       {"", "garbage", "[]", "{}", R"({"messages":{}})", R"({"messages":[]})",
        R"({"messages":[{"instance_ptr":"#/","messages":[]}]})", R"({"messages":[1]})",
        R"({"messages":[{"instance_ptr":3,"messages":[]}]})",
        R"({"messages":[{"instance_ptr":"#/","messages":[{"id":"x","text":"t"}]}]})",
        R"({"messages":[{"instance_ptr":"#/","messages":[{"id":1,"text":2}]}]})"}) {
    EXPECT_FALSE(ParseVeto(body).ok()) << body;
  }
}

TEST(ParseVetoTest, DeepNestingIsRefusedByTheBoundedParser) {
  std::string deep(1000, '[');
  deep += std::string(1000, ']');
  EXPECT_FALSE(ParseVeto(R"({"messages":)" + deep + "}").ok());
}

TEST(ApplyChangesTest, ReplacesTraitsAndMetadataWhenPresent) {
  identity::Identity id;
  id.traits = {{"email", "a@example.com"}};
  ASSERT_TRUE(ApplyChanges(R"({"identity":{"traits":{"email":"b@example.com"},
      "metadata_public":{"plan":"pro"},"metadata_admin":{"crm":42}}})",
                           id)
                  .ok());
  EXPECT_EQ(id.traits, Json({{"email", "b@example.com"}}));
  EXPECT_EQ(id.metadata_public, Json({{"plan", "pro"}}));
  EXPECT_EQ(id.metadata_admin, Json({{"crm", 42}}));
}

TEST(ApplyChangesTest, EmptyOrAbsentMembersChangeNothing) {
  identity::Identity id;
  id.traits = {{"email", "a@example.com"}};
  for (const char* body :
       {R"({})", R"({"identity":null})", R"({"identity":{"traits":{},"metadata_public":null}})"}) {
    ASSERT_TRUE(ApplyChanges(body, id).ok()) << body;
    EXPECT_EQ(id.traits, Json({{"email", "a@example.com"}}));
    EXPECT_TRUE(id.metadata_public.is_null());
  }
}

TEST(ApplyChangesTest, RefusesGarbageAndWrongTypes) {
  identity::Identity id;
  for (const char* body : {"garbage", "[1]", R"({"identity":3})", R"({"identity":{"traits":[1]}})",
                           R"({"identity":{"metadata_admin":"x"}})"}) {
    EXPECT_FALSE(ApplyChanges(body, id).ok()) << body;
  }
  EXPECT_TRUE(id.traits.empty());
}

}  // namespace
}  // namespace atrium::webhook

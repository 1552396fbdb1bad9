#include "api/courier_routes.h"

#include <gtest/gtest.h>

namespace atrium::api {
namespace {

courier::Message Sample() {
  courier::Message m;
  m.id = "7c4c5c2e-0d5b-4d7b-9d55-2f7c3e1a0b11";
  m.status = courier::MessageStatus::kAbandoned;
  m.recipient = "ann@example.com";
  m.subject = "Use code 123456";
  m.body = "123456";
  m.template_type = "registration_code_valid";
  m.send_count = 2;
  m.created_at = Timestamp(std::chrono::seconds(1795806824));
  m.updated_at = m.created_at + std::chrono::seconds(3);
  m.dispatches.push_back({"d1", "failed", "smtp://mail:25: refused with 550", m.updated_at});
  return m;
}

TEST(CourierMessageJson, KratosFieldsInKratosOrderWithDispatches) {
  const Json j = MessageJson(Sample(), false);
  std::vector<std::string> keys;
  for (const auto& [key, value] : j.items()) {
    keys.push_back(key);
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"id", "status", "type", "recipient", "body", "subject",
                                            "template_type", "channel", "send_count", "dispatches",
                                            "created_at", "updated_at"}));
  EXPECT_EQ(j["status"], "abandoned");
  EXPECT_EQ(j["type"], "email");
  EXPECT_EQ(j["subject"], "Use code 123456");
  EXPECT_EQ(j["created_at"], "2026-11-27T19:13:44Z");
  const Json& d = j["dispatches"][0];
  EXPECT_EQ(d["message_id"], j["id"]);
  EXPECT_EQ(d["status"], "failed");
  EXPECT_EQ(d["error"]["message"], "smtp://mail:25: refused with 550");
  EXPECT_EQ(d["error"]["code"], 500);
}

TEST(CourierMessageJson, SubjectAndBodyAreRedactedOutsideDevMode) {
  courier::Message m = Sample();
  m.dispatches.clear();
  const Json j = MessageJson(m, true);
  EXPECT_EQ(j["subject"], "<redacted-unless-dev-mode>");
  EXPECT_EQ(j["body"], "<redacted-unless-dev-mode>");
  EXPECT_EQ(j["recipient"], "ann@example.com");
  EXPECT_FALSE(j.contains("dispatches")) << "omitted when empty, as Kratos";
}

}  // namespace
}  // namespace atrium::api

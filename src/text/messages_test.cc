#include "text/messages.h"

#include <gtest/gtest.h>

#include "base/time.h"

namespace atrium::text {
namespace {

TEST(Messages, SerializeInKratosKeyOrder) {
  EXPECT_EQ(Required("email").ToJson().dump(),
            R"({"id":4000002,"text":"Property email is missing.","type":"error",)"
            R"("context":{"property":"email"}})");
  EXPECT_EQ(SignUp().ToJson().dump(), R"({"id":1040001,"text":"Sign up","type":"info"})");
}

TEST(Messages, ExpiredFlowFormatsMinutesWithTwoDecimals) {
  const auto at = *ParseRfc3339("2026-08-01T11:34:56Z");
  const Message m = FlowExpired(FlowKind::kRegistration, at, std::chrono::seconds(90));
  EXPECT_EQ(m.text, "The registration flow expired 1.50 minutes ago, please try again.");
  EXPECT_EQ(m.context["expired_at_unix"], 1785584096);
}

TEST(Messages, DuplicateWithHintsListsMethodsWithOr) {
  const Message m = DuplicateWithHints("a@b.c", {"password", "webauthn"}, {"github"});
  EXPECT_EQ(m.id, 4000028);
  EXPECT_EQ(m.text,
            "You tried signing in with a@b.c which is already in use by another account. You can "
            "sign in using your password, or your passkey or a security key. You can sign in using "
            "one of the following social sign in providers: Github.");
  EXPECT_EQ(DuplicateWithHints("", {}, {}).id, 4000007);
}

TEST(Messages, RoundTripThroughJson) {
  Message back;
  ASSERT_TRUE(Message::FromJson(Required("password").ToJson(), back));
  EXPECT_EQ(back, Required("password"));
}

}  // namespace
}  // namespace atrium::text

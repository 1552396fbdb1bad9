// The profile method: the two steps of profile_first registration, through the registration core.
#include "strategy/profile/profile.h"

#include <gtest/gtest.h>

#include "registration/testing/fakes.h"

namespace atrium::strategy {
namespace {

using registration::testing::Harness;
using registration::testing::ScriptedStrategy;

class ProfileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    h_.config.selfservice.registration.style = "profile_first";
    profile_ = std::make_unique<ProfileStrategy>(h_.config);
    h_.Build({profile_.get(), &password_});
  }
  static const Json* Node(const flow::Reply& reply, std::string_view name) {
    for (const auto& n : reply.body["ui"]["nodes"]) {
      if (n["attributes"].value("name", "") == name) {
        return &n;
      }
    }
    return nullptr;
  }

  Harness h_;
  std::unique_ptr<ProfileStrategy> profile_;
  ScriptedStrategy password_{"password"};
};

TEST_F(ProfileTest, ValidTraitsLeadToTheCredentialScreenWithTheTraitsHidden) {
  const auto f = h_.NewFlow(h_.Api());
  const flow::Reply reply =
      h_.Submit(h_.Api(), f.id, {{"method", "profile"}, {"traits.email", "ann@example.com"}});
  ASSERT_EQ(reply.status, 400) << "a next step answers the flow with 400 to JSON clients";
  const Json* email = Node(reply, "traits.email");
  ASSERT_NE(email, nullptr);
  EXPECT_EQ((*email)["attributes"]["type"], "hidden");
  EXPECT_EQ((*email)["attributes"]["value"], "ann@example.com");
  EXPECT_NE(Node(reply, "screen"), nullptr) << "the Back button";
  EXPECT_EQ(reply.body["ui"]["messages"][0]["id"], 1040009);
  EXPECT_EQ(reply.body["state"], "choose_method");
  bool password_button = false;
  for (const auto& n : reply.body["ui"]["nodes"]) {
    password_button = password_button || n["group"] == "password";
  }
  EXPECT_TRUE(password_button) << "the credential methods are offered";
  EXPECT_EQ((*h_.store.GetFlow(f.id))->ui.Find("screen")->input.value, "previous")
      << "the step is stored";
}

TEST_F(ProfileTest, BackReturnsToTheTraitsScreenKeepingTheValues) {
  const auto f = h_.NewFlow(h_.Api());
  ASSERT_EQ(h_.Submit(h_.Api(), f.id, {{"method", "profile"}, {"traits.email", "a@b.co"}}).status,
            400);
  const flow::Reply back =
      h_.Submit(h_.Api(), f.id, {{"screen", "previous"}, {"traits.email", "a@b.co"}});
  ASSERT_EQ(back.status, 400);
  EXPECT_EQ(Node(back, "screen"), nullptr);
  EXPECT_EQ((*Node(back, "traits.email"))["attributes"]["type"], "email");
  EXPECT_EQ((*Node(back, "traits.email"))["attributes"]["value"], "a@b.co");
  int profile_buttons = 0;
  for (const auto& n : back.body["ui"]["nodes"]) {
    profile_buttons += n["attributes"].value("value", Json()) == "profile" ? 1 : 0;
  }
  EXPECT_EQ(profile_buttons, 1) << "one Sign up button, not two (Kratos adds a second)";
}

TEST_F(ProfileTest, InvalidTraitsStayOnTheTraitsScreenWithMessages) {
  const auto f = h_.NewFlow(h_.Api());
  const flow::Reply reply =
      h_.Submit(h_.Api(), f.id, {{"method", "profile"}, {"traits.email", "not an address"}});
  ASSERT_EQ(reply.status, 400);
  const Json* email = Node(reply, "traits.email");
  ASSERT_NE(email, nullptr);
  EXPECT_EQ((*email)["messages"][0]["id"], 4000040) << "Enter a valid email address";
  EXPECT_EQ(Node(reply, "screen"), nullptr);
}

TEST_F(ProfileTest, BrowserStepsCheckCsrf) {
  const flow::Request browser = h_.Browser();
  const auto f = h_.NewFlow(browser);
  const flow::Reply forged =
      h_.Submit(browser, f.id, {{"method", "profile"}, {"traits.email", "a@b.co"}});
  EXPECT_EQ(forged.error.id, "security_csrf_violation");
  const flow::Reply ok = h_.Submit(
      browser, f.id,
      {{"method", "profile"}, {"traits.email", "a@b.co"}, {"csrf_token", h_.CsrfToken()}});
  EXPECT_EQ(ok.status, 303) << "browsers are sent to the form";
}

TEST_F(ProfileTest, NotResponsibleInOneStepRegistration) {
  h_.config.selfservice.registration.style = "unified";
  h_.Build({profile_.get(), &password_});
  const auto f = h_.NewFlow(h_.Api());
  EXPECT_NE(f.ui.Find("traits.email"), nullptr) << "the traits are part of the one form";
  const flow::Reply reply =
      h_.Submit(h_.Api(), f.id, {{"method", "profile"}, {"traits.email", "a@b.co"}});
  EXPECT_EQ(reply.body["ui"]["messages"][0]["id"], 4010003);
}

}  // namespace
}  // namespace atrium::strategy

#include "strategy/password/policy.h"

#include <map>
#include <vector>

#include <gtest/gtest.h>

#include "strategy/password/breach_checker.h"
#include "strategy/password/common_passwords.h"

namespace atrium::strategy::password {
namespace {

class FakeBreaches final : public BreachChecker {
 public:
  Result<int64_t> Count(std::string_view password) override {
    if (fail) {
      return Error::Unavailable("down");
    }
    const auto it = counts.find(std::string(password));
    return it == counts.end() ? 0 : it->second;
  }
  std::map<std::string, int64_t> counts = {{"12345678", 100},     {"password", 9},
                                           {"1234567890", 3},     {"qwertyui", 1},
                                           {"l1ttle-known-3", 3}, {"s0mewhat-known-9", 9}};
  bool fail = false;
};

int64_t IdOf(const Result<std::optional<text::Message>>& r) {
  EXPECT_TRUE(r.ok());
  return r.ok() && r->has_value() ? (*r)->id : 0;
}

TEST(PasswordPolicy, KratosExamples) {
  config::PasswordMethod cfg;
  FakeBreaches breaches;
  const PasswordPolicy policy(cfg, &breaches);
  for (const char* pw : {"", "12", "1234", "123456", "l3f9to"}) {
    EXPECT_EQ(IdOf(policy.Check("", pw)), 4000032) << pw;
  }
  for (const char* pw : {"12345678", "password", "1234567890", "qwertyui"}) {
    EXPECT_EQ(IdOf(policy.Check("", pw)), 4000034) << pw;
  }
  EXPECT_EQ(IdOf(policy.Check("", "l3f9toh1uaf81n21")), 0);
  for (const char* pw : {"hello@example.com12345", "123hello@example.com123", "hello@exam",
                         "HELLO@EXAMPLE.COM", "h3ll0@example"}) {
    EXPECT_EQ(IdOf(policy.Check("hello@example.com", pw)), 4000031) << pw;
  }
  EXPECT_EQ(IdOf(policy.Check("abcd", "9d3c8a1b")), 0);
  EXPECT_EQ(IdOf(policy.Check("a", "kjOklafe")), 0);
  EXPECT_EQ(IdOf(policy.Check("ab", "0000ab0000123")), 0);
  EXPECT_EQ(IdOf(policy.Check("d4f6090b-5a84", "d4f6090b-5a84-2184-4404-8d1b-8da3eb00ebbe")), 0);
  EXPECT_EQ(IdOf(policy.Check("hello@example.com", std::string(456, '0'))), 0);
}

TEST(PasswordPolicy, MessagesCarryTheirContext) {
  config::PasswordMethod cfg;
  const PasswordPolicy policy(cfg, nullptr);
  const auto r = policy.Check("", "1234567");
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ((*r)->text, "The password must be at least 8 characters long, but got 7.");
  EXPECT_EQ((*r)->context.dump(), R"({"actual_length":7,"min_length":8})");
}

TEST(PasswordPolicy, MaxBreachesAndNetworkErrors) {
  config::PasswordMethod cfg;
  cfg.max_breaches = 3;
  FakeBreaches breaches;
  const PasswordPolicy policy(cfg, &breaches);
  EXPECT_EQ(IdOf(policy.Check("", "l1ttle-known-3")), 0);
  EXPECT_EQ(IdOf(policy.Check("", "s0mewhat-known-9")), 4000034);
  breaches.fail = true;
  EXPECT_EQ(IdOf(policy.Check("", "s0mewhat-known-9")), 0) << "ignored by default";
  cfg.ignore_network_errors = false;
  const auto strict = policy.Check("", "s0mewhat-known-9");
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.error().code, ErrorCode::kBadGateway);
  EXPECT_EQ(strict.error().message, "Upstream error");
}

TEST(PasswordPolicy, CommonPasswordsAreRefusedWithoutAnySource) {
  config::PasswordMethod cfg;
  cfg.max_breaches = 100;  // the largest allowed value
  cfg.ignore_network_errors = false;
  FakeBreaches down;
  down.fail = true;
  for (BreachChecker* source : std::vector<BreachChecker*>{nullptr, &down}) {
    const PasswordPolicy policy(cfg, source);
    for (const char* pw : {"password123", "qwerty123", "12345678", "password", "Password123",
                           "iloveyou", "letmein1"}) {
      const auto r = policy.Check("", pw);
      ASSERT_TRUE(r.ok() && r->has_value()) << pw;
      EXPECT_EQ((*r)->id, 4000034) << pw;
      EXPECT_EQ((*r)->context.dump(), R"({"breaches":1000000})") << pw;
    }
  }
  cfg.haveibeenpwned_enabled = false;
  const PasswordPolicy off(cfg, nullptr);
  EXPECT_EQ(IdOf(off.Check("", "password123")), 0) << "only with the breach check enabled";
}

TEST(CommonPasswords, HoldTheListWithoutComments) {
  EXPECT_GT(CommonPasswordCount(), 5000u);
  EXPECT_TRUE(IsCommonPassword("123456"));
  EXPECT_TRUE(IsCommonPassword("QWERTY123"));
  EXPECT_FALSE(IsCommonPassword("l3f9toh1uaf81n21"));
  EXPECT_FALSE(
      IsCommonPassword("# The most common passwords, checked without any network "
                       "whenever the breach check is enabled"));
  EXPECT_FALSE(IsCommonPassword(""));
  EXPECT_TRUE(EmbeddedCommonPasswords().starts_with("# The most common passwords"));
}

TEST(Distances, LevenshteinAndLongestCommonSubstring) {
  EXPECT_EQ(LevenshteinDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(LevenshteinDistance("", "abc"), 3u);
  EXPECT_EQ(LongestCommonSubstring("hello@example.com", "123hello@ex"), 8u);
  EXPECT_EQ(LongestCommonSubstring("abc", "xyz"), 0u);
}

}  // namespace
}  // namespace atrium::strategy::password

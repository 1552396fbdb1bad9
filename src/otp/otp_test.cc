#include <array>
#include <chrono>
#include <set>

#include <gtest/gtest.h>

#include "otp/codes.h"

namespace atrium::otp {
namespace {

const Timestamp kNow = Timestamp(std::chrono::seconds(1'780'000'000));

Code Issued(const Digester& d, std::string id, std::string address, std::string_view code) {
  Code c;
  c.id = std::move(id);
  c.flow_id = "flow-1";
  c.purpose = Purpose::kRegistration;
  c.address = std::move(address);
  c.via = "email";
  c.digest = d.Digest(c.purpose, c.flow_id, c.address, code);
  c.expires_at = kNow + std::chrono::minutes(10);
  c.created_at = kNow;
  return c;
}

TEST(NewCode, IsSixDigitsAndVaries) {
  std::set<std::string> seen;
  std::array<int, 10> first_digit{};
  for (int i = 0; i < 2000; ++i) {
    const std::string code = NewCode();
    ASSERT_EQ(code.size(), 6U);
    for (char ch : code) {
      ASSERT_TRUE(ch >= '0' && ch <= '9') << code;
    }
    ++first_digit[static_cast<size_t>(code[0] - '0')];
    seen.insert(code);
  }
  EXPECT_GT(seen.size(), 1990U) << "2000 draws from a million should barely collide";
  for (int count : first_digit) {
    EXPECT_GT(count, 100) << "leading zeros are kept and every digit occurs";
  }
}

TEST(DeriveKey, IsHmacOfTheSecretUnderAFixedLabel) {
  // HMAC-SHA256("secret", "atrium/otp"), computed independently (Python hmac).
  const std::string key = DeriveKey("secret");
  ASSERT_EQ(key.size(), 32U);
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char ch : key) {
    hex += kHex[ch >> 4];
    hex += kHex[ch & 15];
  }
  EXPECT_EQ(hex, "37818b6e85b6edab4fad45c5d43ba144c31c85b34c5e9b0da89ab0727e21b201");
  EXPECT_NE(DeriveKey("other"), key);
}

TEST(Digester, BindsTheCodeToPurposeFlowAndAddress) {
  const Digester d("secret");
  const std::string base = d.Digest(Purpose::kRegistration, "f", "a@b.c", "123456");
  EXPECT_EQ(base.size(), 64U);
  EXPECT_EQ(base, d.Digest(Purpose::kRegistration, "f", "a@b.c", "123456"));
  EXPECT_NE(base, d.Digest(Purpose::kVerification, "f", "a@b.c", "123456"));
  EXPECT_NE(base, d.Digest(Purpose::kRegistration, "g", "a@b.c", "123456"));
  EXPECT_NE(base, d.Digest(Purpose::kRegistration, "f", "x@b.c", "123456"));
  EXPECT_NE(base, d.Digest(Purpose::kRegistration, "f", "a@b.c", "123457"));
  EXPECT_NE(base, Digester("other").Digest(Purpose::kRegistration, "f", "a@b.c", "123456"));
  // Length-prefixed parts: moving characters between parts changes the digest.
  EXPECT_NE(d.Digest(Purpose::kRegistration, "f1", "a", "123456"),
            d.Digest(Purpose::kRegistration, "f", "1a", "123456"));
}

TEST(Digester, MatchesOnlyALiveCodeOfItsOwnAddress) {
  const Digester d("secret");
  const std::array<Code, 2> codes = {Issued(d, "1", "a@b.c", "111111"),
                                     Issued(d, "2", "x@y.z", "222222")};
  ASSERT_TRUE(d.Match(codes, "222222", kNow).has_value());
  EXPECT_EQ(d.Match(codes, "222222", kNow)->address, "x@y.z");
  EXPECT_FALSE(d.Match(codes, "333333", kNow).has_value());
  EXPECT_FALSE(d.Match(codes, "", kNow).has_value());
  EXPECT_FALSE(d.Match(codes, "111111", kNow + std::chrono::minutes(10)).has_value())
      << "expired at expires_at";
  auto used = codes;
  used[0].used_at = kNow;
  EXPECT_FALSE(d.Match(used, "111111", kNow).has_value()) << "single use";
}

}  // namespace
}  // namespace atrium::otp

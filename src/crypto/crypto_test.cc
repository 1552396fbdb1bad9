#include <gtest/gtest.h>

#include "base/strings.h"
#include "crypto/aead.h"
#include "crypto/hash.h"

namespace atrium::crypto {
namespace {

TEST(Hash, MatchesKnownVectors) {
  EXPECT_EQ(HexEncode(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexEncode(Sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
  // RFC 4231 test case 2.
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Hash, ConstantTimeEqualsComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

TEST(Aead, SealsAndOpens) {
  const Aead aead({"secret-one"});
  const std::string sealed = aead.Seal("hello", "ad");
  EXPECT_EQ(sealed.find_first_of("+/="), std::string::npos);
  const auto opened = aead.Open(sealed, "ad");
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, "hello");
  EXPECT_NE(aead.Seal("hello", "ad"), sealed) << "a fresh nonce every time";
}

TEST(Aead, RejectsTamperingForeignKeysAndWrongAssociatedData) {
  const Aead aead({"secret-one"});
  std::string raw = *Base64UrlDecode(aead.Seal("hello", "ad"));
  raw[14] ^= 1;
  EXPECT_FALSE(aead.Open(Base64UrlEncode(raw), "ad").ok());
  EXPECT_FALSE(aead.Open(aead.Seal("hello", "ad"), "other").ok());
  EXPECT_FALSE(Aead({"secret-two"}).Open(aead.Seal("hello", "ad"), "ad").ok());
  EXPECT_FALSE(aead.Open("not base64 !!", "ad").ok());
  EXPECT_FALSE(aead.Open("", "ad").ok());
}

TEST(Aead, OpensValuesSealedWithARotatedSecret) {
  const Aead old_aead({"old"});
  const Aead rotated({"new", "old"});
  const auto opened = rotated.Open(old_aead.Seal("v", "ad"), "ad");
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, "v");
  EXPECT_FALSE(old_aead.Open(rotated.Seal("v", "ad"), "ad").ok());
}

}  // namespace
}  // namespace atrium::crypto

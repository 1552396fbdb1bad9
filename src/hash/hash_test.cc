#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "config/config.h"
#include "hash/hasher.h"

namespace atrium::hash {
namespace {

Argon2Params FastArgon2() {
  Argon2Params p;
  p.memory_kib = 1024;
  p.iterations = 1;
  return p;
}

TEST(Argon2idHasher, ProducesPhcStringsThatVerify) {
  const Argon2idHasher hasher(FastArgon2());
  const auto hashed = hasher.Hash("correct horse");
  ASSERT_TRUE(hashed.ok());
  EXPECT_TRUE(hashed->starts_with("$argon2id$v=19$m=1024,t=1,p=1$")) << *hashed;
  EXPECT_TRUE(*VerifyPassword("correct horse", *hashed));
  EXPECT_FALSE(*VerifyPassword("correct horsf", *hashed));
}

TEST(Argon2idHasher, DefaultsAreTheOwaspParameters) {
  const Argon2idHasher hasher{Argon2Params{}};
  const auto hashed = hasher.Hash("pw");
  ASSERT_TRUE(hashed.ok());
  EXPECT_TRUE(hashed->starts_with("$argon2id$v=19$m=19456,t=2,p=1$")) << *hashed;
}

// The hasher's defaults and the configuration's defaults are written twice (hash depends on
// base only); they must agree.
TEST(HasherOptions, DefaultsAreTheConfigurationDefaults) {
  const HasherOptions options;
  const config::Hashers config;
  EXPECT_EQ(options.algorithm, config.algorithm);
  EXPECT_EQ(options.bcrypt_cost, config.bcrypt_cost);
  EXPECT_EQ(options.argon2.memory_kib, config.argon2.memory_kib);
  EXPECT_EQ(options.argon2.iterations, config.argon2.iterations);
  EXPECT_EQ(options.argon2.parallelism, config.argon2.parallelism);
  EXPECT_EQ(options.argon2.salt_length, config.argon2.salt_length);
  EXPECT_EQ(options.argon2.key_length, config.argon2.key_length);
}

TEST(BcryptHasher, WritesTwoAAndVerifies) {
  const BcryptHasher hasher(4);
  const auto hashed = hasher.Hash("password");
  ASSERT_TRUE(hashed.ok());
  EXPECT_TRUE(hashed->starts_with("$2a$04$")) << *hashed;
  EXPECT_EQ(hashed->size(), 60u);
  EXPECT_TRUE(*VerifyPassword("password", *hashed));
  EXPECT_FALSE(*VerifyPassword("passwore", *hashed));
}

TEST(BcryptHasher, RefusesMoreThan72Bytes) {
  const BcryptHasher hasher(4);
  EXPECT_TRUE(hasher.Hash(std::string(72, 'x')).ok());
  EXPECT_EQ(hasher.Hash(std::string(73, 'x')).error().code, ErrorCode::kInvalidArgument);
}

TEST(Hasher, IsCurrentOnlyForItsOwnAlgorithmAndParameters) {
  const Argon2idHasher argon2(FastArgon2());
  const BcryptHasher bcrypt(4);
  const std::string mine = *argon2.Hash("pw");
  const std::string bcrypted = *bcrypt.Hash("pw");
  EXPECT_TRUE(argon2.IsCurrent(mine));
  EXPECT_FALSE(argon2.IsCurrent(bcrypted));
  EXPECT_TRUE(bcrypt.IsCurrent(bcrypted));
  EXPECT_FALSE(bcrypt.IsCurrent(mine));
  EXPECT_FALSE(BcryptHasher(5).IsCurrent(bcrypted));  // another cost
  EXPECT_FALSE(BcryptHasher(12).IsCurrent("$2a$120$x"));
  EXPECT_TRUE(
      BcryptHasher(12).IsCurrent("$2y$12$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"));
  // Any other argon2 parameter, salt or key length is not current.
  for (auto change :
       {+[](Argon2Params& p) { p.memory_kib = 2048; }, +[](Argon2Params& p) { p.iterations = 2; },
        +[](Argon2Params& p) { p.parallelism = 2; }, +[](Argon2Params& p) { p.salt_length = 32; },
        +[](Argon2Params& p) { p.key_length = 16; }}) {
    Argon2Params other = FastArgon2();
    change(other);
    EXPECT_FALSE(argon2.IsCurrent(*Argon2idHasher(other).Hash("pw")));
    EXPECT_TRUE(Argon2idHasher(other).IsCurrent(*Argon2idHasher(other).Hash("pw")));
  }
  EXPECT_FALSE(argon2.IsCurrent("$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaA"));
  EXPECT_FALSE(argon2.IsCurrent("$argon2id$v=19$m=1024,t=1,p=1$nodollar"));
}

TEST(VerifyPassword, AcceptsPublishedBcryptVectors) {
  // OpenBSD / John the Ripper test vectors.
  EXPECT_TRUE(
      *VerifyPassword("U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"));
  EXPECT_TRUE(*VerifyPassword("", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy"));
  EXPECT_FALSE(
      *VerifyPassword("U*V", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"));
}

TEST(VerifyPassword, AcceptsArgon2HashesWithOtherParameters) {
  // Kratos' Go hasher writes the same PHC format; parameters travel inside the string.
  Argon2Params p = FastArgon2();
  p.memory_kib = 2048;
  p.parallelism = 2;
  p.salt_length = 32;
  p.key_length = 16;
  const auto hashed = Argon2idHasher(p).Hash("pw");
  ASSERT_TRUE(hashed.ok());
  EXPECT_TRUE(*VerifyPassword("pw", *hashed));
}

TEST(VerifyPassword, RejectsUnknownAndMalformedFormats) {
  EXPECT_FALSE(VerifyPassword("pw", "plain").ok());
  EXPECT_FALSE(VerifyPassword("pw", "$argon2id$garbage").ok());
  EXPECT_FALSE(VerifyPassword("pw", "$2a$").ok());
}

class CountingHasher final : public Hasher {
 public:
  Result<std::string> Hash(std::string_view password) const override {
    const int now = ++running_;
    int seen = max_.load();
    while (now > seen && !max_.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    --running_;
    return "h:" + std::string(password);
  }
  bool IsCurrent(std::string_view) const override { return true; }
  int max() const { return max_; }

 private:
  mutable std::atomic<int> running_{0};
  mutable std::atomic<int> max_{0};
};

TEST(HashPool, BoundsConcurrencyAndServesEveryCaller) {
  CountingHasher hasher;
  {
    HashPool pool(hasher, 2, 4);
    constexpr int kCallers = 64;
    std::vector<std::thread> callers;
    callers.reserve(kCallers);
    std::atomic<int> correct{0};
    for (int i = 0; i < kCallers; ++i) {
      callers.emplace_back([&, i] {
        const auto r = pool.Hash(std::to_string(i));
        if (r.ok() && *r == "h:" + std::to_string(i)) {
          ++correct;
        }
      });
    }
    for (auto& t : callers) {
      t.join();
    }
    EXPECT_EQ(correct, kCallers);
  }
  EXPECT_LE(hasher.max(), 2);
  EXPECT_GE(hasher.max(), 1);
}

TEST(HashPool, VerifiesOnThePool) {
  const Argon2idHasher hasher(FastArgon2());
  HashPool pool(hasher, 1, 1);
  const auto hashed = pool.Hash("pw");
  ASSERT_TRUE(hashed.ok());
  EXPECT_TRUE(*pool.Verify("pw", *hashed));
  EXPECT_FALSE(*pool.Verify("px", *hashed));
}

}  // namespace
}  // namespace atrium::hash

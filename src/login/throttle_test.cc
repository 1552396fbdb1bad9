#include "login/throttle.h"

#include <map>

#include <gtest/gtest.h>

namespace atrium::login {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

// The store contract in memory (the SQL versions are tested in store/).
class MemoryAttempts final : public AttemptStore {
 public:
  Result<std::optional<Counter>> GetAttempts(std::string_view key) override {
    const auto it = rows_.find(std::string(key));
    return it == rows_.end() ? std::optional<Counter>() : std::optional<Counter>(it->second);
  }
  Result<int64_t> RecordFailure(std::string_view key, Timestamp now, Timestamp restart_before,
                                Timestamp) override {
    Counter& c = rows_[std::string(key)];
    c.failures = c.failures > 0 && c.last_failure >= restart_before ? c.failures + 1 : 1;
    c.last_failure = now;
    return c.failures;
  }
  Status ResetAttempts(std::string_view key) override {
    rows_.erase(std::string(key));
    return OkStatus();
  }

 private:
  std::map<std::string, Counter> rows_;
};

class StoreThrottleTest : public ::testing::Test {
 protected:
  StoreThrottleTest() {
    options_.max_failures_per_identifier = 3;
    options_.max_failures_per_address = 5;
    options_.window = minutes(15);
    options_.lockout = minutes(1);
    options_.max_lockout = minutes(10);
  }
  std::optional<Duration> Wait(const std::vector<std::string>& keys) {
    auto w = throttle_.RetryAfter(keys);
    EXPECT_TRUE(w.ok());
    return *w;
  }
  void Fail(const std::vector<std::string>& keys, int times) {
    for (int i = 0; i < times; ++i) {
      ASSERT_TRUE(throttle_.Failed(keys).ok());
    }
  }

  config::LoginThrottling options_;
  MemoryAttempts store_;
  ManualClock clock_{Timestamp(seconds(1'800'000'000))};
  StoreThrottle throttle_{options_, store_, clock_};
  const std::string ann_ = IdentifierKey("ann@example.com");
  const std::string ip_ = AddressKey("192.0.2.7");
};

TEST_F(StoreThrottleTest, LocksAnIdentifierAfterItsLimitForTheLockout) {
  Fail({ann_, ip_}, 2);
  EXPECT_FALSE(Wait({ann_, ip_}));
  Fail({ann_, ip_}, 1);
  EXPECT_EQ(Wait({ann_, ip_}), minutes(1));
  clock_.Advance(seconds(59));
  EXPECT_EQ(Wait({ann_}), seconds(1));
  clock_.Advance(seconds(1));
  EXPECT_FALSE(Wait({ann_, ip_}));  // the lockout is over; the address is still under its limit
}

// Regression: a concurrent request (or another instance) recorded a failure after this one read
// the clock; the key is still under its limit and must not be refused for the remaining instant.
TEST_F(StoreThrottleTest, AFailureRecordedAfterTheClockWasReadDoesNotLockUnderTheLimit) {
  ASSERT_TRUE(
      store_
          .RecordFailure(ann_, clock_.Now() + seconds(1), clock_.Now(), clock_.Now() + minutes(20))
          .ok());
  EXPECT_FALSE(Wait({ann_}));
}

TEST_F(StoreThrottleTest, EveryFurtherFailureDoublesTheLockoutUpToTheMaximum) {
  EXPECT_EQ(throttle_.LockoutFor(ann_, 2), Duration::zero());
  EXPECT_EQ(throttle_.LockoutFor(ann_, 3), minutes(1));
  EXPECT_EQ(throttle_.LockoutFor(ann_, 4), minutes(2));
  EXPECT_EQ(throttle_.LockoutFor(ann_, 6), minutes(8));
  EXPECT_EQ(throttle_.LockoutFor(ann_, 7), minutes(10));
  EXPECT_EQ(throttle_.LockoutFor(ann_, 1'000'000), minutes(10));
  EXPECT_EQ(throttle_.LockoutFor(ip_, 4), Duration::zero());  // addresses have their own limit
  EXPECT_EQ(throttle_.LockoutFor(ip_, 5), minutes(1));
}

TEST_F(StoreThrottleTest, AnAddressIsLockedForEveryIdentifier) {
  for (int i = 0; i < 5; ++i) {
    Fail({IdentifierKey("user" + std::to_string(i)), ip_}, 1);
  }
  EXPECT_EQ(Wait({IdentifierKey("someone-new"), ip_}), minutes(1));
  EXPECT_FALSE(Wait({IdentifierKey("someone-new"), AddressKey("192.0.2.8")}));
}

TEST_F(StoreThrottleTest, FailuresFurtherApartThanTheWindowStartOver) {
  Fail({ann_}, 2);
  clock_.Advance(minutes(16));
  Fail({ann_}, 1);  // counts as the first again
  EXPECT_FALSE(Wait({ann_}));
  Fail({ann_}, 2);
  EXPECT_EQ(Wait({ann_}), minutes(1));
}

TEST_F(StoreThrottleTest, SuccessClearsOnlyTheGivenKeys) {
  Fail({ann_, ip_}, 2);
  ASSERT_TRUE(throttle_.Succeeded({ann_}).ok());
  Fail({ann_, ip_}, 2);
  EXPECT_FALSE(Wait({ann_}));  // 2 since the success, under the limit of 3
  Fail({ann_, ip_}, 1);
  EXPECT_EQ(Wait({ip_}), minutes(1));  // the address kept all 5
}

}  // namespace
}  // namespace atrium::login

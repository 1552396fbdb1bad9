#include "base/lru_cache.h"

#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace atrium {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

TEST(LruCache, ServesEntriesUntilTheyExpire) {
  ManualClock clock(Timestamp(std::chrono::hours(1000)));
  LruCache<std::string, int> cache(4, minutes(10), clock);
  EXPECT_EQ(cache.Get("a"), std::nullopt);
  cache.Put("a", 1);
  EXPECT_EQ(cache.Get("a"), 1);
  clock.Advance(minutes(10) - seconds(1));
  EXPECT_EQ(cache.Get("a"), 1);
  clock.Advance(seconds(1));
  EXPECT_EQ(cache.Get("a"), std::nullopt);
  EXPECT_EQ(cache.size(), 0u) << "an expired entry is dropped when read";
}

TEST(LruCache, PutRefreshesTheValueAndItsLifetime) {
  ManualClock clock(Timestamp(std::chrono::hours(1000)));
  LruCache<std::string, int> cache(4, minutes(10), clock);
  cache.Put("a", 1);
  clock.Advance(minutes(9));
  cache.Put("a", 2);
  clock.Advance(minutes(9));
  EXPECT_EQ(cache.Get("a"), 2);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(LruCache, EraseIfDropsTheMatchingEntriesAndClearDropsAll) {
  ManualClock clock(Timestamp(std::chrono::hours(1000)));
  LruCache<std::string, int> cache(4, minutes(10), clock);
  cache.Put("a", 1);
  cache.Put("b", 2);
  cache.Put("c", 1);
  cache.EraseIf([](int v) { return v == 1; });
  EXPECT_EQ(cache.Get("a"), std::nullopt);
  EXPECT_EQ(cache.Get("c"), std::nullopt);
  EXPECT_EQ(cache.Get("b"), 2);
  EXPECT_EQ(cache.size(), 1u);
  cache.Put("d", 4);  // the order list stays consistent with the index after erasing
  cache.Clear();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.Get("b"), std::nullopt);
  for (const char* k : {"w", "x", "y", "z", "v"}) {
    cache.Put(k, 0);
  }
  EXPECT_EQ(cache.size(), 4u);
}

TEST(LruCache, EvictsTheLeastRecentlyUsedEntryWhenFull) {
  ManualClock clock(Timestamp(std::chrono::hours(1000)));
  LruCache<std::string, int> cache(3, minutes(10), clock);
  cache.Put("a", 1);
  cache.Put("b", 2);
  cache.Put("c", 3);
  EXPECT_EQ(cache.Get("a"), 1);  // "b" is now the oldest
  cache.Put("d", 4);
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.Get("b"), std::nullopt);
  EXPECT_EQ(cache.Get("a"), 1);
  EXPECT_EQ(cache.Get("c"), 3);
  EXPECT_EQ(cache.Get("d"), 4);
  cache.Put("c", 30);  // a write is a use too: "a" is the oldest now
  cache.Put("e", 5);
  EXPECT_EQ(cache.Get("a"), std::nullopt);
  EXPECT_EQ(cache.Get("c"), 30);
}

TEST(LruCache, StaysBoundedUnderConcurrentUse) {
  ManualClock clock(Timestamp(std::chrono::hours(1000)));
  LruCache<int, std::string> cache(64, minutes(10), clock);
  constexpr int kThreads = 4;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < 2000; ++i) {
        const int key = (i * 7 + t) % 500;
        if (auto v = cache.Get(key)) {
          EXPECT_EQ(*v, std::to_string(key));
        } else {
          cache.Put(key, std::to_string(key));
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_LE(cache.size(), 64u);
}

}  // namespace
}  // namespace atrium

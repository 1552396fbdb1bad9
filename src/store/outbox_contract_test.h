#pragma once
// The store contract for the courier outbox (courier::Outbox): claims under a lease, exclusive
// across concurrent claimers, reclaimed once the lease expires, released only by its holder.
// A backend test includes it beside contract_test.h; a shared PostgreSQL server may hold messages
// of earlier runs, so the cases only look at the messages they queued themselves.

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "base/random.h"
#include "courier/outbox.h"
#include "store/contract_test.h"
#include "store/database.h"

namespace atrium::store::contract {

inline courier::Message NewMessage(const std::string& recipient, Timestamp at) {
  courier::Message m;
  m.id = NewUuid();
  m.recipient = recipient;
  m.subject = "Use code 123456";
  m.body = "123456";
  m.html_body = "<p>123456</p>";
  m.template_type = "registration_code_valid";
  m.template_data = {{"RegistrationCode", "123456"}};
  m.next_attempt_at = at;
  m.created_at = at;
  m.updated_at = at;
  return m;
}

// The messages among `claimed` whose ids are in `ours`.
inline std::vector<courier::Message> Ours(const std::vector<courier::Message>& claimed,
                                          const std::set<std::string>& ours) {
  std::vector<courier::Message> out;
  std::ranges::copy_if(claimed, std::back_inserter(out),
                       [&](const courier::Message& m) { return ours.contains(m.id); });
  return out;
}

TEST_P(StoreContract, OutboxClaimsAreExclusiveAcrossConcurrentClaimers) {
  const Timestamp now = T(9'000'000);
  const std::string recipient = Unique("claims");
  std::set<std::string> ours;
  for (int i = 0; i < 40; ++i) {
    auto m = NewMessage(recipient, now - std::chrono::seconds(i));
    ASSERT_TRUE(store_.database->Enqueue(m).ok());
    ours.insert(m.id);
  }
  std::mutex mu;
  std::map<std::string, int> claims;  // id -> how often it was handed out
  std::vector<std::thread> claimers;
  for (int t = 0; t < 4; ++t) {
    claimers.emplace_back([&, t] {
      const std::string owner = "owner-" + std::to_string(t);
      for (int round = 0; round < 200; ++round) {
        auto claimed = store_.database->ClaimDue(owner, now, now + std::chrono::minutes(2), 3);
        if (!claimed.ok() || claimed->empty()) {
          return;
        }
        const std::lock_guard lock(mu);
        for (const auto& m : Ours(*claimed, ours)) {
          ++claims[m.id];
          EXPECT_EQ(m.status, courier::MessageStatus::kProcessing);
          EXPECT_EQ(m.send_count, 1);
          EXPECT_EQ(m.recipient, recipient);
        }
      }
    });
  }
  for (auto& t : claimers) {
    t.join();
  }
  EXPECT_EQ(claims.size(), ours.size()) << "every due message was claimed";
  for (const auto& [id, n] : claims) {
    EXPECT_EQ(n, 1) << id << " was handed out more than once";
  }
}

TEST_P(StoreContract, OutboxLeaseExpiryReclaimsAndOnlyTheHolderReleases) {
  const Timestamp now = T(9'100'000);
  const auto lease = std::chrono::minutes(2);
  auto m = NewMessage(Unique("lease"), now);
  ASSERT_TRUE(store_.database->Enqueue(m).ok());
  auto& outbox = *store_.database;
  const std::set<std::string> ours{m.id};

  auto claim = [&](const std::string& owner, Timestamp at) {
    auto claimed = outbox.ClaimDue(owner, at, at + lease, 1000);
    EXPECT_TRUE(claimed.ok());
    return claimed.ok() ? Ours(*claimed, ours) : std::vector<courier::Message>();
  };
  ASSERT_EQ(claim("a", now).size(), 1U);
  EXPECT_TRUE(claim("b", now + lease - std::chrono::seconds(1)).empty()) << "the lease holds";
  const auto reclaimed = claim("b", now + lease);
  ASSERT_EQ(reclaimed.size(), 1U) << "an expired lease is claimed again";
  EXPECT_EQ(reclaimed[0].send_count, 2) << "the lost attempt counts";

  const Timestamp later = now + lease + std::chrono::seconds(5);
  EXPECT_FALSE(*outbox.MarkSent(m.id, "a", later)) << "a lost its lease";
  EXPECT_FALSE(*outbox.MarkFailed(m.id, "a", {"boom", std::nullopt}, later));
  auto still = outbox.GetMessage(m.id);
  ASSERT_TRUE(still.ok() && still->has_value());
  EXPECT_EQ((*still)->status, courier::MessageStatus::kProcessing) << "nothing written for a";
  EXPECT_TRUE((*still)->dispatches.empty());

  EXPECT_TRUE(*outbox.MarkSent(m.id, "b", later));
  auto sent = outbox.GetMessage(m.id);
  ASSERT_TRUE(sent.ok() && sent->has_value());
  EXPECT_EQ((*sent)->status, courier::MessageStatus::kSent);
  EXPECT_EQ((*sent)->updated_at, later);
  ASSERT_EQ((*sent)->dispatches.size(), 1U);
  EXPECT_EQ((*sent)->dispatches[0].status, "success");
  EXPECT_FALSE(*outbox.MarkSent(m.id, "b", later)) << "released already";
  EXPECT_TRUE(claim("c", later + std::chrono::hours(1)).empty()) << "sent is never due";
}

TEST_P(StoreContract, OutboxFailuresRequeueOrAbandonAndListsFilterAndPage) {
  const Timestamp now = T(9'200'000);
  const std::string recipient = Unique("fail");
  auto& outbox = *store_.database;
  auto m = NewMessage(recipient, now);
  ASSERT_TRUE(outbox.Enqueue(m).ok());
  const std::set<std::string> ours{m.id};
  auto claim = [&](Timestamp at) {
    auto claimed = outbox.ClaimDue("w", at, at + std::chrono::minutes(2), 1000);
    EXPECT_TRUE(claimed.ok());
    return claimed.ok() ? Ours(*claimed, ours) : std::vector<courier::Message>();
  };

  ASSERT_EQ(claim(now).size(), 1U);
  const Timestamp retry_at = now + std::chrono::seconds(30);
  EXPECT_TRUE(*outbox.MarkFailed(m.id, "w", {"451 try later", retry_at}, now));
  auto queued = outbox.GetMessage(m.id);
  ASSERT_TRUE(queued.ok() && queued->has_value());
  EXPECT_EQ((*queued)->status, courier::MessageStatus::kQueued);
  EXPECT_EQ((*queued)->next_attempt_at, retry_at);
  EXPECT_EQ((*queued)->last_error, "451 try later");
  EXPECT_TRUE(claim(retry_at - std::chrono::seconds(1)).empty()) << "not due before retry_at";
  ASSERT_EQ(claim(retry_at).size(), 1U);
  EXPECT_TRUE(*outbox.MarkFailed(m.id, "w", {"550 no such user", std::nullopt}, retry_at));
  auto abandoned = outbox.GetMessage(m.id);
  ASSERT_TRUE(abandoned.ok() && abandoned->has_value());
  EXPECT_EQ((*abandoned)->status, courier::MessageStatus::kAbandoned);
  EXPECT_EQ((*abandoned)->send_count, 2);
  EXPECT_EQ((*abandoned)->last_error, "550 no such user");
  ASSERT_EQ((*abandoned)->dispatches.size(), 2U);
  EXPECT_EQ((*abandoned)->dispatches[0].error, "550 no such user") << "newest first";
  EXPECT_EQ((*abandoned)->dispatches[1].status, "failed");
  EXPECT_TRUE(claim(retry_at + std::chrono::hours(24)).empty()) << "abandoned is never due";
  EXPECT_FALSE(outbox.GetMessage(NewUuid())->has_value());

  // Two more for the same recipient, newer; the list pages newest first by keyset.
  auto m2 = NewMessage(recipient, now + std::chrono::seconds(1));
  auto m3 = NewMessage(recipient, now + std::chrono::seconds(2));
  ASSERT_TRUE(outbox.Enqueue(m2).ok());
  ASSERT_TRUE(outbox.Enqueue(m3).ok());
  const courier::MessageFilter mine{.status = std::nullopt, .recipient = recipient};
  auto first = outbox.ListMessages(mine, std::nullopt, 2);
  ASSERT_TRUE(first.ok()) << first.error().reason;
  ASSERT_EQ(first->size(), 2U);
  EXPECT_EQ((*first)[0].id, m3.id);
  EXPECT_EQ((*first)[1].id, m2.id);
  auto second = outbox.ListMessages(mine, courier::MessageCursor{m2.created_at, m2.id}, 2);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->size(), 1U);
  EXPECT_EQ((*second)[0].id, m.id);
  EXPECT_EQ((*second)[0].template_data, m.template_data);
  auto only_abandoned = outbox.ListMessages(
      {.status = courier::MessageStatus::kAbandoned, .recipient = recipient}, std::nullopt, 10);
  ASSERT_TRUE(only_abandoned.ok());
  ASSERT_EQ(only_abandoned->size(), 1U);
  EXPECT_EQ((*only_abandoned)[0].id, m.id);
}

}  // namespace atrium::store::contract

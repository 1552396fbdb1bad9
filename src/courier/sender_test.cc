#include "courier/sender.h"

#include <atomic>
#include <deque>
#include <map>
#include <thread>

#include <gtest/gtest.h>

namespace atrium::courier {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

// An outbox in memory with the lease rules of the store contract.
class MemoryOutbox final : public Outbox {
 public:
  Status Enqueue(const Message& m) override {
    rows_[m.id] = {m, "", {}};
    return OkStatus();
  }
  Result<std::vector<Message>> ClaimDue(std::string_view owner, Timestamp now,
                                        Timestamp lease_until, int limit) override {
    std::vector<Message> out;
    for (auto& [id, r] : rows_) {
      const bool due = (r.m.status == MessageStatus::kQueued && r.m.next_attempt_at <= now) ||
                       (r.m.status == MessageStatus::kProcessing && r.lease_until <= now);
      if (due && static_cast<int>(out.size()) < limit) {
        r.m.status = MessageStatus::kProcessing;
        r.owner = owner;
        r.lease_until = lease_until;
        ++r.m.send_count;
        out.push_back(r.m);
      }
    }
    ++claims;
    last_limit = limit;
    return out;
  }
  Result<bool> MarkSent(std::string_view id, std::string_view owner, Timestamp now) override {
    return Release(id, owner, MessageStatus::kSent, now, "");
  }
  Result<bool> MarkFailed(std::string_view id, std::string_view owner, const Failure& f,
                          Timestamp now) override {
    return Release(id, owner, f.retry_at ? MessageStatus::kQueued : MessageStatus::kAbandoned,
                   f.retry_at.value_or(now), f.error);
  }
  Result<std::vector<Message>> ListMessages(const MessageFilter&,
                                            const std::optional<MessageCursor>&, int) override {
    return std::vector<Message>();
  }
  Result<std::optional<Message>> GetMessage(std::string_view id) override {
    const auto it = rows_.find(std::string(id));
    return it == rows_.end() ? std::optional<Message>() : std::optional<Message>(it->second.m);
  }
  std::atomic<int> claims = 0;
  int last_limit = 0;

 private:
  struct Row {
    Message m;
    std::string owner;
    Timestamp lease_until;
  };
  Result<bool> Release(std::string_view id, std::string_view owner, MessageStatus status,
                       Timestamp next, const std::string& error) {
    auto& r = rows_.at(std::string(id));
    if (r.m.status != MessageStatus::kProcessing || r.owner != owner) {
      return false;
    }
    r.m.status = status;
    r.m.next_attempt_at = next;
    r.m.last_error = error;
    r.owner.clear();
    return true;
  }
  std::map<std::string, Row> rows_;
};

// Answers each delivery with the next scripted status (Ok once the script is used up).
class ScriptedChannel final : public Channel {
 public:
  Status Deliver(const Message& m) override {
    delivered.push_back(m.id);
    ++count;
    if (script.empty()) {
      return OkStatus();
    }
    Status next = script.front();
    script.pop_front();
    return next;
  }
  std::deque<Status> script;
  std::vector<std::string> delivered;
  std::atomic<int> count = 0;
};

Message Queued(const std::string& id, Timestamp at) {
  Message m;
  m.id = id;
  m.recipient = "ann@example.com";
  m.next_attempt_at = at;
  m.created_at = at;
  return m;
}

class SenderTest : public ::testing::Test {
 protected:
  Timestamp Start() { return Timestamp(std::chrono::hours(500000)); }
  ManualClock clock_{Start()};
  MemoryOutbox outbox_;
  ScriptedChannel email_;
  SenderOptions options_{.owner = "me",
                         .pull_count = 10,
                         .pull_wait = std::chrono::milliseconds(10),
                         .lease = minutes(2),
                         .send_timeout = seconds(10),
                         .message_retries = 2,
                         .backoff = seconds(30),
                         .backoff_max = minutes(1)};
};

TEST(SenderBackoff, DoublesFromTheBaseUpToTheCap) {
  SenderOptions o;
  o.backoff = seconds(30);
  o.backoff_max = minutes(5);
  EXPECT_EQ(Backoff(o, 1), seconds(30));
  EXPECT_EQ(Backoff(o, 2), seconds(60));
  EXPECT_EQ(Backoff(o, 4), seconds(240));
  EXPECT_EQ(Backoff(o, 5), minutes(5));
  EXPECT_EQ(Backoff(o, 60), minutes(5)) << "no overflow";
}

TEST_F(SenderTest, DeliversDueMessagesAndMarksThemSent) {
  ASSERT_TRUE(outbox_.Enqueue(Queued("a", Start())).ok());
  ASSERT_TRUE(outbox_.Enqueue(Queued("later", Start() + minutes(1))).ok());
  Sender sender(outbox_, email_, nullptr, clock_, options_);
  EXPECT_EQ(*sender.RunOnce(), 1);
  EXPECT_EQ(email_.delivered, std::vector<std::string>{"a"});
  EXPECT_EQ((*outbox_.GetMessage("a"))->status, MessageStatus::kSent);
  EXPECT_EQ((*outbox_.GetMessage("later"))->status, MessageStatus::kQueued);
  EXPECT_EQ(outbox_.last_limit, 10) << "a 2 min lease covers 12 sends of 10 s: pull_count";
}

TEST_F(SenderTest, TemporaryFailuresBackOffThenAbandonAfterTheRetries) {
  ASSERT_TRUE(outbox_.Enqueue(Queued("a", Start())).ok());
  email_.script = {Error::Unavailable("451 later"), Error::Unavailable("451 later"),
                   Error::GatewayTimeout("slow")};
  Sender sender(outbox_, email_, nullptr, clock_, options_);
  ASSERT_EQ(*sender.RunOnce(), 1);
  auto m = *outbox_.GetMessage("a");
  EXPECT_EQ(m->status, MessageStatus::kQueued);
  EXPECT_EQ(m->next_attempt_at, Start() + seconds(30));
  EXPECT_EQ(m->last_error, "451 later");
  clock_.Advance(seconds(29));
  EXPECT_EQ(*sender.RunOnce(), 0) << "not due yet";
  clock_.Advance(seconds(1));
  ASSERT_EQ(*sender.RunOnce(), 1);
  EXPECT_EQ((*outbox_.GetMessage("a"))->next_attempt_at, clock_.Now() + seconds(60));
  clock_.Advance(seconds(60));
  ASSERT_EQ(*sender.RunOnce(), 1);
  m = *outbox_.GetMessage("a");
  EXPECT_EQ(m->status, MessageStatus::kAbandoned) << "1 + message_retries attempts made";
  EXPECT_EQ(m->last_error, "slow");
  EXPECT_EQ(email_.delivered.size(), 3U);
}

TEST_F(SenderTest, APermanentRefusalAbandonsAtOnce) {
  ASSERT_TRUE(outbox_.Enqueue(Queued("a", Start())).ok());
  email_.script = {Error::Unprocessable("550 no such user")};
  Sender sender(outbox_, email_, nullptr, clock_, options_);
  ASSERT_EQ(*sender.RunOnce(), 1);
  const auto m = *outbox_.GetMessage("a");
  EXPECT_EQ(m->status, MessageStatus::kAbandoned);
  EXPECT_EQ(m->last_error, "550 no such user");
}

TEST_F(SenderTest, ClaimsNoMoreThanOneLeaseCoversAndSmsWithoutChannelWaits) {
  options_.send_timeout = seconds(50);  // a 2 min lease covers two sends
  Message sms = Queued("sms", Start());
  sms.type = MessageType::kSms;
  ASSERT_TRUE(outbox_.Enqueue(sms).ok());
  Sender sender(outbox_, email_, nullptr, clock_, options_);
  ASSERT_EQ(*sender.RunOnce(), 1);
  EXPECT_EQ(outbox_.last_limit, 2);
  EXPECT_TRUE(email_.delivered.empty()) << "an SMS never goes out by e-mail";
  EXPECT_EQ((*outbox_.GetMessage("sms"))->status, MessageStatus::kQueued);
}

TEST_F(SenderTest, ARingWakesTheLoopAndStopEndsIt) {
  options_.pull_wait = std::chrono::hours(1);
  Sender sender(outbox_, email_, nullptr, clock_, options_);
  std::thread loop([&] { sender.Run(); });
  while (outbox_.claims == 0) {
    std::this_thread::yield();
  }
  // The loop now waits for an hour unless rung. (The memory outbox is not thread-safe; the
  // loop only touches it after the ring.)
  ASSERT_TRUE(outbox_.Enqueue(Queued("a", Start())).ok());
  sender.Ring();
  for (int i = 0; i < 2000 && email_.count == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  sender.Stop();
  loop.join();
  EXPECT_EQ(email_.delivered, std::vector<std::string>{"a"});
}

}  // namespace
}  // namespace atrium::courier

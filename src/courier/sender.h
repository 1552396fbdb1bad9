#pragma once
// The sender: claims due messages from the outbox under a lease, hands each to its channel and
// records the outcome. A failed attempt is queued again after an exponential backoff
// (backoff * 2^(attempt-1), capped at backoff_max) until 1 + message_retries attempts were made,
// then abandoned with the last error; a permanent refusal (Unprocessable) abandons at once.
// Any number of senders, in one process or many, may share one outbox: a claim is exclusive.
// Delivery is at least once: a sender that dies after the neighbour took a message but before
// it recorded that sends the message again once its lease has expired.

#include <condition_variable>
#include <mutex>
#include <string>

#include "base/clock.h"
#include "base/result.h"
#include "courier/channel.h"
#include "courier/composer.h"
#include "courier/outbox.h"

namespace atrium::courier {

struct SenderOptions {
  std::string owner;  // unique per sender (random per process)
  int pull_count = 10;
  Duration pull_wait = std::chrono::seconds(1);
  Duration lease = std::chrono::minutes(2);
  Duration send_timeout = std::chrono::seconds(30);  // the channels' budget per message
  int message_retries = 5;
  Duration backoff = std::chrono::seconds(30);
  Duration backoff_max = std::chrono::hours(1);
};

// When attempt number `attempt` (1 for the first) failed, the next one is due this much later.
Duration Backoff(const SenderOptions& options, int attempt);

class Sender final : public Doorbell {
 public:
  // `sms` may be null (no SMS channel: SMS messages fail as temporary until retries run out).
  // References must outlive the sender.
  Sender(Outbox& outbox, Channel& email, Channel* sms, const Clock& clock, SenderOptions options);
  // Where web hook notifications (MessageType::kWebhook) go; without one they fail as temporary
  // until their retries run out. Call before Run.
  void SetWebhookChannel(Channel* webhook) { webhook_ = webhook; }

  // One pass: claims what is due (at most as many as one lease can cover) and delivers it.
  // Returns how many messages were claimed. Store errors end the pass.
  Result<int> RunOnce();

  // Passes until Stop(): right away again after a full batch, else after pull_wait or a Ring.
  void Run();
  void Stop();
  void Ring() override;

 private:
  void Deliver(const Message& message);
  // Waits up to pull_wait or until rung or stopped; false when stopped.
  bool Wait();

  Outbox& outbox_;
  Channel& email_;
  Channel* sms_;
  Channel* webhook_ = nullptr;
  const Clock& clock_;
  SenderOptions options_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool rung_ = false;      // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
};

}  // namespace atrium::courier

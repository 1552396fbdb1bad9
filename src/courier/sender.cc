#include "courier/sender.h"

#include <algorithm>

#include "base/log.h"

namespace atrium::courier {
namespace {

bool IsPermanent(const Error& e) { return e.code == ErrorCode::kUnprocessable; }

}  // namespace

Duration Backoff(const SenderOptions& options, int attempt) {
  Duration d = options.backoff;
  for (int i = 1; i < attempt && d < options.backoff_max; ++i) {
    d *= 2;
  }
  return std::min(d, options.backoff_max);
}

Sender::Sender(Outbox& outbox, Channel& email, Channel* sms, const Clock& clock,
               SenderOptions options)
    : outbox_(outbox), email_(email), sms_(sms), clock_(clock), options_(std::move(options)) {}

Result<int> Sender::RunOnce() {
  // Claim no more than one lease can cover, so that no claimed message waits past its lease
  // behind slow deliveries (where another sender would take it over and send it twice).
  const auto per_lease = options_.lease / std::max(options_.send_timeout, Duration(1));
  const int limit = static_cast<int>(std::clamp<int64_t>(per_lease, 1, options_.pull_count));
  const Timestamp now = clock_.Now();
  const Timestamp lease_until = now + options_.lease;
  ATRIUM_ASSIGN_OR_RETURN(auto claimed, outbox_.ClaimDue(options_.owner, now, lease_until, limit));
  for (const Message& m : claimed) {
    if (clock_.Now() + options_.send_timeout >= lease_until) {
      // Too late to finish within the lease: leave the rest to whoever claims them next.
      LogWarning("courier: lease running out; message {} is left for the next claim", m.id);
      break;
    }
    Deliver(m);
  }
  return static_cast<int>(claimed.size());
}

void Sender::Deliver(const Message& m) {
  const int attempts = 1 + options_.message_retries;
  Status delivered = OkStatus();
  if (m.send_count > attempts) {
    delivered = Error::Unprocessable("gave up after " + std::to_string(attempts) +
                                     " attempts: " + m.last_error);
  } else {
    Channel* channel = m.type == MessageType::kSms       ? sms_
                       : m.type == MessageType::kWebhook ? webhook_
                                                         : &email_;
    delivered = channel != nullptr
                    ? channel->Deliver(m)
                    : Status(Error::Unavailable("no channel for " + std::string(ToString(m.type)) +
                                                " messages is configured"));
  }
  const Timestamp now = clock_.Now();
  Result<bool> held = false;
  if (delivered.ok()) {
    held = outbox_.MarkSent(m.id, options_.owner, now);
    LogInfo("courier: message {} ({}) sent", m.id, m.template_type);
  } else {
    const Error& e = delivered.error();
    Failure failure{e.reason, std::nullopt};
    if (!IsPermanent(e) && m.send_count < attempts) {
      failure.retry_at = now + Backoff(options_, m.send_count);
    }
    held = outbox_.MarkFailed(m.id, options_.owner, failure, now);
    LogWarning("courier: message {} attempt {} failed{}: {}", m.id, m.send_count,
               failure.retry_at ? "" : "; abandoned", e.reason);
  }
  if (!held.ok()) {
    LogWarning("courier: cannot record the outcome of message {}: {}", m.id, held.error().reason);
  } else if (!*held) {
    LogWarning("courier: message {} was taken over by another sender (lease expired)", m.id);
  }
}

void Sender::Run() {
  for (;;) {
    const auto pass = RunOnce();
    if (!pass.ok()) {
      LogWarning("courier: {}", pass.error().reason);
    }
    const bool more = pass.ok() && *pass > 0;
    if (more) {
      std::lock_guard lock(mu_);
      if (stopping_) {
        return;
      }
      continue;  // more may be due right away
    }
    if (!Wait()) {
      return;
    }
  }
}

bool Sender::Wait() {
  std::unique_lock lock(mu_);
  wake_.wait_for(lock, options_.pull_wait, [this] { return rung_ || stopping_; });
  rung_ = false;
  return !stopping_;
}

void Sender::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
}

void Sender::Ring() {
  {
    std::lock_guard lock(mu_);
    rung_ = true;
  }
  wake_.notify_all();
}

}  // namespace atrium::courier

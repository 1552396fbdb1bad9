#include "app/courier.h"

#include <spdlog/spdlog.h>

#include "base/random.h"
#include "courier/http_channel.h"
#include "courier/smtp_channel.h"

namespace atrium::app {
namespace {

// Rings nobody: with no sender in this process, queued messages wait for one elsewhere.
class SilentDoorbell final : public courier::Doorbell {
 public:
  void Ring() override {}
};

courier::SenderOptions SenderOptionsOf(const config::Courier& c) {
  return {.owner = NewUuid(),
          .pull_count = c.pull_count,
          .pull_wait = c.pull_wait,
          .lease = c.lease,
          .send_timeout = c.send_timeout,
          .message_retries = c.message_retries,
          .backoff = c.backoff,
          .backoff_max = c.backoff_max};
}

}  // namespace

Result<std::unique_ptr<Courier>> Courier::Create(const config::Config& config,
                                                 courier::Outbox& outbox, const Clock& clock,
                                                 httpclient::Client& http) {
  const config::Courier& c = config.courier;
  auto out = std::unique_ptr<Courier>(new Courier());
  ATRIUM_ASSIGN_OR_RETURN(out->templates_, courier::Templates::Load(c));
  if (c.delivery_strategy == "http") {
    ATRIUM_ASSIGN_OR_RETURN(out->email_, courier::HttpChannel::Create(c, http));
  } else if (c.smtp.connection_uri.empty()) {
    spdlog::warn(
        "courier: no SMTP server configured (courier.smtp.connection_uri); messages stay queued");
    return out;
  } else {
    ATRIUM_ASSIGN_OR_RETURN(out->email_, courier::SmtpChannel::Create(c, clock));
  }
  out->sender_ =
      std::make_unique<courier::Sender>(outbox, *out->email_, nullptr, clock, SenderOptionsOf(c));
  return out;
}

Courier::~Courier() { Stop(); }

courier::Doorbell& Courier::doorbell() {
  static SilentDoorbell silent;
  return sender_ ? static_cast<courier::Doorbell&>(*sender_) : silent;
}

void Courier::Start() {
  if (sender_ && !thread_.joinable()) {
    thread_ = std::thread([this] { sender_->Run(); });
  }
}

void Courier::RunInForeground() {
  if (sender_) {
    sender_->Run();
  }
}

void Courier::Stop() {
  if (sender_) {
    sender_->Stop();
  }
  if (thread_.joinable()) {
    thread_.join();
  }
}

}  // namespace atrium::app

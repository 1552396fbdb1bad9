#include "app/courier.h"

#include <algorithm>

#include "base/log.h"
#include "base/random.h"
#include "base/strings.h"
#include "base/threads.h"
#include "courier/http_channel.h"
#include "courier/smtp_channel.h"

namespace atrium::app {
namespace {

// Rings nobody: with no sender in this process, queued messages wait for one elsewhere.
class SilentDoorbell final : public courier::Doorbell {
 public:
  void Ring() override {}
};

// Rings the sender, once there is one: the web hooks are built before it.
class Relay final : public courier::Doorbell {
 public:
  explicit Relay(const std::unique_ptr<courier::Sender>& sender) : sender_(sender) {}
  void Ring() override {
    if (sender_) {
      sender_->Ring();
    }
  }

 private:
  const std::unique_ptr<courier::Sender>& sender_;
};

// E-mails when no SMTP server is configured but the sender runs for web hooks.
class NoEmailChannel final : public courier::Channel {
 public:
  Status Deliver(const courier::Message& /*message*/) override {
    return Error::Unavailable("no SMTP server is configured (courier.smtp.connection_uri)");
  }
};

bool HasWebHooks(const config::Config& config) {
  const auto& reg = config.selfservice.registration;
  const auto any = [](const std::vector<config::Hook>& hooks) {
    return std::any_of(hooks.begin(), hooks.end(),
                       [](const config::Hook& h) { return h.hook == "web_hook"; });
  };
  return any(reg.before_hooks) || any(reg.after_hooks) ||
         std::any_of(reg.after_methods.begin(), reg.after_methods.end(),
                     [&](const auto& m) { return any(m.second.hooks); });
}

courier::SenderOptions SenderOptionsOf(const config::Courier& c) {
  // Unique, not secret: from the kernel, so that starting the courier does not start OpenSSL.
  return {.owner = HexEncode(KernelRandomBytes(16)),
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
  out->relay_ = std::make_unique<Relay>(out->sender_);
  ATRIUM_ASSIGN_OR_RETURN(
      out->web_hooks_, webhook::WebHooks::Create(config, http, &outbox, out->relay_.get(), clock));
  const bool web_hooks = HasWebHooks(config);
  if (c.delivery_strategy == "http") {
    ATRIUM_ASSIGN_OR_RETURN(out->email_, courier::HttpChannel::Create(c, http));
  } else if (c.smtp.connection_uri.empty()) {
    if (!web_hooks) {
      LogWarning(
          "courier: no SMTP server configured (courier.smtp.connection_uri); messages stay "
          "queued");
      return out;
    }
    LogWarning(
        "courier: no SMTP server configured (courier.smtp.connection_uri); e-mails fail until "
        "abandoned, web hook notifications are delivered");
    out->email_ = std::make_unique<NoEmailChannel>();
  } else {
    ATRIUM_ASSIGN_OR_RETURN(out->email_, courier::SmtpChannel::Create(c, clock));
  }
  out->sender_ =
      std::make_unique<courier::Sender>(outbox, *out->email_, nullptr, clock, SenderOptionsOf(c));
  out->webhook_channel_ =
      std::make_unique<webhook::Channel>(*out->web_hooks_, http, c.send_timeout);
  out->sender_->SetWebhookChannel(out->webhook_channel_.get());
  return out;
}

Courier::~Courier() { Stop(); }

courier::Doorbell& Courier::doorbell() {
  static SilentDoorbell silent;
  return sender_ ? static_cast<courier::Doorbell&>(*sender_) : silent;
}

void Courier::Start() {
  if (sender_ && !thread_.joinable()) {
    thread_ = std::thread([this] {
      NameThisThread("atrium-courier");
      sender_->Run();
    });
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

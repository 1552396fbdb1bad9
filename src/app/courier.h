#pragma once
// The courier's part of the composition root: templates, the delivery channel and the sender,
// built from courier.* once, and the background thread that runs the sender inside
// `atrium serve` or in the foreground for `atrium courier watch`.

#include <memory>
#include <thread>

#include "base/clock.h"
#include "base/result.h"
#include "config/config.h"
#include "courier/channel.h"
#include "courier/composer.h"
#include "courier/outbox.h"
#include "courier/sender.h"
#include "courier/templates.h"
#include "httpclient/client.h"
#include "webhook/web_hook.h"

namespace atrium::app {

class Courier final {
 public:
  // Compiles the templates and checks the delivery configuration (InvalidArgument naming the
  // key). With the smtp strategy and no courier.smtp.connection_uri there is no sender:
  // messages are queued and stay queued, which is logged; unless web hooks are configured:
  // then the sender runs for their notifications, and e-mails fail (and are retried, then
  // abandoned) for want of a server. The registration's web hooks are checked here too (they
  // share the outbox). `http` must outlive the courier.
  static Result<std::unique_ptr<Courier>> Create(const config::Config& config,
                                                 courier::Outbox& outbox, const Clock& clock,
                                                 httpclient::Client& http);
  ~Courier();  // stops the background thread
  Courier(const Courier&) = delete;
  Courier& operator=(const Courier&) = delete;

  // For the flows that queue messages.
  const courier::Composer& composer() const { return *templates_; }
  courier::Doorbell& doorbell();
  // The registration's web hooks (their notifications go through this courier's outbox).
  const webhook::WebHooks& web_hooks() const { return *web_hooks_; }

  bool CanDeliver() const { return sender_ != nullptr; }
  // Runs the sender on a background thread until Stop(); nothing without a sender.
  void Start();
  // Runs the sender on this thread until Stop() (from a signal handler's thread, say).
  void RunInForeground();
  void Stop();

 private:
  Courier() = default;

  std::unique_ptr<courier::Templates> templates_;
  std::unique_ptr<courier::Channel> email_;
  std::unique_ptr<courier::Sender> sender_;
  std::unique_ptr<courier::Doorbell> relay_;  // rings sender_ once there is one
  std::unique_ptr<webhook::WebHooks> web_hooks_;
  std::unique_ptr<courier::Channel> webhook_channel_;
  std::thread thread_;
};

}  // namespace atrium::app

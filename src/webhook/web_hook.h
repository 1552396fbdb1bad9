#pragma once
// The `web_hook` hook of the registration flow (docs/wire/registration.md §18.7-§18.9): each
// configured entry becomes one HTTP request built as Kratos builds it: `url`, `method` (POST),
// `headers` (Content-Type application/json unless set), `auth` (api_key in a header or a cookie,
// basic_auth) and `body`, a Jsonnet function of `ctx` (file://, base64:// or http(s)://) whose
// result is sent as JSON; a body that fails with `error "cancel"` sends nothing. `ctx` holds
// flow, identity, request_headers (clients.web_hook.header_allowlist only), request_method,
// request_url and request_cookies.
//
// Hooks the user waits for (before hooks, and after hooks with response.parse or can_interrupt)
// are called here with the budget atrium.web_hooks.timeout and an answer of at most 5 MB, each
// entry behind its own circuit breaker (3 failures in a row: refused at once for 30 s), so that a
// dead receiver costs one budget per cool-down instead of one per sign-up. The
// others are rendered into a courier message (MessageType::kWebhook) that the registration
// stores with the identity; `Channel` delivers it after the commit.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/json.h"
#include "base/result.h"
#include "config/config.h"
#include "courier/channel.h"
#include "courier/composer.h"
#include "courier/outbox.h"
#include "flow/request.h"
#include "httpclient/breaker.h"
#include "httpclient/client.h"
#include "registration/hook.h"

namespace atrium::webhook {

// One entry's configuration, checked once at start.
struct HookConfig {
  std::string key;  // names the entry in queued notifications (a digest of its configuration)
  std::string id;   // `id`, "" when unset
  httpclient::Request prototype;  // method, url and headers (auth included)
  std::string body_code;          // "" sends no body
  bool ignore = false;            // response.ignore
  bool parse = false;             // response.parse
  bool can_interrupt = false;     // deprecated can_interrupt

  bool Interrupts() const { return parse || can_interrupt; }
};

// InvalidArgument naming the key for a configuration that cannot work (no http(s) URL, an unknown
// auth type, a body that cannot be read, response.ignore together with parse or can_interrupt).
// An http(s):// body is fetched once through `http`.
Result<HookConfig> ParseHookConfig(const Json& config, httpclient::Client& http);

// Kratos' templateContext for a request. `identity` may be null (before hooks).
Json Context(const registration::Flow& flow, const flow::Request& request,
             const std::vector<std::string>& header_allowlist, const Json* identity);

class WebHooks final : public registration::ConfiguredHook {
 public:
  // Checks every web_hook entry of the registration flow's hook lists. `outbox` and `doorbell`
  // (may be null) take the notifications of before hooks with response.ignore. References must
  // outlive the object.
  static Result<std::unique_ptr<WebHooks>> Create(const config::Config& config,
                                                  httpclient::Client& http, courier::Outbox* outbox,
                                                  courier::Doorbell* doorbell, const Clock& clock);

  std::string_view Name() const override { return "web_hook"; }
  Result<bool> IsPrePersist(const Json& config) const override;
  Status RunBefore(const Json& config, const flow::Request& request,
                   const registration::Flow& flow) const override;
  Result<std::vector<flow::FieldMessage>> RunPrePersist(
      const Json& config, const flow::Request& request, const registration::Flow& flow,
      identity::Identity& identity) const override;
  Result<std::optional<courier::Message>> Notification(
      const Json& config, const flow::Request& request, const registration::Flow& flow,
      const identity::Identity& identity) const override;

  // The entry a queued notification names: by key, else (the configuration changed since) the
  // first entry with the same method and URL; null when none.
  const HookConfig* FindForDelivery(const courier::Message& message) const;

 private:
  WebHooks(const config::Config& config, courier::Outbox* outbox, courier::Doorbell* doorbell,
           const Clock& clock)
      : config_(config), outbox_(outbox), doorbell_(doorbell), clock_(clock) {}

  Result<const HookConfig*> Find(const Json& config) const;
  // The body for `ctx`: nullopt when the template cancelled the call.
  Result<std::optional<std::string>> RenderBody(const HookConfig& hook, const Json& ctx) const;
  // Calls a hook the user waits for; the answer when it is 2xx (other statuses are judged by the
  // caller through `status_error`).
  Result<httpclient::Response> Call(const HookConfig& hook, std::string body,
                                    std::string_view trigger_id) const;

  const config::Config& config_;
  courier::Outbox* outbox_;
  courier::Doorbell* doorbell_;
  const Clock& clock_;
  std::map<std::string, HookConfig> hooks_;  // by the entry's configuration, serialized
  // One breaker per entry, by HookConfig::key.
  std::map<std::string, std::unique_ptr<httpclient::GuardedClient>> guarded_;
};

// Delivers queued web hook notifications (courier::Sender's channel for MessageType::kWebhook):
// the stored body with the entry's current headers and auth (credentials are never stored in the
// outbox), Ory-Webhook-Request-ID = the message id (the same on every retry, for receivers that
// de-duplicate) and Ory-Webhook-Trigger-ID = the flow id. A 2xx answer delivers; 408, 429, 5xx
// and network failures are temporary; any other status, or an entry no longer configured, is a
// permanent refusal.
class Channel final : public courier::Channel {
 public:
  // References must outlive the channel.
  Channel(const WebHooks& hooks, httpclient::Client& http, Duration timeout)
      : hooks_(hooks), http_(http), timeout_(timeout) {}
  Status Deliver(const courier::Message& message) override;

 private:
  const WebHooks& hooks_;
  httpclient::Client& http_;
  Duration timeout_;
};

}  // namespace atrium::webhook

#include "webhook/web_hook.h"

#include <cctype>

#include "base/log.h"
#include "base/random.h"
#include "base/strings.h"
#include "base/time.h"
#include "courier/request_config.h"
#include "courier/templates.h"
#include "crypto/hash.h"
#include "jsonnet/jsonnet.h"
#include "webhook/response.h"

namespace atrium::webhook {
namespace {

constexpr const char* kUnreachable =
    "A third-party upstream service could not be reached. Please try again later.";
constexpr const char* kImproper =
    "A third-party upstream service responded improperly. Please try again later.";

Error Bad(std::string_view key, std::string_view why) {
  return Error::InvalidArgument("web_hook." + std::string(key) + ": " + std::string(why));
}

Error Improper(std::string message) {
  return std::move(Error::BadGateway(kImproper)).WithMessage(std::move(message));
}

Result<std::string> StringAt(const Json& object, std::string_view key, std::string_view path) {
  return courier::ConfigString(object, key, "web_hook.", path);
}

Result<bool> BoolAt(const Json& object, std::string_view key, std::string_view path) {
  const auto it = object.find(std::string(key));
  if (it == object.end() || it->is_null()) {
    return false;
  }
  if (!it->is_boolean()) {
    return Bad(path, "expected a boolean");
  }
  return it->get<bool>();
}

// The template behind `url`: file://, base64:// or http(s):// (fetched once, at start).
Result<std::string> ReadBody(const std::string& url, httpclient::Client& http) {
  if (url.starts_with("http://") || url.starts_with("https://")) {
    httpclient::Request get;
    get.url = url;
    get.timeout = std::chrono::seconds(10);
    get.max_response_bytes = std::size_t{1} << 20;
    auto got = http.Do(get);
    if (!got.ok()) {
      return Bad("body", got.error().reason);
    }
    if (got->status != 200) {
      return Bad("body", httpclient::OriginOf(url) + " answered " + std::to_string(got->status));
    }
    return std::move(got->body);
  }
  auto read = courier::ReadTemplateSource(url);
  if (!read.ok()) {
    return Bad("body", read.error().reason);
  }
  return read;
}

// Go's textproto.CanonicalMIMEHeaderKey for the common case: "sec-ch-ua" -> "Sec-Ch-Ua".
std::string Canonical(std::string_view name) {
  std::string out(name);
  bool upper = true;
  for (char& c : out) {
    c = upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
              : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    upper = c == '-';
  }
  return out;
}

// Where a hook goes, safe for logs (no path or query: they may carry secrets).
std::string OriginOf(const HookConfig& hook) { return httpclient::OriginOf(hook.prototype.url); }

// A failed call of a hook the user waits for, as the flow shows it.
Error CallFailed(const Error& e) {
  if (e.code == ErrorCode::kGatewayTimeout) {
    return std::move(Error::GatewayTimeout(kUnreachable))
        .WithMessage("the web hook did not answer in time");
  }
  if (e.code == ErrorCode::kUnavailable) {
    return std::move(Error::BadGateway(kUnreachable)).WithMessage("the web hook is unreachable");
  }
  return Improper("the web hook's answer could not be read");  // garbled, or over 5 MB
}

// A call of `hook` as the outbox keeps it: the rendered body and the entry's key, never its
// credentials (taken from the configuration when sending). Id and times are the caller's.
courier::Message QueuedCall(const HookConfig& hook, std::string body, const std::string& trigger) {
  courier::Message m;
  m.type = courier::MessageType::kWebhook;
  m.recipient = hook.prototype.url;
  m.subject = hook.prototype.method;
  m.body = std::move(body);
  m.template_type = "web_hook";
  m.template_data = {{"hook", hook.key}, {"trigger_id", trigger}};
  return m;
}

}  // namespace

Result<HookConfig> ParseHookConfig(const Json& config, httpclient::Client& http) {
  if (!config.is_object()) {
    return Bad("config", "expected a mapping");
  }
  HookConfig out;
  out.key = Base64Encode(crypto::Sha256(DumpJson(config)));
  ATRIUM_ASSIGN_OR_RETURN(out.id, StringAt(config, "id", "id"));
  ATRIUM_ASSIGN_OR_RETURN(courier::RequestConfig parsed,
                          courier::ParseRequestConfig(config, "web_hook."));
  out.prototype = std::move(parsed.prototype);
  const std::string& body_url = parsed.body_url;
  if (!body_url.empty()) {
    ATRIUM_ASSIGN_OR_RETURN(out.body_code, ReadBody(body_url, http));
  }
  const Json response = config.value("response", Json::object());
  if (!response.is_object()) {
    return Bad("response", "expected a mapping");
  }
  ATRIUM_ASSIGN_OR_RETURN(out.ignore, BoolAt(response, "ignore", "response.ignore"));
  ATRIUM_ASSIGN_OR_RETURN(out.parse, BoolAt(response, "parse", "response.parse"));
  ATRIUM_ASSIGN_OR_RETURN(out.can_interrupt, BoolAt(config, "can_interrupt", "can_interrupt"));
  if (out.ignore && out.Interrupts()) {
    return Bad("response.ignore",
               "a web hook cannot ignore its answer and also parse it (response.parse or "
               "can_interrupt)");
  }
  return out;
}

Json Context(const registration::Flow& flow, const flow::Request& request,
             const std::vector<std::string>& header_allowlist, const Json* identity) {
  Json headers = Json::object();
  for (const std::string& allowed : header_allowlist) {
    Json values = Json::array();
    for (const auto& [name, value] : request.headers) {
      if (EqualsIgnoreCase(name, allowed)) {
        values.push_back(value);
      }
    }
    if (!values.empty()) {
      headers[Canonical(allowed)] = std::move(values);
    }
  }
  Json cookies = Json::object();
  for (const auto& [name, value] : request.cookies) {
    if (!name.empty()) {
      cookies[name] = value;
    }
  }
  Json ctx = {{"flow", flow.ToJson()},
              {"request_headers", std::move(headers)},
              {"request_method", request.method},
              {"request_url", request.url},
              {"request_cookies", std::move(cookies)}};
  if (identity != nullptr) {
    ctx["identity"] = *identity;
  }
  return ctx;
}

Result<std::unique_ptr<WebHooks>> WebHooks::Create(const config::Config& config,
                                                   httpclient::Client& http,
                                                   courier::Outbox* outbox,
                                                   courier::Doorbell* doorbell,
                                                   const Clock& clock) {
  auto out = std::unique_ptr<WebHooks>(new WebHooks(config, outbox, doorbell, clock));
  const auto& reg = config.selfservice.registration;
  std::vector<std::pair<std::string, const std::vector<config::Hook>*>> lists = {
      {"selfservice.flows.registration.before.hooks", &reg.before_hooks},
      {"selfservice.flows.registration.after.hooks", &reg.after_hooks}};
  for (const auto& [method, after] : reg.after_methods) {
    lists.emplace_back("selfservice.flows.registration.after." + method + ".hooks", &after.hooks);
  }
  for (const auto& [path, list] : lists) {
    for (size_t i = 0; i < list->size(); ++i) {
      const config::Hook& entry = (*list)[i];
      if (entry.hook != "web_hook") {
        continue;
      }
      auto parsed = ParseHookConfig(entry.config, http);
      if (!parsed.ok()) {
        return Error::InvalidArgument(path + "." + std::to_string(i) +
                                      ".config: " + parsed.error().reason);
      }
      const std::string& key = parsed->key;
      if (!out->guarded_.contains(key)) {
        out->guarded_.emplace(key, std::make_unique<httpclient::GuardedClient>(
                                       http,
                                       httpclient::BreakerOptions{"web_hook " + OriginOf(*parsed),
                                                                  3, std::chrono::seconds(30)},
                                       clock));
      }
      out->hooks_.emplace(DumpJson(entry.config), std::move(parsed).value());
    }
  }
  return out;
}

Result<const HookConfig*> WebHooks::Find(const Json& config) const {
  const auto it = hooks_.find(DumpJson(config));
  if (it == hooks_.end()) {
    return Error{
        ErrorCode::kMisconfigured, "a web_hook entry was not checked at start", {}, {}, {}, {}};
  }
  return &it->second;
}

Result<bool> WebHooks::IsPrePersist(const Json& config) const {
  ATRIUM_ASSIGN_OR_RETURN(const HookConfig* hook, Find(config));
  return hook->Interrupts();
}

Result<std::optional<std::string>> WebHooks::RenderBody(const HookConfig& hook,
                                                        const Json& ctx) const {
  if (hook.body_code.empty()) {
    return std::optional<std::string>();
  }
  auto body =
      jsonnet::EvaluateSnippet("web_hook.body", hook.body_code, {.tla_code = {{"ctx", ctx}}});
  if (!body.ok()) {
    const std::string& why = body.error().reason;
    if (why.find("RUNTIME ERROR: cancel") != std::string::npos) {
      return std::optional<std::string>();  // the template decided not to call
    }
    // The reason may quote what ctx holds (the user's traits): logged, never answered.
    LogWarning("web_hook {}: the body template failed: {}", OriginOf(hook), why);
    return std::move(Error::Internal("the web hook's body template failed"))
        .WithMessage("the web hook's body template failed");
  }
  return std::optional<std::string>(DumpJson(*body));
}

Result<httpclient::Response> WebHooks::Call(const HookConfig& hook, std::string body,
                                            std::string_view trigger_id) const {
  httpclient::Request request = hook.prototype;
  request.body = std::move(body);
  request.timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(config_.web_hooks.timeout);
  request.max_response_bytes = kMaxResponseBytes;
  request.headers.push_back({"Ory-Webhook-Request-ID", NewUuid()});
  request.headers.push_back({"Ory-Webhook-Trigger-ID", std::string(trigger_id)});
  auto response = guarded_.at(hook.key)->Do(request);
  if (!response.ok()) {
    LogWarning("web_hook {}: {}", OriginOf(hook), response.error().reason);
    return CallFailed(response.error());
  }
  return response;
}

Status WebHooks::RunBefore(const Json& config, const flow::Request& request,
                           const registration::Flow& flow) const {
  ATRIUM_ASSIGN_OR_RETURN(const HookConfig* hook, Find(config));
  const Json ctx = Context(flow, request, config_.web_hooks.header_allowlist, nullptr);
  ATRIUM_ASSIGN_OR_RETURN(auto body, RenderBody(*hook, ctx));
  if (!body && !hook->body_code.empty()) {
    return OkStatus();  // cancelled
  }
  if (hook->ignore && outbox_ != nullptr) {
    // Nobody waits for it: queued like every notification, delivered by the sender.
    courier::Message m = QueuedCall(*hook, body.value_or(""), flow.id);
    m.id = NewUuid();
    m.created_at = m.updated_at = m.next_attempt_at = TruncateToMicros(clock_.Now());
    ATRIUM_RETURN_IF_ERROR(outbox_->Enqueue(m));
    if (doorbell_ != nullptr) {
      doorbell_->Ring();
    }
    return OkStatus();
  }
  ATRIUM_ASSIGN_OR_RETURN(auto response, Call(*hook, body.value_or(""), flow.id));
  if (response.status >= 400) {
    return Improper("webhook failed with status code " + std::to_string(response.status));
  }
  return OkStatus();
}

Result<std::vector<flow::FieldMessage>> WebHooks::RunPrePersist(
    const Json& config, const flow::Request& request, const registration::Flow& flow,
    identity::Identity& identity) const {
  ATRIUM_ASSIGN_OR_RETURN(const HookConfig* hook, Find(config));
  const Json subject = identity.ToAdminJson(config_.serve_public.base_url);
  const Json ctx = Context(flow, request, config_.web_hooks.header_allowlist, &subject);
  ATRIUM_ASSIGN_OR_RETURN(auto body, RenderBody(*hook, ctx));
  if (!body && !hook->body_code.empty()) {
    return std::vector<flow::FieldMessage>();  // cancelled
  }
  ATRIUM_ASSIGN_OR_RETURN(auto response, Call(*hook, body.value_or(""), flow.id));
  if (response.status >= 400) {
    auto veto = ParseVeto(response.body);
    if (!veto.ok()) {
      return Improper("webhook failed with status code " + std::to_string(response.status) + ": " +
                      veto.error().reason);
    }
    return veto;
  }
  if (hook->parse && response.status == 200) {
    if (auto st = ApplyChanges(response.body, identity); !st.ok()) {
      return Improper(st.error().reason);
    }
  }
  return std::vector<flow::FieldMessage>();
}

Result<std::optional<courier::Message>> WebHooks::Notification(
    const Json& config, const flow::Request& request, const registration::Flow& flow,
    const identity::Identity& identity) const {
  ATRIUM_ASSIGN_OR_RETURN(const HookConfig* hook, Find(config));
  const Json subject = identity.ToAdminJson(config_.serve_public.base_url);
  const Json ctx = Context(flow, request, config_.web_hooks.header_allowlist, &subject);
  ATRIUM_ASSIGN_OR_RETURN(auto body, RenderBody(*hook, ctx));
  if (!body && !hook->body_code.empty()) {
    return std::optional<courier::Message>();  // cancelled
  }
  return std::optional<courier::Message>(QueuedCall(*hook, body.value_or(""), flow.id));
}

const HookConfig* WebHooks::FindForDelivery(const courier::Message& message) const {
  const std::string key =
      message.template_data.is_object() ? message.template_data.value("hook", "") : "";
  for (const auto& [_, hook] : hooks_) {
    if (hook.key == key) {
      return &hook;
    }
  }
  for (const auto& [_, hook] : hooks_) {
    if (hook.prototype.url == message.recipient && hook.prototype.method == message.subject) {
      return &hook;
    }
  }
  return nullptr;
}

Status Channel::Deliver(const courier::Message& message) {
  const HookConfig* hook = hooks_.FindForDelivery(message);
  if (hook == nullptr) {
    return Error::Unprocessable("the web hook " + httpclient::OriginOf(message.recipient) +
                                " is no longer configured");
  }
  httpclient::Request request = hook->prototype;
  request.body = message.body;
  request.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(timeout_);
  request.max_response_bytes = kMaxResponseBytes;
  request.headers.push_back({"Ory-Webhook-Request-ID", message.id});
  request.headers.push_back(
      {"Ory-Webhook-Trigger-ID", message.template_data.is_object()
                                     ? message.template_data.value("trigger_id", "")
                                     : std::string()});
  return courier::DeliveryOutcome(http_.Do(request), request.url);
}

}  // namespace atrium::webhook

// After a method succeeded: the post-registration pipeline (docs/wire/registration.md §18) and
// the success answers of every client kind.
#include <algorithm>

#include "base/strings.h"
#include "base/time.h"
#include "identity/validator.h"
#include "registration/service.h"
#include "text/messages.h"

namespace atrium::registration {

bool Service::HasSessionHook(std::string_view method) const {
  const auto& reg = d_.config.selfservice.registration;
  const auto is_session = [](const config::Hook& h) { return h.hook == "session"; };
  if (const auto it = reg.after_methods.find(std::string(method)); it != reg.after_methods.end()) {
    if (std::any_of(it->second.hooks.begin(), it->second.hooks.end(), is_session)) {
      return true;
    }
    if (!it->second.hooks.empty()) {
      return false;  // the method's list has post-persist hooks: the global list is not used
    }
  }
  return std::any_of(reg.after_hooks.begin(), reg.after_hooks.end(), is_session);
}

std::vector<const PostPersistHook*> Service::HooksOf(std::string_view method) const {
  const auto& reg = d_.config.selfservice.registration;
  const std::vector<config::Hook>* configured = &reg.after_hooks;
  if (const auto it = reg.after_methods.find(std::string(method));
      it != reg.after_methods.end() && !it->second.hooks.empty()) {
    configured = &it->second.hooks;
  }
  const auto find = [this](std::string_view name) -> const PostPersistHook* {
    for (const PostPersistHook* h : d_.hooks) {
      if (h->Name() == name) {
        return h;
      }
    }
    return nullptr;  // not implemented: warned about when the configuration was loaded
  };
  std::vector<const PostPersistHook*> out;
  if (d_.config.selfservice.verification.enabled) {
    if (const PostPersistHook* h = find("verification")) {
      out.push_back(h);
    }
  }
  for (const config::Hook& h : *configured) {
    if (h.hook == "session" || h.hook == "verification") {
      continue;  // the session is handed out last; verification is built in
    }
    if (const PostPersistHook* found = find(h.hook)) {
      out.push_back(found);
    }
  }
  return out;
}

const std::vector<config::Hook>& Service::ConfiguredEntries(std::string_view method) const {
  const auto& reg = d_.config.selfservice.registration;
  if (const auto it = reg.after_methods.find(std::string(method));
      it != reg.after_methods.end() && !it->second.hooks.empty()) {
    return it->second.hooks;
  }
  return reg.after_hooks;
}

const ConfiguredHook* Service::FindConfigured(std::string_view name) const {
  for (const ConfiguredHook* h : d_.configured_hooks) {
    if (h->Name() == name) {
      return h;
    }
  }
  return nullptr;
}

Status Service::RunBeforeHooks(const flow::Request& request, const Flow& flow) const {
  for (const config::Hook& entry : d_.config.selfservice.registration.before_hooks) {
    if (const ConfiguredHook* hook = FindConfigured(entry.hook)) {
      ATRIUM_RETURN_IF_ERROR(hook->RunBefore(entry.config, request, flow));
    }
  }
  return OkStatus();
}

namespace {

// After a hook changed the traits: the identifiers of the credentials follow them.
void RefreshIdentifiers(identity::Identity& identity, const identity::Extracted& extracted) {
  if (auto it = identity.credentials.find("password"); it != identity.credentials.end()) {
    it->second.identifiers = extracted.password_identifiers;
  }
  if (auto it = identity.credentials.find("webauthn"); it != identity.credentials.end()) {
    it->second.identifiers = extracted.webauthn_identifiers;
  }
  if (auto it = identity.credentials.find("code"); it != identity.credentials.end()) {
    it->second.identifiers.clear();
    for (const auto& a : extracted.code_addresses) {
      it->second.identifiers.push_back(a.address);
    }
  }
}

}  // namespace

std::string Service::ReturnUrlDefault(std::string_view method) const {
  const auto& reg = d_.config.selfservice.registration;
  if (const auto it = reg.after_methods.find(std::string(method));
      it != reg.after_methods.end() && !it->second.default_browser_return_url.empty()) {
    return it->second.default_browser_return_url;
  }
  if (!reg.after_default_browser_return_url.empty()) {
    return reg.after_default_browser_return_url;
  }
  return d_.config.selfservice.default_browser_return_url;
}

flow::Reply Service::Complete(const flow::Request& request, SubmitContext& ctx,
                              std::string_view method, identity::Identity identity) const {
  Flow& flow = ctx.flow;
  // Atrium validates the return URL before anything is written, so that a registration either
  // succeeds completely or leaves nothing behind (Kratos creates the identity first).
  auto return_url = return_to_.Resolve(flow.ReturnTo(), ReturnUrlDefault(method));
  if (!return_url.ok()) {
    return FlowError(request, flow, ctx.decoded, return_url.error());
  }

  // Interrupting hooks run before anything is written (§18 step 1): a veto, a failure or a
  // timeout of any of them leaves nothing behind. What they change is validated again (step 2).
  const std::vector<config::Hook>& entries = ConfiguredEntries(method);
  std::vector<std::pair<const ConfiguredHook*, const Json*>> notify;
  for (const config::Hook& entry : entries) {
    const ConfiguredHook* hook = FindConfigured(entry.hook);
    if (hook == nullptr) {
      continue;
    }
    auto pre = hook->IsPrePersist(entry.config);
    if (!pre.ok()) {
      return FlowError(request, flow, ctx.decoded, pre.error());
    }
    if (!*pre) {
      notify.emplace_back(hook, &entry.config);
      continue;
    }
    const Json traits_before = identity.traits;
    auto veto = hook->RunPrePersist(entry.config, request, flow, identity);
    if (!veto.ok()) {
      return FlowError(request, flow, ctx.decoded, veto.error());
    }
    if (!veto->empty()) {
      return FlowError(request, flow, ctx.decoded, std::move(*veto));
    }
    if (identity.traits != traits_before) {
      auto validation = identity::ValidateTraits(ctx.schema, identity);
      if (!validation.ok()) {
        return FlowError(request, flow, ctx.decoded, flow::ToFieldMessages(validation.errors));
      }
      RefreshIdentifiers(identity, validation.extracted);
    }
  }

  const Timestamp now = TruncateToMicros(d_.clock.Now());
  identity.id = d_.ids.NewUuid();
  identity.schema_id = ctx.schema.id;
  identity.state = "active";
  identity.state_changed_at = now;
  identity.created_at = now;
  identity.updated_at = now;
  for (auto& a : identity.verifiable_addresses) {
    a.id = a.id.empty() ? d_.ids.NewUuid() : a.id;
    a.created_at = a.updated_at = now;
  }
  for (auto& a : identity.recovery_addresses) {
    a.id = a.id.empty() ? d_.ids.NewUuid() : a.id;
    a.created_at = a.updated_at = now;
  }

  // A session is written with every registration; only the session hook hands it out.
  const session::Session s = d_.sessions.Issue(identity, std::string(method), request.device);
  // Notifying hooks are rendered now and queued in the identity's transaction; the courier's
  // sender delivers them after the commit, so a crash loses none and a slow receiver delays
  // nobody.
  std::vector<courier::Message> messages;
  for (const auto& [hook, entry_config] : notify) {
    auto message = hook->Notification(*entry_config, request, flow, identity);
    if (!message.ok()) {
      return FlowError(request, flow, ctx.decoded, message.error());
    }
    if (!message->has_value()) {
      continue;
    }
    courier::Message& m = **message;
    m.id = d_.ids.NewUuid();
    m.created_at = m.updated_at = m.next_attempt_at = now;
    messages.push_back(std::move(m));
  }
  if (auto st = d_.registrations.CreateIdentityWithSessionAndMessages(identity, s, messages);
      !st.ok()) {
    return FlowError(request, flow, ctx.decoded, st.error());
  }
  if (!messages.empty() && d_.doorbell != nullptr) {
    d_.doorbell->Ring();
  }
  HookEffects effects;
  for (const PostPersistHook* hook : HooksOf(method)) {
    if (auto st = hook->Run(request, flow, identity, effects); !st.ok()) {
      return FlowError(request, flow, ctx.decoded, st.error());
    }
  }
  auto oauth2_redirect = OAuth2Redirect(flow, s, effects);
  if (!oauth2_redirect.ok()) {
    // The identity stays (as in Kratos): Hydra refused the login after the sign-up.
    return flow::Reply::Forward(std::move(oauth2_redirect).error());
  }
  return Success(request, flow, identity, HasSessionHook(method) ? &s : nullptr, *return_url,
                 std::move(effects), *oauth2_redirect, ctx.from_callback);
}

Result<std::string> Service::OAuth2Redirect(const Flow& flow, const session::Session& session,
                                            const HookEffects& effects) const {
  if (flow.oauth2_login_challenge.empty() || flow.IsApi()) {
    return std::string();
  }
  for (const Json& item : effects.continue_with) {
    if (item.value("action", "") == "show_verification_ui") {
      return std::string();  // Kratos: the verification UI first (the challenge is not carried)
    }
  }
  return AcceptLogin(flow.oauth2_login_challenge, session);
}

flow::Reply Service::SignInExisting(const flow::Request& request, Flow& flow,
                                    std::string_view method, const identity::Identity& identity,
                                    bool from_callback) const {
  if (identity.state != "active") {
    return FlowError(request, flow, Json(), {flow::FieldMessage{"", text::IdentityDisabled()}});
  }
  auto return_url = return_to_.Resolve(flow.ReturnTo(), ReturnUrlDefault(method));
  if (!return_url.ok()) {
    return FlowError(request, flow, Json(), return_url.error());
  }
  const session::Session s = d_.sessions.Issue(identity, std::string(method), request.device);
  if (auto st = d_.sessions.Save(s); !st.ok()) {
    return flow::Reply::Forward(std::move(st).error());
  }
  auto oauth2_redirect = OAuth2Redirect(flow, s, HookEffects{});
  if (!oauth2_redirect.ok()) {
    return flow::Reply::Forward(std::move(oauth2_redirect).error());
  }
  return Success(request, flow, identity, &s, *return_url, HookEffects{}, *oauth2_redirect,
                 from_callback);
}

flow::Reply Service::Success(const flow::Request& request, const Flow& flow,
                             const identity::Identity& identity, const session::Session* session,
                             const std::string& return_url, HookEffects effects,
                             const std::string& oauth2_redirect, bool from_callback) const {
  const std::string& base = d_.config.serve_public.base_url;
  // §18.1: an API flow that came back through a browser (a social sign-in) and was created for
  // the session token exchange sends the browser to return_to with the code the app trades for
  // the token (GET /sessions/token-exchange).
  if (flow.IsApi() && from_callback && session != nullptr && d_.exchanges != nullptr &&
      !flow.ReturnTo().empty()) {
    auto code = d_.exchanges->Complete(flow.id, *session);
    if (!code.ok()) {
      return flow::Reply::ErrorJson(std::move(code).error());
    }
    if (code->has_value()) {
      const char sep = return_url.find('?') == std::string::npos ? '?' : '&';
      return flow::Reply::Redirect(303, return_url + sep + "code=" + QueryEscape(**code));
    }
  }
  // §19: redirect_browser_to (SPA), the hooks' items, set_ory_session_token (API). Inside an
  // OAuth2 login (§20) the only redirect_browser_to is Hydra's, and it comes last.
  Json continue_with = Json::array();
  if (!flow.IsApi() && request.is_json && oauth2_redirect.empty()) {
    continue_with.push_back(
        {{"action", "redirect_browser_to"}, {"redirect_browser_to", return_url}});
  }
  for (auto& item : effects.continue_with) {
    if (oauth2_redirect.empty() || item.value("action", "") != "redirect_browser_to") {
      continue_with.push_back(std::move(item));
    }
  }
  if (!oauth2_redirect.empty() && request.is_json) {
    continue_with.push_back(
        {{"action", "redirect_browser_to"}, {"redirect_browser_to", oauth2_redirect}});
  }
  if (flow.IsApi()) {
    Json body;
    if (session != nullptr) {
      continue_with.push_back(
          {{"action", "set_ory_session_token"}, {"ory_session_token", session->token}});
      body["session_token"] = session->token;
      body["session"] = d_.sessions.ToJson(*session);
    }
    body["identity"] = identity.ToPublicJson(base);
    body["continue_with"] = continue_with.empty() ? Json() : continue_with;
    return flow::Reply::JsonBody(200, std::move(body));
  }
  flow::Reply reply;
  if (request.is_json) {
    Json body;
    if (session != nullptr) {
      body["session"] = d_.sessions.ToJson(*session);
    }
    body["identity"] = identity.ToPublicJson(base);
    body["continue_with"] = continue_with.empty() ? Json() : continue_with;
    reply = flow::Reply::JsonBody(200, std::move(body));
  } else {
    reply =
        flow::Reply::Redirect(303, !oauth2_redirect.empty()            ? oauth2_redirect
                                   : !effects.browser_redirect.empty() ? effects.browser_redirect
                                                                       : return_url);
  }
  reply.cookies = std::move(effects.cookies);
  if (session != nullptr) {
    // Signing in rotates the CSRF token (nosurf after authentication), unless a hook already did
    // for a flow it created with the new token.
    reply.cookies.push_back(d_.sessions.CookieFor(*session));
    if (!effects.csrf_rotated) {
      reply.cookies.push_back(d_.csrf.RotatedCookie());
    }
  }
  return reply;
}

}  // namespace atrium::registration

// After a method succeeded: the post-registration pipeline (docs/wire/registration.md §18) and
// the success answers of every client kind.
#include <algorithm>

#include "base/strings.h"
#include "base/time.h"
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
  if (auto st = d_.registrations.CreateIdentityWithSession(identity, s); !st.ok()) {
    return FlowError(request, flow, ctx.decoded, st.error());
  }
  HookEffects effects;
  for (const PostPersistHook* hook : HooksOf(method)) {
    if (auto st = hook->Run(request, flow, identity, effects); !st.ok()) {
      return FlowError(request, flow, ctx.decoded, st.error());
    }
  }
  return Success(request, flow, identity, HasSessionHook(method) ? &s : nullptr, *return_url,
                 std::move(effects), ctx.from_callback);
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
  return Success(request, flow, identity, &s, *return_url, HookEffects{}, from_callback);
}

flow::Reply Service::Success(const flow::Request& request, const Flow& flow,
                             const identity::Identity& identity, const session::Session* session,
                             const std::string& return_url, HookEffects effects,
                             bool from_callback) const {
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
  // §19: redirect_browser_to (SPA), the hooks' items, set_ory_session_token (API).
  Json continue_with = Json::array();
  if (!flow.IsApi() && request.is_json) {
    continue_with.push_back(
        {{"action", "redirect_browser_to"}, {"redirect_browser_to", return_url}});
  }
  for (auto& item : effects.continue_with) {
    continue_with.push_back(std::move(item));
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
    reply = flow::Reply::Redirect(
        303, effects.browser_redirect.empty() ? return_url : effects.browser_redirect);
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

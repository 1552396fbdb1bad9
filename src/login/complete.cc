// After a method proved who is signing in: the post-login pipeline (docs/wire/login.md §12) and
// the success answers of every client kind.
#include "base/time.h"
#include "login/service.h"
#include "text/messages.h"

namespace atrium::login {
namespace {

bool HasVerifiedAddress(const identity::Identity& identity) {
  for (const auto& a : identity.verifiable_addresses) {
    if (a.verified) {
      return true;
    }
  }
  return false;
}

}  // namespace

const std::vector<config::Hook>& Service::HooksOf(std::string_view method) const {
  const auto& login = d_.config.selfservice.login;
  if (const auto it = login.after_methods.find(std::string(method));
      it != login.after_methods.end() && !it->second.hooks.empty()) {
    return it->second.hooks;
  }
  return login.after_hooks;
}

std::string Service::ReturnUrlDefault(std::string_view method) const {
  const auto& login = d_.config.selfservice.login;
  if (const auto it = login.after_methods.find(std::string(method));
      it != login.after_methods.end() && !it->second.default_browser_return_url.empty()) {
    return it->second.default_browser_return_url;
  }
  if (!login.after_default_browser_return_url.empty()) {
    return login.after_default_browser_return_url;
  }
  return d_.config.selfservice.default_browser_return_url;
}

flow::Reply Service::SignIn(const flow::Request& request, SubmitContext& ctx,
                            std::string_view method, const identity::Identity& identity) const {
  Flow& flow = ctx.flow;
  if (identity.state != "active") {
    return FlowError(request, flow, ctx.decoded,
                     {flow::FieldMessage{"", text::IdentityDisabled()}});
  }
  auto return_url = return_to_.Resolve(flow.ReturnTo(), ReturnUrlDefault(method));
  if (!return_url.ok()) {
    return FlowError(request, flow, ctx.decoded, return_url.error());
  }
  // A refresh by the signed-in identity renews its session (same id and token); anyone else
  // gets a new one (§9.3).
  const session::Session* current = request.session ? &*request.session : nullptr;
  const bool same_identity = current != nullptr && current->identity_id == identity.id;

  for (const auto& hook : HooksOf(method)) {
    if (hook.hook == "revoke_active_sessions") {
      auto revoked =
          d_.sessions.RevokeOthers(identity.id, same_identity ? current->id : std::string());
      if (!revoked.ok()) {
        return flow::Reply::Forward(std::move(revoked).error());
      }
    } else if (hook.hook == "require_verified_address") {
      if (identity.verifiable_addresses.empty()) {
        return FlowError(request, flow, ctx.decoded,
                         Error::Internal("A misconfiguration prevents login. Expected to find a "
                                         "verification address but this identity does not have "
                                         "one assigned."));
      }
      if (!HasVerifiedAddress(identity)) {
        return FlowError(request, flow, ctx.decoded,
                         {flow::FieldMessage{"", text::AddressNotVerified()}});
      }
    }
  }

  session::Session session;
  if (same_identity) {
    auto renewed = d_.sessions.Reauthenticate(*current, std::string(method), request.device);
    if (!renewed.ok()) {
      return flow::Reply::Forward(std::move(renewed).error());
    }
    session = std::move(*renewed);
  } else {
    session = d_.sessions.Issue(identity, std::string(method), request.device);
    if (auto st = d_.sessions.Save(session); !st.ok()) {
      return flow::Reply::Forward(std::move(st).error());
    }
  }
  flow.active = std::string(method);
  if (auto st = Save(flow); !st.ok()) {
    return flow::Reply::Forward(std::move(st).error());
  }

  if (flow.IsApi()) {
    Json body;
    body["session_token"] = session.token;
    body["session"] = d_.sessions.ToJson(session);
    body["continue_with"] = nullptr;  // login never adds set_ory_session_token (§12.6)
    return flow::Reply::JsonBody(200, std::move(body));
  }
  flow::Reply reply;
  if (request.is_json) {
    Json body;
    body["session"] = d_.sessions.ToJson(session);
    body["continue_with"] =
        Json::array({{{"action", "redirect_browser_to"}, {"redirect_browser_to", *return_url}}});
    reply = flow::Reply::JsonBody(200, std::move(body));
  } else {
    reply = flow::Reply::Redirect(303, *return_url);
  }
  reply.cookies.push_back(d_.sessions.CookieFor(session));
  if (!same_identity) {
    reply.cookies.push_back(d_.csrf.RotatedCookie());  // a new principal gets a new CSRF token
  }
  return reply;
}

}  // namespace atrium::login

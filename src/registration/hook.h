#pragma once
// The seam for post-persist hooks (docs/wire/registration.md §18 step 7): what runs after the
// identity and its session were written, before the answer. Built-in `verification` and
// `show_verification_ui` plug in here (verification/hooks.h), web hooks will too. `session` is not
// a hook object: the service hands out the session last, whatever the configured order.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/cookie.h"
#include "base/json.h"
#include "base/result.h"
#include "courier/message.h"
#include "flow/form.h"
#include "flow/request.h"
#include "identity/identity.h"
#include "registration/flow.h"

namespace atrium::registration {

// What hooks add to the answer, collected in hook order.
struct HookEffects {
  Json continue_with = Json::array();  // items after redirect_browser_to, before the session's
  std::vector<SetCookie> cookies;
  bool csrf_rotated = false;     // a hook set a new CSRF cookie: the session keeps that one
  std::string browser_redirect;  // classic browsers: the final 303 goes here ("" = return URL)
};

class PostPersistHook {
 public:
  virtual ~PostPersistHook() = default;
  // The name in `after.<method>.hooks` ("verification" is inserted first when verification is
  // enabled).
  virtual std::string_view Name() const = 0;
  // `flow.internal_context` carries what one hook hands to a later one; `identity` is the created
  // identity as the answer shows it. An error goes to the flow error handler (the identity stays).
  virtual Status Run(const flow::Request& request, Flow& flow, identity::Identity& identity,
                     HookEffects& effects) const = 0;
};

// The seam for hooks that carry their own configuration (`{hook: web_hook, config: {...}}`),
// looked up by name. Each configured entry is one of three kinds (docs/wire/registration.md
// §18.7-§18.9, ARCHITECTURE.md "Hooks and the outbox"):
// - before hooks run when a flow is created; an error aborts the creation;
// - interrupting entries (IsPrePersist) run before anything is written: they may change the
//   identity or veto the registration, and any failure of theirs creates nothing;
// - the others only notify: they are rendered now into an outbox message that is stored in the
//   transaction of the identity and delivered after the commit by the courier's sender.
class ConfiguredHook {
 public:
  virtual ~ConfiguredHook() = default;
  virtual std::string_view Name() const = 0;  // "web_hook"
  // Whether `config` makes the entry run before the identity is written. InvalidArgument
  // (answered as a misconfiguration) for a configuration that cannot work.
  virtual Result<bool> IsPrePersist(const Json& config) const = 0;
  virtual Status RunBefore(const Json& config, const flow::Request& request,
                           const Flow& flow) const = 0;
  // Empty: the registration may go on (`identity` possibly changed; the caller validates it
  // again). Otherwise the messages that veto it (node "" = the form's own messages).
  virtual Result<std::vector<flow::FieldMessage>> RunPrePersist(
      const Json& config, const flow::Request& request, const Flow& flow,
      identity::Identity& identity) const = 0;
  // The notification for the created `identity`, to be queued in its transaction; nullopt when
  // the entry decided to send nothing (a body template that cancels). The caller sets its id
  // and timestamps.
  virtual Result<std::optional<courier::Message>> Notification(
      const Json& config, const flow::Request& request, const Flow& flow,
      const identity::Identity& identity) const = 0;
};

}  // namespace atrium::registration

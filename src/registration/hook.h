#pragma once
// The seam for post-persist hooks (docs/wire/registration.md §18 step 7): what runs after the
// identity and its session were written, before the answer. Built-in `verification` and
// `show_verification_ui` plug in here (verification/hooks.h), web hooks will too. `session` is not
// a hook object: the service hands out the session last, whatever the configured order.

#include <string>
#include <string_view>
#include <vector>

#include "base/cookie.h"
#include "base/json.h"
#include "base/result.h"
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

}  // namespace atrium::registration

#pragma once
// What a method can make of a submission, in every self-service flow (registration, login, ...).
// Each flow adds its own success outcome (an identity to create, an identity that signed in); the
// rest is shared, and the flows render it the same way.

#include <string>
#include <vector>

#include "base/cookie.h"
#include "base/error.h"
#include "flow/form.h"
#include "flow/reply.h"

namespace atrium::flow {

// The submission is addressed to another method.
struct NotResponsible {};

// Show the form again with these messages (the method copied the submitted values into it).
struct FormErrors {
  std::vector<FieldMessage> messages;
};

// The form of this same flow changed (two-step's next screen, a one-time code was sent): the
// service persists the flow and shows it.
struct NextStep {
  // The method laid the form out itself and it is shown unsorted (Kratos sorts the "code sent"
  // screen only at the next error, docs/wire/registration.md §17.3).
  bool keep_node_order = false;
};

// Leave for an external page (a social provider); it comes back through a callback. JSON clients
// get 422 browser_location_change_required, browsers a 303.
struct Redirect {
  std::string url;
  std::vector<SetCookie> cookies;  // e.g. a continuity cookie binding the flow to this browser
};

// A system error (CSRF violation, method disabled, upstream failure): rendered as an error, or as
// a form message where it has one.
struct Failed {
  Error error;
};

// Kratos' 422 for JSON clients that must send the browser elsewhere
// (docs/wire/registration.md §17.6).
Error BrowserLocationChangeRequired(const std::string& url);

// The answer to a Redirect outcome: 422 for JSON requests, else 303; with its cookies.
Reply AnswerRedirect(bool is_json, Redirect redirect);

}  // namespace atrium::flow

#pragma once
// HTML rendering of the UI pages with kainjow/mustache (every value HTML-escaped).

#include <string>
#include <string_view>

#include "base/json.h"

namespace atrium::pages {

enum class Language { kEnglish, kGerman };

// The language for an Accept-Language header (English unless German is preferred).
Language LanguageFor(std::string_view accept_language);

struct Page {
  std::string html;
  std::string nonce;  // for the Content-Security-Policy header
  // Where the page's forms may lead (CSP form-action, redirects included): social sign-in
  // providers' authorization endpoints besides 'self'.
  std::string form_action = "'self'";
};

// Where a flow page links to besides its form: both are init URLs of the public API, so that
// each leads to whatever UI is configured for that flow.
struct FlowLinks {
  std::string other_flow;  // sign-in from the sign-up page, sign-up from the sign-in page
  std::string restart;     // a new flow of the same kind ("use another account")
};

// The registration form of a flow (the API's flow JSON).
Page RenderRegistration(const Json& flow, Language lang, const FlowLinks& links);
// The login form of a flow: first factor (unified or identifier-first, either screen) or a
// refresh ("confirm it's you") flow.
Page RenderLogin(const Json& flow, Language lang, const FlowLinks& links);
// The verification form of a flow: the address, then the code, then the Continue link.
Page RenderVerification(const Json& flow, Language lang);
// An error object (the value of "error" in an envelope or error container).
Page RenderError(const Json& error, Language lang, std::string_view retry_url);
// The signed-in identity and its session (the whoami JSON), with a sign-out link to
// `logout_url` (none when empty).
Page RenderWelcome(const Json& session, Language lang, std::string_view logout_url);

}  // namespace atrium::pages

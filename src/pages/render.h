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
};

// The registration form of a flow (the API's flow JSON).
Page RenderRegistration(const Json& flow, Language lang);
// An error object (the value of "error" in an envelope or error container).
Page RenderError(const Json& error, Language lang, std::string_view retry_url);
// The signed-in identity and its session (the whoami JSON).
Page RenderWelcome(const Json& session, Language lang, std::string_view signup_url);

}  // namespace atrium::pages

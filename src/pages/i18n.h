#pragma once
// The UI's message catalogue: Kratos message ids to texts, English and German.

#include <string>

#include "base/json.h"
#include "pages/render.h"

namespace atrium::pages {

// The text of a Kratos message ({id, text, type, context}) in `lang`; the server's English text
// when no translation exists.
std::string Translate(const Json& message, Language lang);

// A UI string of the page chrome ("title.registration", ...).
std::string UiText(const std::string& key, Language lang);

}  // namespace atrium::pages

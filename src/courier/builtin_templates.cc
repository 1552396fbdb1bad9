#include "courier/builtin_templates.h"

#include <array>
#include <map>

namespace atrium::courier {
namespace {

// The SMS texts end with the origin-bound line of WebOTP (@domain #code) when the request URL
// is known.
constexpr std::array<BuiltinTemplate, 4> kBuiltins{{
    {"registration_code_valid", "registration_code/valid",
     "Use code {{ .RegistrationCode }} to complete your account registration",
     "Complete your account registration with the following code:\n\n{{ .RegistrationCode }}\n\n"
     "This code expires in {{ .ExpiresInMinutes }} minutes.\n",
     "Complete your account registration with the following code:\n\n{{ .RegistrationCode }}\n\n"
     "This code expires in {{ .ExpiresInMinutes }} minutes.\n",
     "Your registration code is: {{ .RegistrationCode }}\n\nIt expires in "
     "{{ .ExpiresInMinutes }} minutes.\n{{ if .RequestURLDomain }}\n@{{ .RequestURLDomain }} "
     "#{{ .RegistrationCode }}\n{{ end -}}\n"},
    {"verification_code_valid", "verification_code/valid",
     "Use code {{ .VerificationCode }} to verify your account",
     "Verify your account with the following code:\n\n{{ .VerificationCode }}\n\nor clicking the "
     "following link:\n\n{{ .VerificationURL }}\n\nIf this was not you, do nothing. This code / "
     "link expires in {{ .ExpiresInMinutes }} minutes.\n",
     "Verify your account with the following code:\n\n{{ .VerificationCode }}\n\nor clicking the "
     "following link:\n\n<a href=\"{{ .VerificationURL }}\">{{ .VerificationURL }}</a>\n\nIf this "
     "was not you, do nothing. This code / link expires in {{ .ExpiresInMinutes }} minutes.\n",
     "Your verification code is: {{ .VerificationCode }}\n\nIf this was not you, do nothing. It "
     "expires in {{ .ExpiresInMinutes }} minutes.\n{{ if .RequestURLDomain }}\n"
     "@{{ .RequestURLDomain }} #{{ .VerificationCode }}\n{{ end -}}\n"},
    {"verification_valid", "verification/valid", "Please verify your email address",
     "Verify your account by opening the following link:\n\n{{ .VerificationURL }}\n\nIf this was "
     "not you, do nothing. This link expires in {{ .ExpiresInMinutes }} minutes.\n",
     "Verify your account by opening the following link:\n\n<a href=\"{{ .VerificationURL }}\">"
     "{{ .VerificationURL }}</a>\n\nIf this was not you, do nothing. This link expires in "
     "{{ .ExpiresInMinutes }} minutes.\n",
     ""},
    {"login_code_valid", "login_code/valid", "Use code {{ .LoginCode }} to log in",
     "Login to your account with the following code:\n\n{{ .LoginCode }}\n\nIt expires in "
     "{{ .ExpiresInMinutes }} minutes.\n",
     "Login to your account with the following code:\n\n{{ .LoginCode }}\n\nIt expires in "
     "{{ .ExpiresInMinutes }} minutes.\n",
     "Your login code is: {{ .LoginCode }}\n\nIt expires in {{ .ExpiresInMinutes }} minutes.\n"
     "{{ if .RequestURLDomain }}\n@{{ .RequestURLDomain }} #{{ .LoginCode }}\n{{ end -}}\n"},
}};

}  // namespace

std::span<const BuiltinTemplate> BuiltinTemplates() { return kBuiltins; }

const std::set<std::string, std::less<>>& ModelFields(std::string_view type) {
  using Fields = std::set<std::string, std::less<>>;
  static const std::map<std::string, Fields, std::less<>> kFields = {
      {"registration_code_valid",
       {"To", "Traits", "RegistrationCode", "RequestURL", "RequestURLDomain", "TransientPayload",
        "ExpiresInMinutes", "OAuth2LoginRequest"}},
      {"verification_code_valid",
       {"To", "VerificationURL", "VerificationCode", "Identity", "RequestURL", "RequestURLDomain",
        "TransientPayload", "ExpiresInMinutes", "OAuth2LoginRequest"}},
      {"verification_valid",
       {"To", "VerificationURL", "Identity", "RequestURL", "RequestURLDomain", "TransientPayload",
        "ExpiresInMinutes", "OAuth2LoginRequest"}},
      {"login_code_valid",
       {"To", "LoginCode", "Identity", "RequestURL", "RequestURLDomain", "TransientPayload",
        "ExpiresInMinutes", "OAuth2LoginRequest"}},
  };
  static const Fields kNone;
  const auto it = kFields.find(type);
  return it == kFields.end() ? kNone : it->second;
}

Json ModelJson(const Json& model) {
  static const std::map<std::string, std::string, std::less<>> kJsonNames = {
      {"To", "to"},
      {"Traits", "traits"},
      {"Identity", "identity"},
      {"RegistrationCode", "registration_code"},
      {"VerificationCode", "verification_code"},
      {"VerificationURL", "verification_url"},
      {"LoginCode", "login_code"},
      {"RequestURL", "request_url"},
      {"TransientPayload", "transient_payload"},
      {"ExpiresInMinutes", "expires_in_minutes"},
      {"OAuth2LoginRequest", "oauth2_login_request"}};
  Json out = Json::object();
  if (!model.is_object()) {
    return out;
  }
  for (const auto& [key, value] : model.items()) {
    if (key == "RequestURLDomain") {
      continue;
    }
    const auto it = kJsonNames.find(key);
    out[it == kJsonNames.end() ? key : it->second] = value;
  }
  return out;
}

}  // namespace atrium::courier

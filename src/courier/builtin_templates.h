#pragma once
// Kratos' built-in message texts (courier/template/courier/builtin/templates/...), the defaults
// that configuration may override part by part.

#include <set>
#include <span>
#include <string>
#include <string_view>

#include "base/json_type.h"

namespace atrium::courier {

struct BuiltinTemplate {
  std::string_view type;  // "registration_code_valid"
  std::string_view
      directory;  // Kratos' layout below template_override_path: "registration_code/valid"
  std::string_view email_subject;
  std::string_view email_body_plaintext;
  std::string_view email_body_html;  // Kratos' email.body.gotmpl
  std::string_view sms_body;         // "" when Kratos has no SMS variant
};

std::span<const BuiltinTemplate> BuiltinTemplates();

// The top-level fields of a template type's model (Kratos' <Type>Model structs, plus the
// RequestURLDomain method), which a template's paths may start with.
const std::set<std::string, std::less<>>& ModelFields(std::string_view type);

// The template model as Kratos serializes it (the JSON names of its struct fields:
// "RegistrationCode" -> "registration_code"), for HTTP bodies. RequestURLDomain (a method, not
// a field) is left out; keys it does not know stay as they are.
Json ModelJson(const Json& model);

}  // namespace atrium::courier

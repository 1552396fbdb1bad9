#include "courier/plain_composer.h"

#include <string>

#include "base/json.h"

namespace atrium::courier {
namespace {

std::string Field(const Json& data, const char* key) {
  const auto it = data.find(key);
  if (it == data.end()) {
    return "";
  }
  return it->is_string() ? it->get<std::string>() : DumpJson(*it);
}

}  // namespace

Result<Message> PlainComposer::Compose(std::string_view template_type, MessageType type,
                                       std::string recipient, const Json& data) const {
  Message m;
  m.type = type;
  m.recipient = std::move(recipient);
  m.template_type = std::string(template_type);
  m.template_data = data;
  const std::string minutes = Field(data, "ExpiresInMinutes");
  if (template_type == "registration_code_valid") {
    const std::string code = Field(data, "RegistrationCode");
    m.subject = "Use code " + code + " to complete your account registration";
    m.body = "Complete your account registration with the following code:\n\n" + code +
             "\n\nThis code expires in " + minutes + " minutes.\n";
  } else if (template_type == "verification_code_valid") {
    const std::string code = Field(data, "VerificationCode");
    m.subject = "Use code " + code + " to verify your account";
    m.body = "Verify your account with the following code:\n\n" + code +
             "\n\nor clicking the following link:\n\n" + Field(data, "VerificationURL") +
             "\n\nIf this was not you, do nothing. This code / link expires in " + minutes +
             " minutes.\n";
  } else {
    return Error::InvalidArgument("courier: no template " + std::string(template_type));
  }
  return m;
}

}  // namespace atrium::courier

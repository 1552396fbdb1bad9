#pragma once
// A stop-gap Composer with Kratos' built-in plain-text templates for the two code messages, so
// that the code method and the verification flow can queue messages before the full template
// engine (courier/templates.h) lands. To be replaced by it.

#include "courier/composer.h"

namespace atrium::courier {

class PlainComposer final : public Composer {
 public:
  Result<Message> Compose(std::string_view template_type, MessageType type, std::string recipient,
                          const Json& data) const override;
};

}  // namespace atrium::courier
